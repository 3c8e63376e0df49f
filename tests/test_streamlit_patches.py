"""The app's patches of private Streamlit internals still hold (cnnviz/ui/streamlit_patches.py).

Each check fails naming the patch, so a Streamlit upgrade that moves what a patch relies on is
caught here, not by a student on a deep link or a training that never finishes.
"""

import inspect
import sys

import pytest
import streamlit

PATCHES = "cnnviz/ui/streamlit_patches.py"


def broken(patch: str, what: str) -> str:
    return (
        f"Streamlit {streamlit.__version__} changed what the patch {patch!r} in {PATCHES} relies on: {what}. "
        "Rework or remove the patch."
    )


def test_deep_link_patch_require_app_navigation_still_has_its_flag():
    """``require_app_navigation`` switches off ``PagesManager.uses_pages_directory`` (legacy pages mode)."""
    from streamlit.runtime import pages_manager

    from cnnviz.ui.streamlit_patches import require_app_navigation

    manager = getattr(pages_manager, "PagesManager", None)
    if manager is None or "uses_pages_directory" not in vars(manager):
        pytest.fail(
            broken(
                require_app_navigation.__name__,
                "streamlit.runtime.pages_manager.PagesManager.uses_pages_directory is gone",
            )
        )
    if "uses_pages_directory" not in inspect.getsource(manager.__init__):
        pytest.fail(
            broken(
                require_app_navigation.__name__,
                "PagesManager no longer decides the legacy pages mode from uses_pages_directory",
            )
        )


def test_keras_patch_keep_keras_state_replaces_the_runners_clean_up(monkeypatch):
    """``keep_keras_state`` replaces ``script_runner._clean_problem_modules``, which the runner calls by name."""
    keras = pytest.importorskip("keras")
    from streamlit.runtime.scriptrunner import script_runner

    from cnnviz.ui.streamlit_patches import keep_keras_state

    name = keep_keras_state.__name__
    if not callable(getattr(script_runner, "_clean_problem_modules", None)):
        pytest.fail(broken(name, "streamlit.runtime.scriptrunner.script_runner._clean_problem_modules is gone"))
    if "_clean_problem_modules" not in inspect.getsource(script_runner.ScriptRunner._run_script):
        pytest.fail(broken(name, "ScriptRunner._run_script no longer calls _clean_problem_modules"))
    monkeypatch.setattr(script_runner, "_clean_problem_modules", script_runner._clean_problem_modules)
    keep_keras_state()
    keep_keras_state()  # idempotent
    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *args, **kwargs: calls.append(args))
    closed = []
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", type("Pyplot", (), {"close": staticmethod(closed.append)}))
    script_runner._clean_problem_modules()
    assert calls == [] and closed == ["all"]  # Keras kept, matplotlib still cleaned
