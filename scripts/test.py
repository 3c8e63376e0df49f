"""The one test command: set up what a fresh clone needs, then run the checks and the whole suite, as CI does.

    python3 scripts/test.py [--venv DIR] [--require-all] [--no-checks] [pytest arguments...]

1. a virtual environment: ``.venv`` in this folder, made once and reused (``--venv DIR`` for another);
2. the test requirements (requirements-dev.txt, which includes the app's), installed again only when a
   requirements file changed;
3. the npm packages (axe-core for the accessibility audit, onnxruntime-web to check the vendored phone
   runtime): ``npm ci`` when they are not installed as package-lock.json pins them (without Node.js the
   tests that need them are skipped, and this says so);
4. Chromium for the browser tests, the offline datasets folder and PostgreSQL's binaries (classroom
   tests): found, or the reason their tests skip;
5. ``ruff check``, ``ruff format --check`` and ``mypy`` (``--no-checks`` leaves them out);
6. ``python -m pytest`` with the remaining arguments (after ``--``, all of them go to pytest).

``--require-all`` (CI) makes any of these missing an error instead of a skip.
Standard library only: it runs with the system's Python 3.10-3.12 before anything is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import prerequisites  # noqa: E402 - standard library only, importable before the set-up

PYTHONS = ((3, 10), (3, 12))  # what TensorFlow (requirements.txt) supports
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt", "pyproject.toml")
STAMP = "cnnviz-test-requirements.sha256"  # in the virtual environment: what was installed last
STEPS = 6


def parse_arguments(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """This command's options, and every other argument (in order) for pytest."""
    parser = argparse.ArgumentParser(
        prog="python3 scripts/test.py",
        description="Set up and run the checks and the test suite (arguments it does not know go to pytest).",
        allow_abbrev=False,
    )
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv", help="virtual environment (default: .venv)")
    parser.add_argument(
        "--require-all",
        action="store_true",
        help="fail, not skip, when Chromium, an npm package, the datasets folder or PostgreSQL is missing (CI)",
    )
    parser.add_argument("--no-checks", action="store_true", help="leave out ruff and mypy")
    ours, forwarded = argv, []
    if "--" in argv:
        cut = argv.index("--")
        ours, forwarded = argv[:cut], argv[cut + 1 :]
    options, unknown = parser.parse_known_args(ours)
    return options, unknown + forwarded


def requirements_stamp() -> str:
    """A hash of the requirements files, this folder and the Python version: what an installation matches."""
    digest = hashlib.sha256(f"{ROOT}\0{sys.version_info[:2]}\0".encode())
    for name in REQUIREMENTS:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def step(number: int, title: str) -> float:
    print(f"\n== {number}/{STEPS} {title}", flush=True)
    return time.monotonic()


def done(started: float) -> None:
    print(f"   ({time.monotonic() - started:.0f} s)", flush=True)


def run(*command: object, **options) -> int:
    return subprocess.run([str(part) for part in command], cwd=ROOT, **options).returncode


def virtual_environment(venv: Path) -> Path:
    """The environment's Python, making the environment first if needed; exits with the fix if it cannot."""
    python = venv_python(venv)
    if not python.exists():
        low, high = PYTHONS
        if not low <= sys.version_info[:2] <= high:
            sys.exit(f"Python {low[0]}.{low[1]}-{high[0]}.{high[1]} is needed (TensorFlow); this is {sys.version}")
        print(f"   making {venv} with {sys.executable}")
        if run(sys.executable, "-m", "venv", venv) != 0:
            sys.exit("Could not make the virtual environment: on Debian/Ubuntu `sudo apt-get install python3-venv`")
    if run(python, "-m", "pip", "--version", stdout=subprocess.DEVNULL) != 0:
        sys.exit(f"{venv} has no pip: delete that folder and run this again")
    return python


def install_requirements(python: Path, venv: Path) -> None:
    stamp, wanted = venv / STAMP, requirements_stamp()
    if stamp.exists() and stamp.read_text() == wanted:
        print("   up to date (requirements unchanged since the last installation)")
        return
    print("   pip install -r requirements-dev.txt (the first time: a few minutes, TensorFlow is large)", flush=True)
    if run(python, "-m", "pip", "install", "--quiet", "-r", "requirements-dev.txt") != 0:
        sys.exit("pip could not install requirements-dev.txt (see above)")
    stamp.write_text(wanted)


def install_npm_packages() -> dict[str, str | None]:
    """``npm ci`` when package-lock.json's packages are not all installed; why tests will skip, if they do."""
    modules = ROOT / "node_modules"
    if prerequisites.npm_packages_current():
        print(f"   installed as package-lock.json pins them ({modules})")
    elif modules.is_symlink():  # npm ci would empty the folder it points to, which is not this clone's
        print(f"   {modules} is a link to {modules.resolve()}: run `npm ci` there")
    elif shutil.which("npm"):
        print("   npm ci (pinned in package-lock.json)", flush=True)
        run("npm", "ci", "--no-audit", "--no-fund", "--no-update-notifier")
    return {
        "accessibility audit": prerequisites.axe_core_missing(),
        "phone runtime check": prerequisites.onnxruntime_web_missing(),
    }


def report(missing: dict[str, str | None]) -> None:
    for what, reason in missing.items():
        print(f"   {what}: " + (f"SKIPPED, {reason}" if reason else "ready"))


def main(argv: list[str]) -> int:
    options, pytest_arguments = parse_arguments(argv)
    venv = options.venv.resolve()

    started = step(1, f"Virtual environment ({venv})")
    python = virtual_environment(venv)
    done(started)

    started = step(2, "Test requirements")
    install_requirements(python, venv)
    done(started)

    started = step(3, "npm packages: axe-core (accessibility audit), onnxruntime-web (phone runtime check)")
    missing = install_npm_packages()
    done(started)

    started = step(4, "Chromium, the offline datasets and PostgreSQL")
    chromium = prerequisites.chromium()
    print(f"   Chromium: {chromium or 'not found'}; datasets: {prerequisites.data_dir()}")
    missing |= {
        "browser tests": prerequisites.chromium_missing(),
        "dataset tests": prerequisites.data_missing(),
        "classroom tests on PostgreSQL": prerequisites.postgres_missing(),
    }
    report(missing)
    if options.require_all and any(missing.values()):
        print("   --require-all: stopping, every piece above must be ready")
        return 1

    if options.no_checks:
        step(5, "Lint, format and type checks: left out (--no-checks)")
    else:
        started = step(5, "Lint, format and type checks")
        checks = [("ruff", "check", "."), ("ruff", "format", "--check", "."), ("mypy",)]
        failed = [" ".join(check) for check in checks if run(python, "-m", *check) != 0]
        done(started)
        if failed:
            print(f"   failed: {', '.join(failed)} (--no-checks runs the tests anyway)")
            return 1

    started = step(6, "python -m pytest " + " ".join(pytest_arguments))
    env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    if options.require_all:
        env[prerequisites.REQUIRE_ALL_ENV] = "1"
    status = run(python, "-m", "pytest", *pytest_arguments, env=env)
    done(started)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
