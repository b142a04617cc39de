"""Benchmark: capturing a 3840x2160 screen (Xvfb) to PNG bytes, median of several runs.

Starts its own Xvfb, shows a full-screen window with screen-like content (text on light
backgrounds and a photo-like area of noise, the hard case for PNG), then runs
``evidencekit.capture.screen.grab`` repeatedly in one process and prints the median
time, split into the grab itself and the PNG encoding. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_screen.py [--runs N] [--scene text|photo|both]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.capture_xvfb import PYTHON, x_env, xvfb  # noqa: E402

WIDTH, HEIGHT = 3840, 2160

_SCENE = textwrap.dedent(
    """
    import random, sys
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap
    from PySide6.QtWidgets import QApplication, QLabel

    w, h, scene = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    app = QApplication(sys.argv[:1])
    rnd = random.Random(1)
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(QColor(246, 246, 248))
    p = QPainter(image)
    p.fillRect(0, 0, 520, h, QColor(40, 44, 52))
    p.fillRect(0, 0, w, 90, QColor(30, 110, 200))
    p.setFont(QFont("NanumGothic", 14))
    p.setPen(QColor(30, 30, 30))
    for i in range(70):
        line = "[오후 9:%02d] 익명 %d: 이 사진 봤어? https://t.me/c/1234/%d" % (i % 60, i, i)
        p.drawText(560, 140 + i * 28, line)
    if scene == "photo":
        # 2x2 blocks of random colours: photo-like entropy (the hard case for PNG).
        small = rnd.randbytes(800 * 600 * 3)
        noise = QImage(small, 800, 600, 800 * 3, QImage.Format.Format_RGB888).scaled(1600, 1200)
        p.drawImage(2000, 300, noise)
    p.end()
    label = QLabel()
    label.setWindowFlag(Qt.WindowType.FramelessWindowHint)
    label.setPixmap(QPixmap.fromImage(image))
    label.setGeometry(0, 0, w, h)
    label.show()
    QTimer.singleShot(1500, lambda: print("READY", flush=True))
    app.exec()
    """
)

_MEASURE = textwrap.dedent(
    """
    import json, statistics, sys, time
    from evidencekit.capture import screen
    from evidencekit.capture.screen import ScreenTarget, grab

    runs = int(sys.argv[1])
    parts = {"pixels": [], "encode": []}
    real_encode = screen.encode_png

    def timed_encode(image, **kw):
        t0 = time.perf_counter()
        try:
            return real_encode(image, **kw)
        finally:
            parts["encode"].append(time.perf_counter() - t0)

    screen.encode_png = timed_encode
    grab(ScreenTarget.all_screens())  # warm-up: creates the Qt application
    parts["encode"].clear()
    totals, sizes = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        shot = grab(ScreenTarget.all_screens())
        totals.append(time.perf_counter() - t0)
        sizes.append(len(shot.png))
    print(json.dumps({
        "total": totals, "encode": parts["encode"], "size": sizes,
        "width": shot.width, "height": shot.height,
    }))
    """
)


def _median_ms(values: list[float]) -> float:
    ordered = sorted(values)
    return 1000 * ordered[len(ordered) // 2]


def run_scene(scene: str, runs: int) -> None:
    with xvfb(WIDTH, HEIGHT) as display:
        window = subprocess.Popen(
            [PYTHON, "-c", _SCENE, str(WIDTH), str(HEIGHT), scene],
            env=x_env(display), stdout=subprocess.PIPE, text=True,
        )
        try:
            assert window.stdout is not None
            if "READY" not in window.stdout.readline():
                raise SystemExit("the scene window did not start")
            done = subprocess.run(
                [PYTHON, "-c", _MEASURE, str(runs)], env=x_env(display), cwd=ROOT,
                capture_output=True, text=True, timeout=600,
            )
        finally:
            window.terminate()
            window.wait(timeout=10)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    r = json.loads(done.stdout)
    total = _median_ms(r["total"])
    encode = _median_ms(r["encode"])
    print(
        f"screen capture {r['width']}x{r['height']} ({scene}) -> PNG bytes: "
        f"median {total:.0f} ms (min {1000 * min(r['total']):.0f}, "
        f"max {1000 * max(r['total']):.0f}; PNG encoding median {encode:.0f} ms; "
        f"grab and the rest ~{total - encode:.0f} ms); "
        f"PNG {sorted(r['size'])[len(r['size']) // 2] / 1e6:.1f} MB; {runs} runs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--scene", choices=("text", "photo", "both"), default="both")
    args = parser.parse_args()
    for scene in ("text", "photo") if args.scene == "both" else (args.scene,):
        run_scene(scene, args.runs)


if __name__ == "__main__":
    main()
