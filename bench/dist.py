"""The stand-alone build: its size on disk beside the size before it was trimmed, the size
of the archive that is handed out (``scripts/pack-dist.sh``, tar.xz) beside the unpacked
size, and the frozen program's cold start to its first window beside the same start from
source. Builds with PyInstaller into the bench's temporary folder (about 3 minutes, plus
about 2 for packing)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Row, bench_dir, main_rows

ROOT = Path(__file__).resolve().parent.parent
# The one-folder build as it was before the spec dropped unused Qt modules, Qt translations
# other than Korean and English, and test-only libraries (measured with the same PyInstaller
# and PySide6 6.12 on this project, commit d451bc7: 683 MB; the report said 691 MB).
PREVIOUS_MB = 683


def _folder_mb(folder: Path) -> float:
    total = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    return total / 1e6


def _cold_start(cmd: list[str], env: dict[str, str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120,
                              cwd=ROOT)
        if proc.returncode != 0 or "STARTUP_SHOWN" not in proc.stdout:
            raise SystemExit(f"no startup probe: {proc.stderr[-500:]}")
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def dist_rows() -> list[Row]:
    work = bench_dir() / "dist"
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    t0 = time.perf_counter()
    subprocess.run([str(pyinstaller), "--noconfirm", "--clean", "--log-level", "ERROR",
                    "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
                    str(ROOT / "build_spec" / "evidencekit.spec")],
                   check=True, capture_output=True, cwd=ROOT, timeout=1800)
    build_s = time.perf_counter() - t0
    exe = work / "dist" / "evidencekit" / "evidencekit"
    size = _folder_mb(exe.parent)
    t0 = time.perf_counter()
    packed = Path(subprocess.run(["bash", str(ROOT / "scripts" / "pack-dist.sh"),
                                  str(work / "dist")], check=True, capture_output=True,
                                 text=True, timeout=1800).stdout.strip())
    pack_s = time.perf_counter() - t0
    archive = packed.stat().st_size / 1e6
    home = work / "home"
    env = dict(os.environ, EVIDENCEKIT_STARTUP_PROBE="1", QT_QPA_PLATFORM="offscreen",
               XDG_DATA_HOME=str(home), XDG_CONFIG_HOME=str(home), HOME=str(home))
    frozen = _cold_start([str(exe)], env)
    source = _cold_start([sys.executable, "-m", "evidencekit.cli"], env)
    return [
        Row("stand-alone folder, unpacked (Linux)", f"{size:.0f} MB",
            f"before trimming {PREVIOUS_MB} MB; build took {build_s:.0f} s", "< 400 MB",
            size < 400),
        Row("stand-alone download (tar.xz of that folder)", f"{archive:.0f} MB",
            f"unpacked {size:.0f} MB; packing took {pack_s:.0f} s", "< 400 MB",
            archive < 400),
        Row("frozen cold start to first window", f"{frozen:.2f} s (median of 5)",
            f"from source {source:.2f} s", "< 1.5 s", frozen < 1.5),
    ]


if __name__ == "__main__":
    main_rows({"dist": dist_rows})
