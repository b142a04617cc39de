"""Test support for screenshots: an Xvfb server, a window of known colours, a capture
run in a subprocess (so the test process's own Qt state, offscreen or not, never matters).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
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


@contextlib.contextmanager
def xvfb(width: int = 1280, height: int = 800) -> Iterator[str]:
    """Start ``Xvfb -screen 0 WxHx24`` (black background, no reset when the last client
    leaves: a desktop session always has one) on a display number it chooses
    itself (``-displayfd``: no race with other X servers starting at the same moment),
    yield ``":N"``, stop it."""
    last: Exception | None = None
    for _attempt in range(3):
        read_fd, write_fd = os.pipe()
        proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
             "-nolisten", "tcp", "-br", "-nocursor", "-noreset"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write_fd,),
        )
        os.close(write_fd)
        number = b""
        deadline = time.monotonic() + 10
        with os.fdopen(read_fd, "rb", buffering=0) as pipe:
            while time.monotonic() < deadline and proc.poll() is None:
                ready, _, _ = select.select([pipe], [], [], 0.1)
                if ready:
                    chunk = pipe.read(16)
                    if not chunk:
                        break
                    number += chunk
                    if number.endswith(b"\n"):
                        break
        if proc.poll() is None and number.strip().isdigit():
            try:
                yield f":{int(number)}"
            finally:
                stop_process(proc)
            return
        stop_process(proc)
        last = RuntimeError("Xvfb did not start")
    raise last or RuntimeError("Xvfb did not start")


def x_env(display: str, bus: str | None = None, session: str = "x11") -> dict[str, str]:
    """The environment of a program on ``display``; the session bus is ``bus`` (a
    private one from ``capture_portal``) or none at all. ``session="wayland"`` makes the
    program believe it runs in a Wayland session (XWayland gives Qt the black grab an
    empty Xvfb screen gives)."""
    env = dict(os.environ)
    env["XDG_SESSION_TYPE"] = session
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
    display: str, spec: Mapping[str, object], out: Path, *, bus: str | None = None,
    session: str = "x11",
) -> dict[str, object]:
    """Run :func:`evidencekit.capture.screen.grab` in a subprocess on ``display``.

    Returns ``{"metadata", "width", "height"}`` (the PNG is written to ``out``) or
    ``{"error": class name, "key": message key}``.
    """
    spec = {**spec, "out": str(out)}
    done = subprocess.run(
        [PYTHON, "-c", _CAPTURE, json.dumps(spec)],
        env=x_env(display, bus, session),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"capture failed: {done.stderr[-3000:]}")
    result: dict[str, object] = json.loads(done.stdout)
    return result
