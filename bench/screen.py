"""Screen capture of a 3840×2160 screen (Xvfb, screen-like content with a photo-like area)
to a committed vault item: grab, PNG, encrypt, commit. Median of 9 runs."""

from __future__ import annotations

import json
import subprocess
import tempfile
import textwrap
from pathlib import Path

from bench.common import Row, main_rows

ROOT = Path(__file__).resolve().parent.parent
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
