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
    script and fragment run. With a training thread building and fitting a model meanwhile, that
    throws away the thread's Keras state, TensorFlow's default graph and kernel cache once per
    page refresh: the model is traced again and again and a 10-second training did not finish in
    minutes. Models are shared by the server's sessions anyway, so nothing here wants the global
    state cleared (see docs/architecture.md). Streamlit's matplotlib clean-up is kept. Idempotent.
    """
    from streamlit.runtime.scriptrunner import script_runner

    if getattr(script_runner._clean_problem_modules, "keeps_keras_state", False):
        return

    def clean_problem_modules_but_keras() -> None:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    clean_problem_modules_but_keras.keeps_keras_state = True  # type: ignore[attr-defined]
    script_runner._clean_problem_modules = clean_problem_modules_but_keras
