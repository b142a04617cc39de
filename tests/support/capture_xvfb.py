"""Test support for screenshots: an Xvfb server, a window of known colours, a capture
run in a subprocess (so the test process's own Qt state, offscreen or not, never matters).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
RED = (255, 0, 0)
BLUE = (0, 0, 255)
BLACK = (0, 0, 0)


def stop_process(proc: subprocess.Popen[Any]) -> None:
    """Terminate ``proc`` and wait for it (killed if it does not stop within 5 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def have_xvfb() -> bool:
    return shutil.which("Xvfb") is not None


def _free_display() -> int:
    for n in range(90, 400):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


@contextlib.contextmanager
def xvfb(width: int = 1280, height: int = 800) -> Iterator[str]:
    """Start ``Xvfb :N -screen 0 WxHx24`` (black background), yield ``":N"``, stop it."""
    last: Exception | None = None
    for _attempt in range(3):
        n = _free_display()
        proc = subprocess.Popen(
            ["Xvfb", f":{n}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp",
             "-br", "-nocursor"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        socket = Path(f"/tmp/.X11-unix/X{n}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None and not socket.exists():
            time.sleep(0.05)
        if proc.poll() is None and socket.exists():
            try:
                yield f":{n}"
            finally:
                stop_process(proc)
            return
        proc.kill()
        proc.wait()
        last = RuntimeError(f"Xvfb :{n} did not start")
    raise last or RuntimeError("Xvfb did not start")


def x_env(display: str, bus: str | None = None) -> dict[str, str]:
    """The environment of a program on ``display``; the session bus is ``bus`` (a
    private one from ``capture_portal``) or none at all."""
    env = dict(os.environ)
    env["DISPLAY"] = display
    env["QT_QPA_PLATFORM"] = "xcb"
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    if bus is not None:
        env["DBUS_SESSION_BUS_ADDRESS"] = bus
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


_WINDOW = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
    from PySide6.QtWidgets import QApplication, QLabel

    x, y, w, h = (int(v) for v in sys.argv[1:5])
    title = sys.argv[5]
    app = QApplication(sys.argv[:1])
    image = QImage(w, h, QImage.Format.Format_RGB32)
    p = QPainter(image)
    p.fillRect(0, 0, w // 2, h, QColor(255, 0, 0))
    p.fillRect(w // 2, 0, w - w // 2, h, QColor(0, 0, 255))
    p.end()
    label = QLabel()
    label.setWindowFlag(Qt.WindowType.FramelessWindowHint)
    label.setWindowTitle(title)
    label.setPixmap(QPixmap.fromImage(image))
    label.setGeometry(x, y, w, h)
    label.show()

    def ready():
        print("READY", flush=True)

    QTimer.singleShot(700, ready)
    app.exec()
    """
)


@contextlib.contextmanager
def colour_window(
    display: str, x: int, y: int, w: int, h: int, title: str
) -> Iterator[subprocess.Popen[str]]:
    """A frameless window at (x, y), ``w`` x ``h``: left half red, right half blue."""
    proc = subprocess.Popen(
        [PYTHON, "-c", _WINDOW, str(x), str(y), str(w), str(h), title],
        env=x_env(display),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "READY" not in line:
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"test window did not start: {line!r} {err[-2000:]}")
        yield proc
    finally:
        stop_process(proc)


_CAPTURE = textwrap.dedent(
    """
    import json, sys
    from evidencekit.capture.screen import ScreenTarget, grab
    from evidencekit.errors import EvidenceKitError

    spec = json.loads(sys.argv[1])
    kind = spec["kind"]
    if kind == "all":
        target = ScreenTarget.all_screens()
    elif kind == "screen":
        target = ScreenTarget.one_screen(spec["screen"])
    elif kind == "region":
        target = ScreenTarget.rect(*spec["region"])
    else:
        target = ScreenTarget.window(spec["title"])
    try:
        shot = grab(target, delay=spec.get("delay", 0.0))
    except EvidenceKitError as exc:
        json.dump({"error": type(exc).__name__, "key": exc.key}, sys.stdout)
        sys.exit(0)
    with open(spec["out"], "wb") as fh:
        fh.write(shot.png)
    json.dump({"metadata": shot.metadata, "width": shot.width, "height": shot.height,
               "captured_at": shot.captured_at.isoformat()}, sys.stdout, ensure_ascii=False)
    """
)


def capture(
    display: str, spec: Mapping[str, object], out: Path, *, bus: str | None = None
) -> dict[str, object]:
    """Run :func:`evidencekit.capture.screen.grab` in a subprocess on ``display``.

    Returns ``{"metadata", "width", "height"}`` (the PNG is written to ``out``) or
    ``{"error": class name, "key": message key}``.
    """
    spec = {**spec, "out": str(out)}
    done = subprocess.run(
        [PYTHON, "-c", _CAPTURE, json.dumps(spec)],
        env=x_env(display, bus),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"capture failed: {done.stderr[-3000:]}")
    result: dict[str, object] = json.loads(done.stdout)
    return result
