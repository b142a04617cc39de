"""A rendering killed with its program leaves its scratch profile behind (the ``finally``
never runs); the next rendering removes it, and never a live run's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from evidencekit.capture.render import SCRATCH_PREFIX, sweep_stale_scratch


def test_stale_scratch_homes_of_dead_processes_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f"{SCRATCH_PREFIX}{dead_pid}-abc"
    (stale / "data").mkdir(parents=True)
    (stale / "data" / "page-cache").write_bytes(b"page content")
    live = tmp_path / f"{SCRATCH_PREFIX}{os.getpid()}-def"
    live.mkdir()
    other = tmp_path / "unrelated"
    other.mkdir()
    sweep_stale_scratch(tmp_path)
    assert not stale.exists()
    assert live.exists() and other.exists()
