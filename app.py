"""CNN Explorer: learn how convolutional neural networks work by touching them.

Start with ``streamlit run app.py``. This file only sets up the page, the navigation and the
shared sidebar; each learning step is a short script in ``pages/``.
"""

import streamlit as st

from cnnviz.memory import limit_malloc_arenas
from cnnviz.ui.class_notices import class_live, class_sidebar
from cnnviz.ui.class_session import restore, write_cookies
from cnnviz.ui.course_notes import scroll_to_section, take_section
from cnnviz.ui.navigation import CLASS, STEPS
from cnnviz.ui.page_errors import run_guarded
from cnnviz.ui.presentation import page_style, presentation_toggle
from cnnviz.ui.sidebar_image import sidebar_thumbnail

limit_malloc_arenas()  # once per server: keeps memory flat over many trainings (see cnnviz/memory.py)
st.set_page_config(page_title="CNN Explorer", page_icon=":material/psychology:", layout="wide")

home = st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)
steps = [st.Page(s.path, title=s.title, icon=s.icon, url_path=s.url_path) for s in [*STEPS, CLASS]]
navigation = st.navigation([home, *steps])

restore()  # a new session takes its place in a class back from the browser (cnnviz/ui/class_session.py)
sidebar_class = st.sidebar.empty()
sidebar_image = st.sidebar.empty()
with st.sidebar:
    presentation_toggle()
page_style()
take_section()  # a course-map link's section: scrolled to once the page has drawn it
class_live(navigation.url_path or "home")  # a student's notices: the teacher's view, a quick check
shown = sidebar_thumbnail(sidebar_image)  # drawn first: the first screen does not wait for the page
try:
    run_guarded(navigation.run, navigation.url_path or "home")
    scroll_to_section()
    if navigation.url_path == "training":  # Inside comes next: its demo network loads while the student reads
        from cnnviz.ui.cache import prepare_pretrained

        prepare_pretrained("mnist")  # the first of Inside's demo models (and TensorFlow, the first time)
finally:
    with sidebar_class.container():  # after the page, which may have just joined or left a class
        class_sidebar()
        write_cookies()
    if not shown.still_current():  # the page changed the image (a drawing, an upload): never stale
        sidebar_thumbnail(sidebar_image)
