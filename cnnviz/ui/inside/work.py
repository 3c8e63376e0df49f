"""The Inside page's side of :mod:`cnnviz.background`: the server's one :class:`~cnnviz.background.BackgroundWork`
and :func:`follow`, which shows a work's progress (polled every second, without blocking the page) and
gives its result once it is there.

Work goes to a free worker of the training cluster (started by :func:`cnnviz.ui.training_job.training_service`)
when one is ready; ``CNNVIZ_EXPLAIN_ON_WORKERS=0`` keeps it in the web server's background thread.
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from cnnviz.background import BackgroundWork, Work
from cnnviz.text import duration_text
from cnnviz.ui.training_job import asker, training_service

ON_WORKERS_ENV = "CNNVIZ_EXPLAIN_ON_WORKERS"
POLL_SECONDS = 1.0


def _cluster_client() -> Any:
    """The training cluster's client when it is ready (None before, or when switched off)."""
    if os.environ.get(ON_WORKERS_ENV, "1") == "0":
        return None
    cluster = training_service().cluster
    return cluster.client() if cluster.ready else None


@st.cache_resource(show_spinner=False)
def server_work() -> BackgroundWork:
    """The server's background work, shared by every session (so a second student gets the first one's result)."""
    return BackgroundWork(_cluster_client, owner=asker)


def describe(work: Work) -> str:
    """One line for the progress bar: what, how far, where."""
    where = {"worker": "on a training worker", "server": "on the server"}.get(work.where, "")
    if work.state == "queued":
        return f"{work.title}: waiting for the server's earlier requests…"
    note = f" · {work.note}" if work.note and work.note != "done" else ""
    return f"{work.title}{note} · {duration_text(work.seconds)} so far {where}".rstrip()


def follow(work: Work, *, key: str) -> Any:
    """``work``'s result when it is done; otherwise its progress (or its error with "Try again") and None.

    The progress is a fragment polled every second; when the work finishes it reruns the page, which
    then draws the result.
    """
    if work.state == "done":
        return work.result
    if work.state == "failed":
        st.error(work.error or "This could not be computed.")
        if st.button("Try again", icon=":material/refresh:", key=f"{key}_retry"):
            server_work().forget(work.key)
            st.rerun()
        return None

    @st.fragment(run_every=POLL_SECONDS)
    def poll() -> None:
        if work.finished:
            st.rerun()
        st.progress(work.progress, text=describe(work))

    poll()
    return None
