"""Whether Qt can open a screen here: on Linux, creating a Qt application without one
aborts the whole process, so callers ask first and show a clear message instead."""

from __future__ import annotations

import os
import re
import socket
import sys

__all__ = ["display_missing", "x11_reachable"]

_DISPLAY = re.compile(r"^(?P<host>[^:]*):(?P<number>\d+)(?:\.\d+)?$")
_CONNECT_TIMEOUT = 1.0


def x11_reachable(display: str) -> bool:
    """Whether an X server accepts connections at ``display`` (``:0``, ``host:10.0``,
    ``unix:1``). A stale value (an ``ssh -X`` session that ended, a stopped Xvfb) makes Qt
    abort the whole process, so this opens and closes one connection first. It does not
    speak the X protocol: a server that accepts the connection but refuses our
    authorisation still counts as reachable."""
    match = _DISPLAY.match(display.strip())
    if match is None:
        return False
    host, number = match.group("host"), int(match.group("number"))
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        for address in ("\0" + path, path):  # Linux abstract socket first, then the file
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(_CONNECT_TIMEOUT)
                try:
                    sock.connect(address)
                    return True
                except OSError:
                    continue
        if host == "unix":
            return False
        host = "localhost"
    try:
        with socket.create_connection((host, 6000 + number), timeout=_CONNECT_TIMEOUT):
            return True
    except OSError:
        return False


def display_missing() -> bool:
    """True when Qt's platform plugin would find no display to connect to."""
    if not sys.platform.startswith("linux"):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    x11 = bool(os.environ.get("DISPLAY"))
    wayland = bool(os.environ.get("WAYLAND_DISPLAY"))
    if platform == "":
        if wayland:
            return False
        return not (x11 and x11_reachable(os.environ["DISPLAY"]))
    if platform == "xcb":
        return not (x11 and x11_reachable(os.environ["DISPLAY"]))
    if platform.startswith("wayland"):
        return not wayland
    return False  # offscreen, minimal, vnc, eglfs …: no display needed
