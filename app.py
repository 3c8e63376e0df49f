"""CNN Explorer: learn how convolutional neural networks work by touching them.

Start with ``streamlit run app.py``. This file only sets up the page, the navigation and the
shared sidebar; each learning step is a short script in ``pages/``.
"""

import streamlit as st

from cnnviz.images import thumbnail
from cnnviz.memory import limit_malloc_arenas
from cnnviz.ui import state
from cnnviz.ui.navigation import STEPS
from cnnviz.ui.page_errors import run_guarded
from cnnviz.ui.presentation import page_style, presentation_toggle

limit_malloc_arenas()  # once per server: keeps memory flat over many trainings (see cnnviz/memory.py)
st.set_page_config(page_title="CNN Explorer", page_icon=":material/psychology:", layout="wide")

home = st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)
steps = [st.Page(s.path, title=s.title, icon=s.icon, url_path=s.url_path) for s in STEPS]
navigation = st.navigation([home, *steps])

sidebar_image = st.sidebar.empty()
with st.sidebar:
    presentation_toggle()
page_style()
try:
    run_guarded(navigation.run, navigation.url_path or "home")
finally:
    # Drawn after the page, which may have just changed the image (a drawing, an upload): never stale.
    if state.has_image():
        with sidebar_image.container():
            st.caption("Your image follows you from page to page:")
            label = state.image_label()
            small = thumbnail(state.image(), 120)  # any allowed shape, even 10×10,000, draws
            st.image(small, caption=label, width=small.shape[1], alt=f"Your image: {label}")
