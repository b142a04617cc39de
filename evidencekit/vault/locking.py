"""One writer at a time: ``vault.lock`` held with an OS file lock, plus a random lock id
and the holder's pid — nothing derived from the computer (no host name, not even hashed).

The OS releases the lock when a process dies, so a lock file left by a killed program is
stale by construction and is taken over (with a log line). Where the file system offers no
locks (some network or FAT mounts), the pid written in the file decides: a lock whose pid
is alive here is refused (to be safe, even if it came from another computer), otherwise
it is taken over.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import secrets
from pathlib import Path
from typing import IO, Any

from evidencekit.errors import VaultLockedError
from evidencekit.vault.atomic import storage_error

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["WriterLock", "LOCK_NAME"]

log = logging.getLogger(__name__)
LOCK_NAME = "vault.lock"


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WriterLock:
    """Exclusive writer lock on a vault folder; use as a context manager or acquire/release."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        self._fh: IO[str] | None = None

    def _read_holder(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def acquire(self) -> None:
        for _attempt in range(20):
            if self._acquire_once():
                return
        raise VaultLockedError(pid="?")

    def _acquire_once(self) -> bool:
        """One try; False when the lock file was replaced under us (then try again)."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            fh = os.fdopen(fd, "a+", encoding="utf-8")
        except OSError as exc:
            raise storage_error(exc, self.path) from exc
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    holder = self._read_holder()
                    fh.close()
                    raise VaultLockedError(pid=holder.get("pid", "?")) from None
                if exc.errno not in (errno.ENOLCK, errno.ENOTSUP, errno.EOPNOTSUPP):
                    fh.close()
                    raise storage_error(exc, self.path) from exc
                self._pid_fallback(fh)
        else:  # pragma: no cover
            self._pid_fallback(fh)
        # The holder before us may have unlinked the file between our open and our lock:
        # then we hold a lock on a deleted file, and must start again on the new one.
        try:
            same = os.fstat(fh.fileno()).st_ino == os.stat(self.path).st_ino
        except OSError:
            same = False
        if not same:
            fh.close()
            return False
        with contextlib.suppress(OSError):
            os.fchmod(fh.fileno(), 0o600)
        holder = self._read_holder()
        if holder.get("pid") and holder.get("pid") != os.getpid():
            log.info("taking over a stale vault lock left by pid %s", holder.get("pid"))
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"id": secrets.token_hex(16), "pid": os.getpid()}))
        fh.flush()
        self._fh = fh
        return True

    def _pid_fallback(self, fh: IO[str]) -> None:
        holder = self._read_holder()
        pid = holder.get("pid")
        if isinstance(pid, int) and pid != os.getpid() and _pid_alive(pid):
            fh.close()
            raise VaultLockedError(pid=pid)

    def release(self) -> None:
        if self._fh is None:
            return
        with contextlib.suppress(OSError):
            self._fh.seek(0)
            self._fh.truncate()
            self._fh.flush()
        with contextlib.suppress(OSError):
            self.path.unlink()
        self._fh.close()  # closing drops the flock
        self._fh = None

    @property
    def held(self) -> bool:
        return self._fh is not None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
