"""Hostile names and URLs in messages (audit finding 9): file names printed to a terminal
are escaped (ESC, CR and LF shown, never obeyed) and credentials never appear."""

from __future__ import annotations

from pathlib import Path

from evidencekit.errors import InputError
from evidencekit.textsafe import redact_credentials, terminal_safe
from tests.conftest import run_cli

HOSTILE = "evil\x1b[2J\rname\nnext.txt"


def test_add_prints_hostile_file_names_escaped(vault_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    good = src / HOSTILE
    good.write_bytes(b"some text\n")
    missing = src / ("gone\x1b]0;title\x07.png")
    res = run_cli("add", vault_dir, good, missing)
    assert res.code == 2
    for stream in (res.out, res.err):
        assert "\x1b" not in stream and "\r" not in stream and "\x07" not in stream
    assert "\\x1b]0;title\\x07" in res.err
    res = run_cli("list", vault_dir)
    assert res.code == 0 and "\x1b" not in res.out and "\r" not in res.out
    assert "\\x1b[2J\\x0dname" in res.out
    res = run_cli("show", vault_dir, "1")
    assert "\x1b" not in res.out and "\\x1b[2J" in res.out


def test_credentials_never_in_messages(monkeypatch) -> None:
    text = "redirect to https://alice:hunter2@example.org/x then ftp://bob@h/"
    safe = redact_credentials(text)
    assert "hunter2" not in safe and "alice" not in safe and "bob" not in safe
    assert "https://***@example.org/x" in safe
    assert terminal_safe("a\x1bb") == "a\\x1bb"
    # any error reaching the command line's last line goes through the same filter
    from evidencekit.commands import vault as vault_cmds

    def boom(args):  # type: ignore[no-untyped-def]
        raise InputError("error.cannot_read_file", path="https://u:secret@x.org/\x1b[2J",
                         reason="r")

    monkeypatch.setattr(vault_cmds, "cmd_list", boom)
    res = run_cli("list", "/nonexistent")
    assert res.code == 2 and "secret" not in res.err and "\x1b" not in res.err
