"""Screen capture of a 3840×2160 screen (Xvfb, screen-like content with a photo-like area)
to a committed vault item: grab, PNG, encrypt, commit. Median of 9 runs."""

from __future__ import annotations

import json
import subprocess
import tempfile
import textwrap
from pathlib import Path

from bench.bench_screen import _SCENE, HEIGHT, WIDTH
from bench.common import Row, main_rows

ROOT = Path(__file__).resolve().parent.parent

_MEASURE = textwrap.dedent(
    """
    import json, statistics, sys, time
    from pathlib import Path
    from evidencekit.capture.screen import ScreenTarget, grab, screenshot_item
    from evidencekit.vault import Vault

    vault, _ = Vault.create(Path(sys.argv[1]), "benchmark passphrase", "bench")
    grab(ScreenTarget.all_screens())  # warm-up: creates the Qt application
    times, sizes = [], []
    for _ in range(9):
        t0 = time.perf_counter()
        shot = grab(ScreenTarget.all_screens())
        vault.add_item(screenshot_item(shot))
        times.append(time.perf_counter() - t0)
        sizes.append(len(shot.png))
    vault.close()
    print(json.dumps({"median": statistics.median(times), "min": min(times),
                      "max": max(times), "size": statistics.median(sizes),
                      "w": shot.width, "h": shot.height}))
    """
)


def screen_rows() -> list[Row]:
    from tests.support.capture_xvfb import PYTHON, x_env, xvfb

    with xvfb(WIDTH, HEIGHT) as display, tempfile.TemporaryDirectory() as tmp:
        window = subprocess.Popen([PYTHON, "-c", _SCENE, str(WIDTH), str(HEIGHT), "photo"],
                                  env=x_env(display), stdout=subprocess.PIPE, text=True)
        try:
            assert window.stdout is not None
            assert "READY" in window.stdout.readline()
            done = subprocess.run([PYTHON, "-c", _MEASURE, str(Path(tmp) / "v")],
                                  env=x_env(display), cwd=ROOT, capture_output=True,
                                  text=True, timeout=600)
        finally:
            window.terminate()
            window.wait(timeout=10)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    r = json.loads(done.stdout.strip().splitlines()[-1])
    med_ms = r["median"] * 1000
    return [Row(f"screen capture {r['w']}×{r['h']} to committed item",
                f"{med_ms:.0f} ms (median of 9)",
                f"min {r['min'] * 1000:.0f} ms, max {r['max'] * 1000:.0f} ms, "
                f"PNG {r['size'] / 1e6:.1f} MB", "< 500 ms", med_ms < 500)]


if __name__ == "__main__":
    main_rows({"screen": screen_rows})
