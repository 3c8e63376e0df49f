"""Leading the lesson from the dashboard: follow mode and the sent view, pausing the class's trainings,
the class's training budget (it only tightens the server's), and splitting the class for a course
experiment."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cnnviz.recipes import EXPERIMENTS
from cnnviz.training.budget import Budget
from cnnviz.ui.class_room.groups import group_labels
from cnnviz.ui.class_session import classroom
from cnnviz.ui.class_teacher import FOLLOW_KEY, follow_mode
from cnnviz.ui.navigation import find_page
from cnnviz.ui.training_job import server_budget


def _act(action: Any, *args: Any, done: str = "") -> None:
    """Run a teacher's action on the class; its error (a deleted class) is shown, not raised."""
    from cnnviz.classroom import ClassroomError

    try:
        action(*args)
    except ClassroomError as error:
        st.error(str(error))
    else:
        if done:
            st.toast(done)


def _remember_follow() -> None:
    st.session_state[FOLLOW_KEY] = st.session_state["class_follow_toggle"]


def views_section(teacher_key: str, info: Any) -> None:
    """How sent views reach the students, and the view sent last."""
    st.markdown("#### :material/cast_for_education: Send the class to your view")
    st.markdown(
        "On any page, **Send this view to the class** (next to *Copy link to this view*) sends your page with "
        "its settings to every student: they get a notice with one click to open it."
    )
    st.toggle(
        "Follow mode: take students there at once",
        value=follow_mode(),
        key="class_follow_toggle",
        on_change=_remember_follow,
        help="When on, each view you send opens on your students' screens without a click.",
    )
    if info.view is not None:
        page = find_page(info.view.page)
        st.markdown(f"Last view sent: **{page.title if page else info.view.page}**")
        if st.button("Withdraw it", key="class_clear_view", help="Students who have not opened it stop seeing it."):
            _act(classroom().clear_view, teacher_key, done="Withdrawn.")
            st.rerun()


def pause_section(teacher_key: str, info: Any) -> None:
    """Pause (or resume) every training of the class."""
    st.markdown("#### :material/pause_circle: Pause trainings")
    key = f"class_paused_{info.paused}"  # a fresh switch whenever the class's state changed (another device)
    st.toggle(
        "Pause all trainings of the class",
        value=info.paused,
        key=key,
        on_change=lambda: _act(classroom().set_paused, teacher_key, st.session_state[key]),
        help="Students cannot start a training while paused, and a training already running stops after its "
        "current batch (what it learnt is kept and tested).",
    )


def budget_section(teacher_key: str, info: Any) -> None:
    """The class's limits per training; the server's own limits always hold too."""
    st.markdown("#### :material/speed: The class's training budget")
    server = server_budget()
    st.markdown(
        "Limits for every training of your students. They can only make the server's limits stricter: "
        f"the server's own are {server.describe() or 'none'}. 0 means no limit of the class's own."
    )
    with st.form("class_budget"):
        columns = st.columns(3)
        images = columns[0].number_input(
            "Epochs × training images",
            0,
            10**9,
            int(info.budget.max_epoch_images or 0),
            step=10_000,
            help="e.g. 3 epochs × 3,000 images = 9,000",
        )
        seconds = columns[1].number_input(
            "Seconds of training",
            0,
            24 * 3600,
            int(info.budget.max_seconds or 0),
            step=30,
            help="then it stops and is tested",
        )
        queued = columns[2].number_input(
            "Trainings queued per student",
            0,
            100,
            int(info.budget.max_queued or 0),
            help="an experiment queues up to three",
        )
        if st.form_submit_button("Set the class's limits"):
            budget = Budget(int(images) or None, float(seconds) or None, int(queued) or None)
            _act(classroom().set_budget, teacher_key, budget, done="The class's limits are set.")
            st.rerun()


def groups_section(teacher_key: str, info: Any) -> None:
    """Split the class across one of the course's experiments, or end the split."""
    st.markdown("#### :material/science: Split the class for an experiment")
    if info.experiment:
        title = EXPERIMENTS[info.experiment].title if info.experiment in EXPERIMENTS else info.experiment
        st.markdown(f"The class is split for **{title}**: " + ", ".join(f"**{g}**" for g in info.groups) + ".")
        if st.button("End the split", key="class_end_split"):
            _act(classroom().clear_groups, teacher_key)
            st.rerun()
    st.markdown(
        "Each group trains one variant of the quick digits network (*Train my group's run* on their Class page); "
        "the dashboard's **Results** overlays everyone's curves by group. Students who join later go to the "
        "smallest group."
    )
    experiment = st.selectbox(
        "Experiment",
        list(EXPERIMENTS),
        format_func=lambda key: EXPERIMENTS[key].title,
        key="class_experiment",
    )
    labels = group_labels(experiment)
    st.markdown(
        "Groups: "
        + ", ".join(f"**{chr(65 + i)}**: {label}" for i, label in enumerate(labels))
        + f". {EXPERIMENTS[experiment].question}"
    )
    if st.button("Split the class", type="primary", key="class_split"):
        _act(classroom().set_groups, teacher_key, experiment, labels, done="The class is split.")
        st.rerun()
