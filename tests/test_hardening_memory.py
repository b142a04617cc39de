"""Memory and crashes (audit finding 5): after Lock no key and no evidence stay in the
process. The test runs the desktop program, unlocks it by typing the passphrase, imports a
file with a marker and looks at it, then presses Lock; it reads the process memory
(/proc/PID/mem, every readable mapping) before and after, searching for the passphrase,
the metadata and blob sub-keys and the marker. Before: found (the search works). After:
none of them (the lock started a fresh process image)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evidencekit.vault import Vault, keys
from evidencekit.vault.header import parse_header, wrap_ad
from tests.conftest import ROOT

PASS = "memory test passphrase " + secrets.token_hex(4)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0,
    reason="reading another process's memory after PR_SET_DUMPABLE=0 needs root (Linux)")


def _memory(pid: int) -> bytes:
    chunks = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            addr, perms = line.split()[:2]
            if not perms.startswith("r"):
                continue
            start, end = (int(x, 16) for x in addr.split("-"))
            if end - start > 1 << 30:
                continue
            try:
                mem.seek(start)
                chunks.append(mem.read(end - start))
            except (OSError, ValueError, OverflowError):
                continue
    return b"".join(chunks)


def _needles(folder: Path, marker: str) -> dict[str, list[bytes]]:
    h = parse_header((folder / "vault.json").read_bytes())
    master = keys.unwrap(keys.derive_passphrase_key(PASS, h.kdf), h.wrapped["passphrase"],
                         wrap_ad(h.vault_id, "passphrase", h.kdf))
    return {
        "passphrase": [PASS.encode(), PASS.encode("utf-16-le")],
        "metadata sub-key": [keys.subkey(master, "metadata")],
        "blob sub-key": [keys.subkey(master, "blob")],
        "master key": [master],
        "imported marker": [marker.encode(), marker.encode("utf-16-le")],
    }


def _found(pid: int, needles: dict[str, list[bytes]]) -> list[str]:
    memory = _memory(pid)
    return [name for name, forms in needles.items() if any(f in memory for f in forms)]


def test_nothing_in_memory_after_lock(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    vault, _ = Vault.create(folder, PASS, "holder")
    vault.close()
    marker = "IMPORTED-MARKER-" + secrets.token_hex(12)
    marker_file = tmp_path / "evidence.txt"
    marker_file.write_text(f"chat log line {marker}\n" * 50)
    flag = tmp_path / "lock-now"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("EVIDENCEKIT_PASSPHRASE", None)
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.lock_driver", str(folder),
                             PASS, str(flag), str(marker_file)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == "UNLOCKED", proc.stderr.read() if proc.stderr else ""
        needles = _needles(folder, marker)
        # the search works: while unlocked, keys and evidence are in memory (the imported
        # bytes may take a moment to be read, or be freed again on a loaded machine: the
        # keys are the control that must be there)
        before: list[str] = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            before = _found(proc.pid, needles)
            if "imported marker" in before:
                break
            time.sleep(0.5)
        assert {"metadata sub-key", "blob sub-key"} <= set(before), before

        flag.touch()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the fresh program replaces the old image
            cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
            if b"evidencekit.cli" in cmdline:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the program was not started afresh after Lock")
        time.sleep(4)  # let the fresh program show its unlock screen
        assert proc.poll() is None, "the fresh program did not keep running"
        after = _found(proc.pid, needles)
        assert after == [], f"still in memory after Lock: {after}"
        # and a crash could not write a core file
        limits = Path(f"/proc/{proc.pid}/limits").read_text()
        core = [ln for ln in limits.splitlines() if ln.startswith("Max core file size")][0]
        assert core.split()[4:6] == ["0", "0"], core
    finally:
        proc.kill()
        proc.wait()
