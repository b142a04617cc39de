"""Secrets not passed on (audit finding 6): the passphrase variables leave the environment
as soon as they are read (children never inherit them, /proc/PID/environ no longer shows
them), and a recovery key is never taken from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evidencekit.vault import Vault
from tests.conftest import PASSPHRASE, ROOT, run_cli

MARKER = "pw-marker-7c41e9"


def test_children_and_proc_environ_do_not_see_the_passphrase(tmp_path: Path) -> None:
    """The attack: any child (a QtWebEngine renderer parsing a hostile page, a helper
    tool) reads its own environment; any local process of the user reads
    /proc/PID/environ. Both must be clean once the program has started."""
    script = tmp_path / "probe.py"
    script.write_text(
        "import subprocess, sys\n"
        "from evidencekit.hardening import secret_environment, secret_from_environment\n"
        "with secret_environment():\n"
        "    got = secret_from_environment('EVIDENCEKIT_PASSPHRASE')\n"
        "    child = subprocess.run(['cat', '/proc/self/environ'], capture_output=True).stdout\n"
        "    own = open('/proc/self/environ', 'rb').read()\n"
        f"    print(got == {MARKER!r}, {MARKER!r}.encode() in child, "
        f"{MARKER!r}.encode() in own)\n"
    )
    env = {**os.environ, "EVIDENCEKIT_PASSPHRASE": MARKER, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False", "False"]


def test_cli_command_runs_without_the_variable(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """During a command the variable is gone from os.environ (what children inherit)."""
    from evidencekit.commands import vault as vault_cmds

    seen: list[str | None] = []
    real = vault_cmds.cmd_list

    def spy(args):  # type: ignore[no-untyped-def]
        seen.append(os.environ.get("EVIDENCEKIT_PASSPHRASE"))
        return real(args)

    monkeypatch.setattr(vault_cmds, "cmd_list", spy)
    v, _ = Vault.create(tmp_path / "v", PASSPHRASE, "x")
    v.close()
    res = run_cli("list", tmp_path / "v")
    assert res.code == 0, res.err
    assert seen == [None]


@pytest.fixture
def made(tmp_path: Path) -> tuple[Path, str]:
    v, key = Vault.create(tmp_path / "v", PASSPHRASE, "x")
    v.close()
    return tmp_path / "v", key


def test_recovery_key_on_the_command_line_is_refused(made: tuple[Path, str]) -> None:
    path, key = made
    res = run_cli("list", path, "--recovery-key", key)
    assert res.code == 2
    assert "process list" in res.err and "--recovery-key-file" in res.err
    assert key not in res.err


def test_recovery_key_from_stdin_and_file(made: tuple[Path, str], tmp_path: Path) -> None:
    path, key = made
    env = {"EVIDENCEKIT_PASSPHRASE": "wrong wrong wrong", "PYTHONPATH": str(ROOT)}
    full = {**os.environ, **env}
    proc = subprocess.run([sys.executable, "-m", "evidencekit.cli", "list", str(path),
                           "--recovery-key-file", "-"], input=key + "\n", text=True,
                          capture_output=True, env=full, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    f = tmp_path / "k"
    f.write_text(key)
    assert run_cli("list", path, "--recovery-key-file", f).code == 0


def test_recovery_key_prompt_needs_a_terminal(made: tuple[Path, str]) -> None:
    path, _ = made
    res = run_cli("list", path, "--recovery-key")
    assert res.code == 2 and "--recovery-key-file -" in res.err
