"""Process hardening done once at start (CLI and desktop app): no core dumps, secrets taken
out of the environment so child processes never inherit them, and the journal of
temporary output files cleaned.

- Core dumps: ``RLIMIT_CORE`` set to 0 (Linux, macOS, BSD) and, on Linux,
  ``prctl(PR_SET_DUMPABLE, 0)`` so that neither a crash nor another process of the same
  user (``gcore``, ``/proc/PID/mem``) can copy the memory of an unlocked vault. Windows
  has no per-process core-dump switch we can set without administrator rights; Windows
  Error Reporting dumps are left to the system policy (documented, not claimed).
- Secrets: ``EVIDENCEKIT_PASSPHRASE`` and ``EVIDENCEKIT_NEW_PASSPHRASE`` are read once and
  removed from ``os.environ`` (and their bytes overwritten in the C environment, so
  ``/proc/PID/environ`` no longer shows them); every process started afterwards — the
  QtWebEngine renderer that parses hostile pages, ``xdotool``, ``pngquant`` — gets an
  environment without them.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import sys
from collections.abc import Iterator

__all__ = [
    "SECRET_VARIABLES",
    "disable_core_dumps",
    "harden_process",
    "secret_environment",
    "secret_from_environment",
]

log = logging.getLogger(__name__)

SECRET_VARIABLES = (
    "EVIDENCEKIT_PASSPHRASE",
    "EVIDENCEKIT_NEW_PASSPHRASE",
    "EVIDENCEKIT_ORG_PASSPHRASE",
    "EVIDENCEKIT_P12_PASSPHRASE",
)
_PR_SET_DUMPABLE = 4

#: Secrets taken out of the environment by :func:`secret_environment` (this process only).
_taken: dict[str, str] = {}


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        return ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None


def disable_core_dumps() -> bool:
    """Core dumps off for this process; True when every available switch was set."""
    ok = True
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        ok = sys.platform == "win32"
        log.info("core-dump limit could not be set")
    libc = _libc()
    if libc is not None:
        if libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            ok = False
            log.info("PR_SET_DUMPABLE could not be cleared")
    return ok


def _scrub_c_environment(name: str) -> None:
    """Overwrite the value of ``name`` in the C environment block with zero bytes (the
    memory ``/proc/PID/environ`` shows), before it is unset."""
    libc = _libc()
    if libc is None:
        return
    libc.getenv.restype = ctypes.c_void_p
    libc.getenv.argtypes = [ctypes.c_char_p]
    ptr = libc.getenv(name.encode())
    if not ptr:
        return
    length = len(ctypes.string_at(ptr))
    ctypes.memset(ptr, 0, length)


def _take(name: str) -> None:
    value = os.environ.get(name)
    if value is None:
        return
    _taken[name] = value
    _scrub_c_environment(name)
    os.environ.pop(name, None)


@contextlib.contextmanager
def secret_environment() -> Iterator[None]:
    """Take the secret variables out of the environment for the duration of a command.

    Inside, :func:`secret_from_environment` returns them and no child process can inherit
    them. On leaving, they are put back only for in-process callers (tests calling
    ``main()`` twice); the real program exits right after.
    """
    before = dict(_taken)
    _taken.clear()
    for name in SECRET_VARIABLES:
        _take(name)
    taken = dict(_taken)
    try:
        yield
    finally:
        _taken.clear()
        _taken.update(before)
        for name, value in taken.items():
            os.environ.setdefault(name, value)


def secret_from_environment(name: str) -> str | None:
    """A secret variable's value (taken out of the environment at start, or still there
    for library callers that did not go through :func:`secret_environment`: then it is
    taken out now)."""
    if name in os.environ:
        _take(name)
    return _taken.get(name)


def harden_process() -> None:
    """Everything done once at start: core dumps off, and the half-written outputs a
    killed EvidenceKit process left removed (see :mod:`evidencekit.vault.atomic`)."""
    disable_core_dumps()
    try:
        from evidencekit.vault.atomic import clean_pending_temp_files

        clean_pending_temp_files()
    except Exception as exc:  # noqa: BLE001 - start-up must never fail on clean-up
        log.warning("temporary-file journal could not be cleaned (%s)", type(exc).__name__)
