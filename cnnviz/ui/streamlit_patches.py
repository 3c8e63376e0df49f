"""The app's two patches of private Streamlit internals, in one place.

Both rely on details Streamlit does not promise to keep; ``tests/test_streamlit_patches.py`` fails,
naming the patch, when an upgrade changes them. Check that test first after upgrading Streamlit.

- :func:`require_app_navigation`: a deep link on a fresh server goes through app.py's navigation
  (``PagesManager.uses_pages_directory``).
- :func:`keep_keras_state`: Streamlit no longer clears Keras' global state after every script run
  (``script_runner._clean_problem_modules``).
"""

from __future__ import annotations

import sys

import streamlit as st


def require_app_navigation() -> None:
    """Make a deep link on a freshly started server go through app.py's navigation.

    With a ``pages/`` folder, Streamlit starts in its legacy multipage mode until ``st.navigation``
    has run once, so the first visitor of ``/pixels`` would get the bare page without our
    navigation and layout. Switching the flag off and rerunning sends that visit through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def keep_keras_state() -> None:
    """Stop Streamlit from calling ``keras.backend.clear_session()`` after every script run.

    Streamlit's script runner (``_clean_problem_modules``) clears Keras' global state after each
    script and fragment run once Keras is imported. Trainings run on Dask workers now, but the web
    process still runs Keras for every session (the Inside page's models, finished runs rebuilt from
    their weights): each clear costs a full garbage collection, about 1.4 s with TensorFlow loaded
    (measured on the 2-core machine), after every rerun, including the live panel's fragment every
    second, and it resets the Keras state and TensorFlow's kernel cache under the other sessions'
    threads. Models are shared by the server's sessions, so nothing here wants the global state
    cleared (see docs/architecture.md). Streamlit's matplotlib clean-up is kept. Idempotent.
    """
    from streamlit.runtime.scriptrunner import script_runner

    if getattr(script_runner._clean_problem_modules, "keeps_keras_state", False):
        return

    def clean_problem_modules_but_keras() -> None:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    clean_problem_modules_but_keras.keeps_keras_state = True  # type: ignore[attr-defined]
    script_runner._clean_problem_modules = clean_problem_modules_but_keras
