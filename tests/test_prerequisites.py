"""What the suite says when a piece it needs is missing: the reason names the fix, and CI's
``CNNVIZ_TESTS_REQUIRE_ALL`` turns the skip into a failure. Also the test command's argument split."""

from __future__ import annotations

import importlib.util

import pytest

from tests import prerequisites
from tests.conftest import ROOT, unavailable


def _test_command():
    spec = importlib.util.spec_from_file_location("test_command", ROOT / "scripts" / "test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_missing_datasets_folder_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv(prerequisites.DATA_DIR_ENV, str(tmp_path / "nowhere"))
    assert prerequisites.data_dir() == tmp_path / "nowhere"
    assert f"CNNVIZ_DATA_DIR={tmp_path / 'nowhere'} does not exist" in prerequisites.data_missing()
    monkeypatch.setenv(prerequisites.DATA_DIR_ENV, str(tmp_path))
    assert prerequisites.data_missing() is None


def test_a_missing_chromium_is_named_with_the_install_line(monkeypatch, tmp_path):
    monkeypatch.setenv(prerequisites.CHROMIUM_ENV, str(tmp_path / "chromium"))
    assert prerequisites.chromium() is None
    reason = prerequisites.chromium_missing()
    assert f"CNNVIZ_CHROMIUM={tmp_path / 'chromium'} is not a file" in reason
    assert f"`{prerequisites.chromium_install_line()}`" in reason
    monkeypatch.delenv(prerequisites.CHROMIUM_ENV)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "none of chromium, chromium-browser, google-chrome" in prerequisites.chromium_missing()
    (tmp_path / "chromium").write_text("#!/bin/sh\n")
    (tmp_path / "chromium").chmod(0o755)
    assert prerequisites.chromium() == tmp_path / "chromium" and prerequisites.chromium_missing() is None


def test_the_install_line_follows_the_distribution(monkeypatch):
    for release, line in (
        ({"ID": "debian"}, "sudo apt-get install chromium fonts-noto-color-emoji"),
        ({"ID": "linuxmint", "ID_LIKE": "ubuntu debian"}, "sudo snap install chromium"),
        ({"ID": "fedora"}, "sudo dnf install chromium"),
        ({"ID": "plan9"}, "install Chromium or Google Chrome"),
    ):
        monkeypatch.setattr(prerequisites.platform, "freedesktop_os_release", lambda release=release: release)
        assert prerequisites.chromium_install_line() == line


def test_without_an_npm_package_the_reason_says_whether_node_is_there(monkeypatch, tmp_path):
    monkeypatch.setattr(prerequisites, "ROOT", tmp_path)
    (tmp_path / "package-lock.json").write_text(
        '{"packages": {"": {}, "node_modules/axe-core": {"version": "4.14.1"}, "node_modules/long": {"version": "5"}}}'
    )
    monkeypatch.setattr(prerequisites.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert "needs axe-core (the accessibility audit): run `npm ci`" in prerequisites.axe_core_missing()
    monkeypatch.setattr(prerequisites.shutil, "which", lambda name: None)
    assert "Node.js (npm) is absent: `sudo apt-get install npm`" in prerequisites.onnxruntime_web_missing()
    assert not prerequisites.npm_packages_current()
    for package, version in (("axe-core", "4.14.1"), ("long", "4")):
        (tmp_path / "node_modules" / package).mkdir(parents=True)
        (tmp_path / "node_modules" / package / "package.json").write_text(f'{{"version": "{version}"}}')
    assert prerequisites.axe_core_missing() is None
    assert not prerequisites.npm_packages_current()  # long is not the pinned version
    (tmp_path / "node_modules" / "long" / "package.json").write_text('{"version": "5"}')
    assert prerequisites.npm_packages_current()


def test_missing_postgresql_binaries_are_named(monkeypatch):
    import tests.postgres_server as server

    monkeypatch.setattr(server.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(server.shutil, "which", lambda name: None)
    monkeypatch.setenv("CNNVIZ_PG_BIN", "/nowhere")
    assert prerequisites.postgres_missing().startswith("needs PostgreSQL: PostgreSQL's initdb was not found")


def test_as_root_without_runuser_postgresql_is_named_missing(monkeypatch, tmp_path):
    """The server runs as the postgres user through runuser: a PATH without /usr/sbin skips, saying so."""
    import tests.postgres_server as server

    for tool in ("initdb", "pg_ctl"):
        (tmp_path / tool).write_text("#!/bin/sh\n")
    monkeypatch.setenv("CNNVIZ_PG_BIN", str(tmp_path))
    monkeypatch.setattr(server.os, "geteuid", lambda: 0)
    monkeypatch.setattr(server, "_user_exists", lambda name: True)
    monkeypatch.setattr(server.shutil, "which", lambda name: None)
    assert "runuser (util-linux, in /usr/sbin) is not on PATH" in prerequisites.postgres_missing()
    monkeypatch.setattr(server.shutil, "which", lambda name: f"/usr/sbin/{name}")
    assert prerequisites.postgres_missing() is None


def test_a_missing_piece_skips_locally_and_fails_when_all_are_required(monkeypatch):
    monkeypatch.delenv(prerequisites.REQUIRE_ALL_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs a thing"):
        unavailable("needs a thing")
    monkeypatch.setenv(prerequisites.REQUIRE_ALL_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="needs a thing .CNNVIZ_TESTS_REQUIRE_ALL is set"):
        unavailable("needs a thing")


def test_the_test_command_passes_other_arguments_to_pytest_in_order():
    command = _test_command()
    options, forwarded = command.parse_arguments(["-x", "--require-all", "-k", "not slow", "tests/test_ops.py"])
    assert options.require_all and not options.no_checks and options.venv == ROOT / ".venv"
    assert forwarded == ["-x", "-k", "not slow", "tests/test_ops.py"]
    options, forwarded = command.parse_arguments(["--no-checks", "--", "--venv", "-q"])
    assert options.no_checks and forwarded == ["--venv", "-q"]


def test_the_requirements_stamp_changes_with_a_requirements_file(monkeypatch, tmp_path):
    command = _test_command()
    for name in command.REQUIREMENTS:
        (tmp_path / name).write_text(name)
    monkeypatch.setattr(command, "ROOT", tmp_path)
    before = command.requirements_stamp()
    assert command.requirements_stamp() == before
    (tmp_path / "requirements-dev.txt").write_text("pytest==9.2.0\n")
    assert command.requirements_stamp() != before
