"""What the test suite needs beyond its Python packages, and what to do when a piece is missing.

Optional pieces: the offline datasets folder, a Chromium for the browser tests, the npm packages (axe-core
for the accessibility audit, onnxruntime-web to check the vendored phone runtime) and PostgreSQL's
binaries for the classroom tests' PostgreSQL half. Without
one, the tests that need it are skipped with the reason below; with ``CNNVIZ_TESTS_REQUIRE_ALL=1`` (CI:
``scripts/test.py --require-all``) they fail with it instead.
Standard library only: ``scripts/test.py`` reports the same reasons before it starts pytest.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR_ENV = "CNNVIZ_DATA_DIR"
CHROMIUM_ENV = "CNNVIZ_CHROMIUM"
REQUIRE_ALL_ENV = "CNNVIZ_TESTS_REQUIRE_ALL"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# The Chromium install line for this platform, by the ID (or ID_LIKE) of /etc/os-release.
CHROMIUM_INSTALL = {
    "debian": "sudo apt-get install chromium fonts-noto-color-emoji",
    "ubuntu": "sudo snap install chromium",
    "fedora": "sudo dnf install chromium",
    "arch": "sudo pacman -S chromium",
    "opensuse": "sudo zypper install chromium",
}


def data_dir() -> Path:
    """The offline datasets folder: ``$CNNVIZ_DATA_DIR``, else ``../shared/datasets`` beside this folder."""
    return Path(os.environ.get(DATA_DIR_ENV) or ROOT.parent / "shared" / "datasets").expanduser().resolve()


def data_missing() -> str | None:
    """Why the tests that read the offline datasets cannot run, or None when the folder is there."""
    folder = data_dir()
    if folder.is_dir():
        return None
    return (
        f"needs the offline datasets folder (mnist/, fashion-mnist/, neu/): {DATA_DIR_ENV}={folder} "
        "does not exist (see README, 'Offline use')"
    )


def chromium() -> Path | None:
    """The Chromium (or Chrome) the browser tests drive: ``$CNNVIZ_CHROMIUM``, else the first on PATH."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return Path(named) if Path(named).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def chromium_install_line() -> str:
    """How to install Chromium on this platform."""
    if sys.platform == "darwin":
        return "brew install --cask chromium"
    try:
        release = platform.freedesktop_os_release()
    except OSError:
        release = {}
    for distribution in [release.get("ID", ""), *release.get("ID_LIKE", "").split()]:
        if distribution in CHROMIUM_INSTALL:
            return CHROMIUM_INSTALL[distribution]
    return "install Chromium or Google Chrome"


def chromium_missing() -> str | None:
    """Why the browser tests cannot run, or None when a Chromium is there."""
    if chromium():
        return None
    named = os.environ.get(CHROMIUM_ENV)
    where = f"{CHROMIUM_ENV}={named} is not a file" if named else f"none of {', '.join(CHROMIUM_NAMES)} is on PATH"
    return (
        f"needs Chromium for the browser tests: {where}; `{chromium_install_line()}`, "
        f"or set {CHROMIUM_ENV} to a Chromium or Chrome executable"
    )


def _version(package_json: Path) -> str | None:
    try:
        return json.loads(package_json.read_text()).get("version")
    except (OSError, ValueError):
        return None


def npm_packages_current() -> bool:
    """Every package package-lock.json pins is installed in node_modules/ at its pinned version."""
    try:
        pinned = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    except (OSError, ValueError, KeyError):
        return False
    return all(
        _version(ROOT / folder / "package.json") == facts.get("version")
        for folder, facts in pinned.items()
        if folder.startswith("node_modules/")
    )


def npm_missing(package: str, purpose: str) -> str | None:
    """Why the tests that need ``package`` from npm (for ``purpose``) cannot run, or None when it is installed."""
    if (ROOT / "node_modules" / package / "package.json").is_file():
        return None
    if shutil.which("npm"):
        return f"needs {package} ({purpose}): run `npm ci` in {ROOT} (scripts/test.py does)"
    return (
        f"needs {package} ({purpose}), which npm installs, and Node.js (npm) is absent: "
        "`sudo apt-get install npm` (or install Node.js), then `npm ci` in this folder"
    )


def axe_core_missing() -> str | None:
    """Why the accessibility audit cannot run, or None when axe-core is installed."""
    return npm_missing("axe-core", "the accessibility audit")


def onnxruntime_web_missing() -> str | None:
    """Why the vendored phone runtime cannot be compared with its npm package, or None."""
    return npm_missing("onnxruntime-web", "to compare the vendored phone runtime with")


def postgres_missing() -> str | None:
    """Why the classroom tests' PostgreSQL half cannot run, or None when PostgreSQL's binaries are there."""
    from tests.postgres_server import find_binaries  # standard library only, like this module

    binaries, reason = find_binaries()
    return None if binaries else f"needs PostgreSQL: {reason}"


def required_all() -> bool:
    """Missing pieces fail the tests instead of skipping them (CI sets this)."""
    return os.environ.get(REQUIRE_ALL_ENV, "") not in ("", "0")
