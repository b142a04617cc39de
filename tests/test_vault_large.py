"""Streaming: adding a 300 MB file keeps peak memory far below the file size."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHILD = """
import os, sys, hashlib
from pathlib import Path

def hwm_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

# A child inherits its parent's peak RSS in ru_maxrss: reset the high-water mark instead.
open("/proc/self/clear_refs", "w").write("5")
from evidencekit.model import NewItem, PartInput
from evidencekit.vault import Vault
v = Vault.open(sys.argv[1], passphrase=os.environ["EVIDENCEKIT_PASSPHRASE"])
base = hwm_kb()
item = v.add_item(NewItem(kind="file", title="", source="big", parts=[
    PartInput(name="original.bin", media_type="application/octet-stream", path=Path(sys.argv[2]))]))
h = hashlib.sha256()
class Sink:
    def write(self, b): h.update(b)
v.read_part(item, 0, Sink())
peak = hwm_kb()
print(base, peak, item.sha256, h.hexdigest())
v.close()
"""


@pytest.mark.slow
def test_300mb_add_peak_rss(vault_dir: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    block = os.urandom(1 << 20)
    with big.open("wb") as fh:
        for i in range(300):
            fh.write(block[i:] + block[:i])
    proc = subprocess.run([sys.executable, "-c", CHILD, str(vault_dir), str(big)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    base_kb, peak_kb, sha_in, sha_out = proc.stdout.split()
    assert sha_in == sha_out
    # The test KDF uses 1 MiB, so the whole process peak must stay under 150 MB.
    assert int(peak_kb) < 150 * 1024, f"peak RSS {int(peak_kb) // 1024} MB"
    assert int(peak_kb) - int(base_kb) < 60 * 1024
    big.unlink()
