"""Crash safety: a writer killed with SIGKILL at random moments never leaves a partial
item, never loses a committed one, and the vault still checks clean."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, run_cli
from tests.support.vault_util import blob_files, open_vault, read_back

TRIALS = 50


def test_sigkill_at_random_moments(vault_dir: Path) -> None:
    rng = random.Random(20261123)
    committed: dict[int, str] = {}
    for trial in range(TRIALS):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.crash_writer", str(vault_dir), str(trial)],
            stdout=subprocess.PIPE, text=True, cwd=ROOT, env=dict(os.environ),
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "READY"
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        for line in out.splitlines():
            if line.startswith("COMMITTED "):
                _, num, sha = line.split()
                committed[int(num)] = sha
        # After every kill: the vault opens, lists only whole items, and they read back.
        with open_vault(vault_dir) as v:
            items = {i.number: i for i in v.items()}
            for num, sha in committed.items():
                assert num in items, f"trial {trial}: committed item {num} lost"
                assert items[num].sha256 == sha
            for item in items.values():
                assert item.parts, "partial item listed"
                data = read_back(v, item.number)
                assert hashlib.sha256(data).hexdigest() == item.sha256
            referenced = {p.blob for i in items.values() for p in i.parts}
            # leftovers of the killed write were removed at this (writer) open
            assert {p.name for p in blob_files(vault_dir)} == referenced
    assert len(committed) > 10, "the writer committed too little to test anything"
    res = run_cli("check", vault_dir)
    assert res.code == 0, res.out + res.err
