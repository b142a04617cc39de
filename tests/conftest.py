"""Test set-up shared by every test: isolated folders, a fast KDF, offscreen Qt, helpers to
run the command line in-process or as a subprocess."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "correct horse battery"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--onscreen", action="store_true", help="run Qt tests on the real display")


_SESSION_HOME: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _SESSION_HOME
    if not config.getoption("--onscreen"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["EVIDENCEKIT_INSECURE_TEST_KDF"] = "1"
    os.environ["EVIDENCEKIT_LANG"] = "en"
    config.addinivalue_line("markers", "requires_tools(*names): commands the test runs")
    # Whatever starts before the first test (or caches HOME, as QtWebEngine's NSS does)
    # writes into a throw-away home, never the real one.
    _SESSION_HOME = tempfile.mkdtemp(prefix="evidencekit-tests-home-")
    os.environ["HOME"] = _SESSION_HOME
    (ROOT / "test-artifacts").mkdir(exist_ok=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SESSION_HOME:
        shutil.rmtree(_SESSION_HOME, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.requires_tools("Xvfb", …)``: skipped on a developer's machine that lacks
    a tool, but a failure in CI (``CI`` set), where scripts/install-system-deps.sh must have
    installed every one of them."""
    for mark in item.iter_markers("requires_tools"):
        missing = [name for name in mark.args if shutil.which(name) is None]
        if missing:
            message = (f"needs {', '.join(missing)}: installed by "
                       "scripts/install-system-deps.sh")
            if os.environ.get("CI"):
                pytest.fail(message, pytrace=False)
            pytest.skip(message)


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point HOME, every data/config folder and the temp folder at tmp_path so tests never
    touch the real ones and leave nothing behind."""
    home = tmp_path / "home"
    home.mkdir()
    tmp = tmp_path / "_tmpdir"  # not "tmp": tests make that one themselves
    tmp.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("EVIDENCEKIT_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("EVIDENCEKIT_NEW_PASSPHRASE", raising=False)


@pytest.fixture
def artifacts() -> Path:
    """Folder for files a person may look at after the run (gitignored)."""
    return ROOT / "test-artifacts"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str | os.PathLike[str]) -> CliResult:
    """Run ``evidencekit`` in-process and capture its output."""
    from evidencekit.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return CliResult(code, out.getvalue(), err.getvalue())


def run_cli_process(*args: str | os.PathLike[str], env: dict[str, str] | None = None,
                    timeout: float = 120) -> CliResult:
    """Run ``python -m evidencekit.cli`` as a subprocess."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    proc = subprocess.run(
        [sys.executable, "-m", "evidencekit.cli", *map(str, args)],
        capture_output=True, text=True, env=full_env, timeout=timeout, cwd=ROOT,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli() -> type:
    class _Cli:
        run = staticmethod(run_cli)
        process = staticmethod(run_cli_process)

    return _Cli


@pytest.fixture
def vault_dir(tmp_path: Path) -> Iterator[Path]:
    """A fresh, empty vault (created with the fast test KDF)."""
    from evidencekit.vault import Vault

    path = tmp_path / "vault"
    vault, _recovery = Vault.create(path, PASSPHRASE, "Test Holder 시험")
    vault.close()
    yield path
