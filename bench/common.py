"""Shared helpers for the benchmarks: timing, medians, peak memory, table printing."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Row", "emit", "main_rows", "median_time", "run_cmd_time", "reset_peak_rss",
           "peak_rss_mb", "print_rows", "bench_dir"]


@dataclass
class Row:
    figure: str
    value: str
    comparison: str
    target: str
    met: bool | None = None


def emit(rows: list[Row]) -> None:
    """Print rows for the ``python -m bench`` orchestrator (one JSON line each)."""
    import dataclasses
    import json

    for r in rows:
        print("ROW " + json.dumps(dataclasses.asdict(r), ensure_ascii=False), flush=True)


def main_rows(figures: dict[str, Callable[[], list[Row]]]) -> None:
    """Entry point of a bench module: ``--rows NAME`` emits for the orchestrator,
    otherwise every figure of the module is printed as a table."""
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--rows":
        emit(figures[sys.argv[2]]())
        return
    rows: list[Row] = []
    for fn in figures.values():
        rows.extend(fn())
    print_rows(rows)


def bench_dir() -> Path:
    """The folder this ``make bench`` run works in. ``python -m bench`` makes a fresh one
    for the whole run (shared by its figures, so the 1 GiB input is made once) and removes
    it at the end; a bench module run alone gets its own, removed when it exits. Nothing
    is reused across runs or checkouts."""
    global _OWN_DIR
    given = os.environ.get("EVIDENCEKIT_BENCH_DIR")
    if given:
        d = Path(given)
        d.mkdir(parents=True, exist_ok=True)
        return d
    if _OWN_DIR is None:
        import atexit
        import shutil
        import tempfile

        _OWN_DIR = Path(tempfile.mkdtemp(prefix="evidencekit-bench-"))
        atexit.register(shutil.rmtree, _OWN_DIR, ignore_errors=True)
    return _OWN_DIR


_OWN_DIR: Path | None = None


def median_time(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        os.sync()  # every tool starts with no dirty pages from the one before
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run_cmd_time(cmd: list[str], runs: int = 3) -> float:
    def go() -> None:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    return median_time(go, runs)


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (Linux ``clear_refs`` 5); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def print_rows(rows: list[Row]) -> None:
    w0 = max(len(r.figure) for r in rows)
    w1 = max(len(r.value) for r in rows)
    w2 = max(len(r.comparison) for r in rows)
    print(f"{'figure':<{w0}}  {'value':<{w1}}  {'comparison':<{w2}}  target / met")
    print("-" * (w0 + w1 + w2 + 24))
    for r in rows:
        met = "" if r.met is None else ("  ✓" if r.met else "  ✗ MISSED")
        print(f"{r.figure:<{w0}}  {r.value:<{w1}}  {r.comparison:<{w2}}  {r.target}{met}")
