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
    named = set()
    for setup in [
        *ROOT.glob("tests/**/conftest.py"),
        *(ROOT / "tests" / f for f in ("prerequisites.py", "postgres_server.py")),
    ]:
        named |= set(re.findall(r"\"(CNNVIZ_\w+)\"", setup.read_text()))
    assert {"CNNVIZ_DATA_DIR", "CNNVIZ_CHROMIUM", "CNNVIZ_CACHE_DIR", "CNNVIZ_TESTS_REQUIRE_ALL"} <= named
    for name in named:
        assert f"`{name}`" in text, name
    assert "npm ci" in text and "chromium" in text.lower() and "fonts-noto-color-emoji" in text
    assert re.search(r"\*\*Time\*\*: \d+ min", text)  # how long the command took, measured


def test_the_readme_gives_one_test_command_and_ci_runs_it():
    text = section("The two commands")
    [command] = re.findall(r"^(python3 scripts/test\.py)\b", text, flags=re.MULTILINE)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(command)} --require-all$", ci, flags=re.MULTILINE)
    assert "pytest" not in ci.replace("python3 scripts/test.py", "")  # no second way to run the tests
