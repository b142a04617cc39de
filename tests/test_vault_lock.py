"""One writer at a time; a stale lock left by a dead process is taken over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
    (vault_dir / "vault.lock").write_text(json.dumps({"id": "0" * 32, "pid": dead.pid}))
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
        (vault_dir / "vault.lock").write_text(json.dumps({"id": "0" * 32, "pid": proc.pid}))
        with pytest.raises(VaultLockedError):
            open_vault(vault_dir)
    finally:
        proc.kill()
        proc.wait()
    with open_vault(vault_dir) as v:  # holder gone: taken over
        assert v.writable


def test_lock_on_a_replaced_lock_file_is_retried(vault_dir: Path, monkeypatch) -> None:
    """If the previous holder unlinks vault.lock between our open and our flock, we must not
    end up holding a lock on the deleted file (two writers at once)."""
    from evidencekit.vault import locking

    real_flock = locking.fcntl.flock
    calls = [0]

    def racing_flock(fd: int, op: int) -> None:
        calls[0] += 1
        if calls[0] == 1:  # the old holder releases: unlinks, a new file appears
            (vault_dir / "vault.lock").unlink()
            (vault_dir / "vault.lock").write_text("{}")
        real_flock(fd, op)

    monkeypatch.setattr(locking.fcntl, "flock", racing_flock)
    lock = locking.WriterLock(vault_dir)
    lock.acquire()
    try:
        assert calls[0] >= 2
        assert lock._fh is not None
        assert os.fstat(lock._fh.fileno()).st_ino == os.stat(vault_dir / "vault.lock").st_ino
        assert oct(os.stat(vault_dir / "vault.lock").st_mode & 0o777) == "0o600"
        assert os.uname()[1] not in (vault_dir / "vault.lock").read_text()
    finally:
        lock.release()
