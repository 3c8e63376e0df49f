"""Class: a teacher starts a class and leads it from a live dashboard; students join with the code."""

import streamlit as st

from cnnviz.ui.class_room.access import open_teacher_link, start_class_form
from cnnviz.ui.class_room.dashboard import dashboard
from cnnviz.ui.class_room.join import linked_code, student_side
from cnnviz.ui.streamlit_patches import require_app_navigation

require_app_navigation()
st.title("Class")
teacher = open_teacher_link()  # a private teacher link's key leaves the address bar at once
if teacher is None or not dashboard(teacher):  # the teacher's page is the dashboard
    st.markdown(
        "A class puts everyone's work in one room: your teacher sees which page you are on and the runs you "
        "train, can send the class to a view, and asks quick checks that you answer on your page."
    )
    student_side(linked_code())
    with st.expander("For teachers: start a class", icon=":material/co_present:"):
        start_class_form()
