"""Locating the program's resource files (fonts, icons, message catalogues).

One helper for every caller, so the same code works from a source checkout, from an
installed package and from a PyInstaller build (where files live under ``sys._MEIPASS``).
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["resource_dir", "resource_path"]


def resource_dir() -> Path:
    """The folder holding ``fonts/``, ``icons/`` and ``i18n/``."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    here = Path(__file__).resolve().parent
    inside = here / "resources"
    if inside.is_dir():
        return inside
    return here.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of one resource, e.g. ``resource_path("fonts", "NanumGothic.ttf")``."""
    return resource_dir().joinpath(*parts)
