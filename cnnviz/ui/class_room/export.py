"""The class's records: the report as CSV (one row per run), a zip of the runs (bounded), removing a
student, deleting the class, and this browser forgetting the class."""

from __future__ import annotations

import datetime
from typing import Any

import streamlit as st

from cnnviz.text import literal_markdown
from cnnviz.ui.class_room.live import names_hidden
from cnnviz.ui.class_room.run_view import run_store
from cnnviz.ui.class_room.tables import shown_name
from cnnviz.ui.class_session import classroom, stop_leading

MAX_ZIP_MB = 100  # a zip of the runs is refused above this (the CSV report is always small)


def _file_name(info: Any, extension: str) -> str:
    return f"class-{info.code.lower()}-{datetime.date.today().isoformat()}.{extension}"


def export_section(teacher_key: str, info: Any) -> None:
    """Download the report or the runs; with names hidden, the files say "Student 7" too."""
    from cnnviz.classroom import ClassroomError

    hide = names_hidden()
    st.markdown("#### :material/download: The class's records")
    st.markdown(
        "**The report** has one row per run: student, group, network (layers, parameters, multiply-adds), "
        "dataset, settings, test accuracy and time. **The runs** add each run's files from the server's run store "
        "(weights, curves, test predictions) to the report, so you can open them later."
        + (" Names are hidden: the files say *Student N*." if hide else "")
    )
    left, right = st.columns(2)
    try:
        report = classroom().export_csv(teacher_key, hide_names=hide)
    except ClassroomError as error:
        st.error(str(error))
        return
    left.download_button(
        "Download the report (.csv)",
        report.encode(),
        file_name=_file_name(info, "csv"),
        mime="text/csv",
        icon=":material/table:",
        on_click="ignore",
        key="class_csv",
    )
    if right.button("Prepare a zip of the runs", icon=":material/folder_zip:", key="class_zip_prepare"):
        store = run_store()
        try:
            if store is None:
                raise ClassroomError("This server keeps no run store: download the report instead")
            archive = classroom().export_zip(teacher_key, store.directory, hide_names=hide, max_bytes=MAX_ZIP_MB << 20)
        except ClassroomError as error:
            right.error(str(error))
        else:
            right.download_button(
                f"Download the runs (.zip, {len(archive) / 2**20:.1f} MB)",
                archive,
                file_name=_file_name(info, "zip"),
                mime="application/zip",
                icon=":material/download:",
                on_click="ignore",
                key="class_zip",
            )


def remove_section(teacher_key: str, roster: list[Any]) -> None:
    """Remove one student (an unkind name, a duplicate), with their runs and answers."""
    from cnnviz.classroom import ClassroomError

    st.markdown("#### :material/person_remove: Remove a student")
    if not roster:
        st.caption("Nobody has joined yet.")
        return
    hide = names_hidden()
    names = {entry.student_id: shown_name(entry.number, entry.name, hide) for entry in roster}
    with st.form("class_remove"):
        student = st.selectbox("Student", list(names), format_func=names.__getitem__, key="class_remove_who")
        sure = st.checkbox("Remove this student with their runs and answers", key="class_remove_sure")
        if st.form_submit_button("Remove"):
            if not sure:
                st.error("Tick the box to confirm.")
                return
            try:
                classroom().remove_student(teacher_key, student)
            except ClassroomError as error:
                st.error(str(error))
                return
            st.toast(f"{names[student]} was removed.")
            st.rerun()


def delete_section(teacher_key: str, info: Any) -> None:
    """Delete the class now (it is deleted anyway on its retention date), or only forget it here."""
    from cnnviz.classroom import ClassroomError

    st.markdown("#### :material/delete_forever: Delete the class")
    expires = datetime.datetime.fromtimestamp(info.expires_at).strftime("%d %B %Y")
    st.markdown(
        f"The class and everything of its students (runs, answers) are deleted automatically on **{expires}**. "
        "Delete it now when the lesson is over:"
    )
    with st.form("class_delete"):
        sure = st.checkbox(
            f"Delete “{literal_markdown(info.title)}” with its {info.students} students and {info.runs} runs: "
            "this cannot be undone",
            key="class_delete_sure",
        )
        if st.form_submit_button("Delete the class", type="primary", icon=":material/delete_forever:"):
            if not sure:
                st.error("Tick the box to confirm.")
                return
            try:
                classroom().delete_class(teacher_key)
            except ClassroomError as error:
                st.error(str(error))
                return
            stop_leading()
            st.rerun()
    st.button(
        "Forget this class on this browser",
        key="class_forget",
        on_click=stop_leading,
        help="The class goes on; your private teacher link opens its dashboard again.",
    )
