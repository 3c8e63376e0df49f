"""CNN Explorer: learn how convolutional neural networks work by touching them.

Start with ``streamlit run app.py``. This file only sets up the page, the navigation and the
shared sidebar; each learning step is a short script in ``pages/``.
"""

import streamlit as st

from cnnviz.images import enlarge
from cnnviz.memory import limit_malloc_arenas
from cnnviz.ui.navigation import STEPS

limit_malloc_arenas()  # once per server: keeps memory flat over many trainings (see cnnviz/memory.py)
st.set_page_config(page_title="CNN Explorer", page_icon="🧠", layout="wide")

home = st.Page("pages/home.py", title="Home", icon="🏠", default=True)
steps = [st.Page(s.path, title=s.title, icon=s.icon, url_path=s.url_path) for s in STEPS]
navigation = st.navigation([home, *steps])

sidebar_image = st.sidebar.empty()
try:
    navigation.run()
finally:
    # Drawn after the page, which may have just changed the image (a drawing, an upload): never stale.
    if "image" in st.session_state:
        with sidebar_image.container():
            st.caption("Your image follows you from page to page:")
            st.image(enlarge(st.session_state["image"], 120), caption=st.session_state.get("image_label"),
                     width=120)
