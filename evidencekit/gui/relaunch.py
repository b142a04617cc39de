"""Lock by starting afresh: after the vault is locked, the desktop program replaces its
own process image (``exec``) with a fresh one that shows the unlock screen.

Why: Python and Qt keep freed memory around — the passphrase typed into a field (as
UTF-16 in Qt, as ``str`` in Python), the master and sub-keys in ``bytes`` objects,
decrypted pictures and imported file contents in recycled buffers. None of it can be
reliably overwritten from Python. ``exec`` hands the whole address space back to the
system, so after Lock a memory dump finds no key and no evidence. The pid stays the same
(the window manager sees the program go and come back), file descriptors are closed
(Python opens them close-on-exec), core dumps are switched off again at start, and the
passphrase variables are not in the environment (taken out at start).

Only the real program enables it (:func:`enable`, called by ``run_app``); a test or
embedding code that builds a ``Controller`` itself keeps the old in-process lock.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

__all__ = ["ENV", "enable", "enabled", "relaunch_locked", "take_request"]

log = logging.getLogger(__name__)

ENV = "EVIDENCEKIT_RELAUNCH"
_enabled = [False]


def enable(on: bool = True) -> None:
    _enabled[0] = on


def enabled() -> bool:
    return _enabled[0]


def _command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, "gui"]
    return [sys.executable, "-m", "evidencekit.cli", "gui"]


def relaunch_locked(folder: Path, message: str = "") -> bool:
    """Replace this process with a fresh program showing the unlock screen for ``folder``.
    Returns False (and does nothing) when not enabled or when ``exec`` fails; on success
    it does not return."""
    if not enabled():
        return False
    from evidencekit.i18n import current_language

    os.environ[ENV] = json.dumps({"folder": str(folder), "message": message})
    os.environ["EVIDENCEKIT_LANG"] = current_language()  # the language the user was reading
    command = _command()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        os.execv(command[0], command)
    except OSError as exc:
        os.environ.pop(ENV, None)
        log.warning("fresh start after lock failed (%s); staying in this process",
                    exc.strerror or type(exc).__name__)
    return False


def take_request() -> tuple[Path, str] | None:
    """The folder and message a locked predecessor asked the unlock screen to show
    (read once; the variable is removed so no child inherits it)."""
    raw = os.environ.pop(ENV, None)
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return Path(str(data["folder"])), str(data.get("message") or "")
    except (ValueError, KeyError, TypeError):
        return None
