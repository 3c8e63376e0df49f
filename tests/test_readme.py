"""The README's set-up text agrees with the configuration and names what the tests need."""

from __future__ import annotations

import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The README text from the heading ``## title`` to the next ``## `` heading."""
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def test_the_browser_opens_as_the_readme_says():
    """``headless = true`` in config.toml would stop `streamlit run app.py` from opening the browser."""
    assert "Your browser opens at <http://localhost:8501>" in section("The two commands")
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert not re.search(r"^\s*headless\s*=\s*true", config, flags=re.MULTILINE)


def test_the_test_instructions_name_every_variable_the_tests_read_and_how_long_they_take():
    text = section("The two commands")
    read = set()
    for conftest in ROOT.glob("tests/**/conftest.py"):
        read |= set(re.findall(r"os\.environ(?:\.get|\.setdefault)?[\[(]\"(CNNVIZ_\w+)\"", conftest.read_text()))
    assert {"CNNVIZ_DATA_DIR", "CNNVIZ_CHROMIUM"} <= read
    for name in read:
        assert f"`{name}`" in text, name
    assert "python -m pytest" in text and "chromium" in text.lower() and "fonts-noto-color-emoji" in text
    assert re.search(r"about \d+ minutes", text)  # how long the suite takes
