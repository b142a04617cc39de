"""Whether Qt can open a screen here: on Linux, creating a Qt application without one
aborts the whole process, so callers ask first and show a clear message instead."""

from __future__ import annotations

import os
import re
import socket
import sys
from pathlib import Path

__all__ = ["display_missing", "x11_reachable"]

_DISPLAY = re.compile(r"^(?P<host>[^:]*):(?P<number>\d+)(?:\.\d+)?$")
_CONNECT_TIMEOUT = 1.0


_ACCEPTING = 0x00010000  # __SO_ACCEPTCON in /proc/net/unix: a listening socket


def _listening_unix_paths() -> set[str] | None:
    """Paths of listening Unix sockets (``@`` for abstract ones) from ``/proc/net/unix``,
    or ``None`` where that table cannot be read."""
    try:
        lines = Path("/proc/net/unix").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    paths = set()
    for line in lines.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8:
            try:
                flags = int(fields[3], 16)
            except ValueError:
                continue
            if flags & _ACCEPTING:
                paths.add(fields[7])
    return paths


def x11_reachable(display: str) -> bool:
    """Whether an X server listens at ``display`` (``:0``, ``host:10.0``, ``unix:1``).

    A stale value (an ``ssh -X`` session that ended, a stopped Xvfb) makes Qt abort the
    whole process, so callers ask first. A local display is looked up in the kernel's
    table of listening sockets instead of being connected to: a connection that closes
    without the X handshake would count as the server's last client leaving, and Xvfb
    resets itself then, refusing the real client that comes right after. A TCP display
    (``ssh -X`` forwarding) is connected to and closed. Neither speaks the X protocol, so
    a server that would refuse our authorisation still counts as reachable.
    """
    match = _DISPLAY.match(display.strip())
    if match is None:
        return False
    host, number = match.group("host"), int(match.group("number"))
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        listening = _listening_unix_paths()
        if listening is not None:
            if path in listening or "@" + path in listening:
                return True
        elif Path(path).exists():
            return True
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
