"""Write-once files, written atomically: temp file, fsync, rename, fsync the folder.

OS errors become :class:`~evidencekit.errors.StorageError` (a full disk has its own
message), and a failed write leaves no file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from evidencekit.errors import StorageError

__all__ = ["fsync_dir", "write_atomic", "storage_error", "TEMP_PREFIX"]

TEMP_PREFIX = ".tmp-"


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def storage_error(exc: OSError, path: Path) -> StorageError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError("error.disk_full", path=str(path))
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError("error.not_writable", path=str(path))
    return StorageError("error.storage", path=str(path), reason=exc.strerror or str(exc))


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically (replacing an existing file)."""
    tmp = path.with_name(f"{TEMP_PREFIX}{os.urandom(8).hex()}-{path.name}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise storage_error(exc, path) from exc
    fsync_dir(path.parent)
