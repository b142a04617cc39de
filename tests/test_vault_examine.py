"""Examination without change (audit finding 10): ``check`` on a copy of a vault changes
no byte of it unless ``--record`` is given, and the lock file says nothing about the
computer."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from pathlib import Path

from tests.conftest import run_cli
from tests.support.vault_util import add_bytes, open_vault


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()
            and p.name not in ("index.sqlite-wal", "index.sqlite-shm")}


def test_check_changes_nothing_unless_asked(vault_dir: Path) -> None:
    with open_vault(vault_dir) as v:
        add_bytes(v, b"an item")
        v._index.checkpoint()
        events = len(v.events())
    before = _snapshot(vault_dir)
    res = run_cli("check", vault_dir)
    assert res.code == 0, res.out + res.err
    assert _snapshot(vault_dir) == before
    assert not (vault_dir / "vault.lock").exists()
    with open_vault(vault_dir, writable=False) as v:
        assert len(v.events()) == events

    res = run_cli("check", vault_dir, "--record")
    assert res.code == 0
    with open_vault(vault_dir, writable=False) as v:
        assert v.events()[-1].kind == "vault_checked"


def test_lock_file_holds_a_random_id_and_the_pid_only(vault_dir: Path) -> None:
    with open_vault(vault_dir):
        holder = json.loads((vault_dir / "vault.lock").read_text())
        raw = (vault_dir / "vault.lock").read_text()
    assert set(holder) == {"id", "pid"}
    assert holder["pid"] == os.getpid() and len(holder["id"]) == 32
    host = socket.gethostname()
    for derived in (host, hashlib.sha256(host.encode()).hexdigest()[:16]):
        assert derived not in raw
    with open_vault(vault_dir):
        again = json.loads((vault_dir / "vault.lock").read_text())
    assert again["id"] != holder["id"]
