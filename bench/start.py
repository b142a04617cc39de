"""Cold start of the desktop program to its unlock screen (a fresh process each run; the
program prints the moment its first window is shown when EVIDENCEKIT_STARTUP_PROBE=1)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Row, main_rows

ROOT = Path(__file__).resolve().parent.parent


def start_rows() -> list[Row]:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, EVIDENCEKIT_STARTUP_PROBE="1", QT_QPA_PLATFORM="offscreen",
                   XDG_DATA_HOME=tmp, XDG_CONFIG_HOME=tmp)
        from evidencekit.vault import Vault

        vault, _ = Vault.create(Path(tmp) / "EvidenceKit" / "vault", "benchmark passphrase",
                                "bench")
        vault.close()
        for _ in range(5):
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "evidencekit.cli"], env=env,
                                  capture_output=True, text=True, timeout=60, cwd=ROOT)
            shown = [ln for ln in proc.stdout.splitlines() if ln.startswith("STARTUP_SHOWN")]
            if proc.returncode != 0 or not shown:
                raise SystemExit(f"no startup probe: {proc.stderr[-500:]}")
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return [Row("cold start to unlock screen", f"{med:.2f} s (median of 5)",
                f"min {min(times):.2f} s, max {max(times):.2f} s", "< 1.5 s", med < 1.5)]


if __name__ == "__main__":
    main_rows({"start": start_rows})
