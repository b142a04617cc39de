"""Bundle sub-commands: export, verify, demo, timestamp."""

from __future__ import annotations

from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    """Registered once the bundle modules land."""
