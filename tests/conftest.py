"""Shared test set-up: the offline data directory and a helper to run pages with AppTest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "datasets"

os.environ.setdefault("CNNVIZ_DATA_DIR", str(DEFAULT_DATA_DIR))
# Keep TensorFlow quiet and deterministic enough for tests on a 2-core CPU.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The offline copy of MNIST / Fashion-MNIST / NEU (CI sets CNNVIZ_DATA_DIR to it)."""
    path = Path(os.environ["CNNVIZ_DATA_DIR"])
    if not path.is_dir():
        pytest.fail(f"CNNVIZ_DATA_DIR={path} does not exist; point it at shared/datasets")
    return path


def page_path(name: str) -> str:
    """Absolute path of a page script, for AppTest.from_file."""
    return str(ROOT / "pages" / f"{name}.py")


def opened_page(name: str, timeout: float = 90):
    """The page run once with AppTest, checked to have raised nothing (for module-scoped fixtures)."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(page_path(name), default_timeout=timeout)
    app.run()
    assert not app.exception
    return app


def markdown_text(app) -> str:
    """Every markdown block of an AppTest run, one per line."""
    return "\n".join(block.value for block in app.markdown)
