"""One writer at a time; a stale lock left by a dead process is taken over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, run_cli
from tests.support.vault_util import open_vault

HOLDER = """
import sys, time, os
from evidencekit.vault import Vault
v = Vault.open(sys.argv[1], passphrase=os.environ["EVIDENCEKIT_PASSPHRASE"])
print("HOLDING", flush=True)
time.sleep(60)
"""


def test_second_writer_refused(vault_dir: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(vault_dir)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "HOLDING"
        res = run_cli("note", vault_dir, "1", "x")
        assert res.code == 5
        assert "in use by another EvidenceKit" in res.err and str(proc.pid) in res.err
        # readers still work while a writer holds the lock
        assert run_cli("list", vault_dir).code == 0
    finally:
        proc.kill()
        proc.wait()
    # the killed holder's lock is stale now: a writer takes over
    with open_vault(vault_dir) as v:
        assert v.writable


def test_stale_lock_file_from_dead_pid_taken_over(vault_dir: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (vault_dir / "vault.lock").write_text(json.dumps({"pid": dead.pid, "host": os.uname()[1],
                                                      "since": time.time() - 3600}))
    with open_vault(vault_dir) as v:
        assert v.writable
        holder = json.loads((vault_dir / "vault.lock").read_text())
        assert holder["pid"] == os.getpid()
    assert not (vault_dir / "vault.lock").exists()


def test_pid_fallback_refuses_live_holder(vault_dir: Path, monkeypatch) -> None:
    """Where the file system has no locks, a live pid in the lock file still refuses."""
    import errno

    import pytest

    from evidencekit.errors import VaultLockedError
    from evidencekit.vault import locking

    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "no locks")

    monkeypatch.setattr(locking.fcntl, "flock", no_locks)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (vault_dir / "vault.lock").write_text(json.dumps({"pid": proc.pid,
                                                          "host": os.uname()[1]}))
        with pytest.raises(VaultLockedError):
            open_vault(vault_dir)
    finally:
        proc.kill()
        proc.wait()
    with open_vault(vault_dir) as v:  # holder gone: taken over
        assert v.writable
