"""Capture sub-commands: capture (screenshot), link, fetch, recheck, incident."""

from __future__ import annotations

from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    """Registered once the capture modules land."""
