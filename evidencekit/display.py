"""Whether Qt can open a screen here: on Linux, creating a Qt application without one
aborts the whole process, so callers ask first and show a clear message instead."""

from __future__ import annotations

import os
import sys

__all__ = ["display_missing"]


def display_missing() -> bool:
    """True when Qt's platform plugin would find no display to connect to."""
    if not sys.platform.startswith("linux"):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    x11 = bool(os.environ.get("DISPLAY"))
    wayland = bool(os.environ.get("WAYLAND_DISPLAY"))
    if platform == "":
        return not (x11 or wayland)
    if platform == "xcb":
        return not x11
    if platform.startswith("wayland"):
        return not wayland
    return False  # offscreen, minimal, vnc, eglfs …: no display needed
