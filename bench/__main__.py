"""``make bench``: every performance figure beside its comparison, measured in the same run
on the same data, printed as one table. Each figure runs in its own process (so Qt,
memory peaks and caches of one do not colour another). Prints; asserts nothing.

    python -m bench [--only ingest,list,export,verify,renew,screen,link,start,dist]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Row, print_rows

ROOT = Path(__file__).resolve().parent.parent
FIGURES = {
    "ingest": "bench.ingest",
    "list": "bench.ingest",
    "export": "bench.export",
    "verify": "bench.verify",
    "renew": "bench.renew",
    "screen": "bench.screen",
    "link": "bench.link",
    "start": "bench.start",
    "dist": "bench.dist",
    "chat": "bench.chat",
}


def run_figure(name: str, work: Path) -> list[Row]:
    env = dict(os.environ)
    env["EVIDENCEKIT_BENCH_DIR"] = str(work)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", FIGURES[name], "--rows", name],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=3600)
    rows: list[Row] = []
    for line in proc.stdout.splitlines():
        if line.startswith("ROW "):
            rows.append(Row(**json.loads(line[4:])))
    if proc.returncode != 0 or not rows:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        rows.append(Row(name, "failed", " | ".join(tail)[:160], "—", False))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default=",".join(FIGURES))
    args = parser.parse_args()
    rows: list[Row] = []
    started = time.perf_counter()
    # One work folder for the whole run, under the system temp folder, removed at the end.
    with tempfile.TemporaryDirectory(prefix="evidencekit-bench-") as work:
        for name in args.only.split(","):
            print(f"… {name}", file=sys.stderr, flush=True)
            rows.extend(run_figure(name, Path(work)))
    print()
    print_rows(rows)
    print(f"\n(bench took {time.perf_counter() - started:.0f} s on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
