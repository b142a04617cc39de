"""Write-once files, written atomically: temp file, fsync, rename, fsync the folder.

OS errors become :class:`~evidencekit.errors.StorageError` (a full disk has its own
message), and a failed write leaves no file behind.

Plaintext outputs (an extracted original, an exported bundle and its side files) go
through :func:`private_temp`, or :func:`track_temp` / :func:`untrack_temp` for code that
manages its own temporary file: while one is being written its path is named in a small
encrypted journal in the settings folder (``pending-outputs.bin``, AES-256-GCM under a
random key kept beside it in ``pending-outputs.key``, both 0600), so that a process killed
half-way leaves nothing behind for long — :func:`clean_pending_temp_files`, run at every
start, removes whatever a dead process left. The journal holds paths only, never content;
it is encrypted so that a copy of the journal file alone (a backup, a synced settings
folder) does not tell where evidence was exported.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evidencekit.errors import StorageError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "fsync_dir",
    "write_atomic",
    "storage_error",
    "TEMP_PREFIX",
    "private_temp",
    "track_temp",
    "untrack_temp",
    "clean_pending_temp_files",
]

log = logging.getLogger(__name__)

TEMP_PREFIX = ".tmp-"
OUTPUT_TEMP_PREFIX = ".ek-"
_JOURNAL = "pending-outputs"
_JOURNAL_AD = b"evidencekit/v1/pending-outputs"


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


# -- plaintext outputs: private temp files and their journal -----------------------------


def _journal_dir() -> Path:
    from evidencekit.settings import config_dir

    return config_dir()


def _journal_key(folder: Path) -> bytes:
    path = folder / f"{_JOURNAL}.key"
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    write_atomic(path, key)
    return key


@contextlib.contextmanager
def _journal() -> Iterator[list[dict[str, Any]]]:
    """The journal's entries, locked against other EvidenceKit processes; changes to the
    list are written back when the block ends."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    folder = _journal_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(folder / f"{_JOURNAL}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        aead = AESGCM(_journal_key(folder))
        path = folder / f"{_JOURNAL}.bin"
        entries: list[dict[str, Any]] = []
        try:
            sealed = path.read_bytes()
            loaded = json.loads(aead.decrypt(sealed[:12], sealed[12:], _JOURNAL_AD))
            entries = [e for e in loaded if isinstance(e, dict)]
        except FileNotFoundError:
            pass
        except (InvalidTag, ValueError, TypeError):
            log.warning("temporary-file journal unreadable; starting a new one")
        before = json.dumps(entries, sort_keys=True)
        yield entries
        if json.dumps(entries, sort_keys=True) != before:
            nonce = secrets.token_bytes(12)
            data = json.dumps(entries).encode()
            write_atomic(path, nonce + aead.encrypt(nonce, data, _JOURNAL_AD))
    finally:
        os.close(fd)


def track_temp(*paths: Path) -> None:
    """Name ``paths`` in the journal (this process writes them; if it dies, the next start
    removes them). Never raises: a journal that cannot be written only loses the clean-up."""
    try:
        with _journal() as entries:
            for p in paths:
                entries.append({"path": str(Path(p).absolute()), "pid": os.getpid()})
    except (OSError, StorageError) as exc:
        log.warning("temporary-file journal not written (%s)", type(exc).__name__)


def untrack_temp(*paths: Path) -> None:
    """Forget ``paths`` (written and renamed into place, or already removed)."""
    names = {str(Path(p).absolute()) for p in paths}
    try:
        with _journal() as entries:
            entries[:] = [e for e in entries
                          if not (e.get("path") in names and e.get("pid") == os.getpid())]
    except (OSError, StorageError) as exc:
        log.warning("temporary-file journal not written (%s)", type(exc).__name__)


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return False  # our own pid at start: left by an earlier program image
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_pending_temp_files() -> int:
    """Remove every output a dead EvidenceKit process left half-written (run at start);
    returns how many files were removed."""
    removed = 0
    with _journal() as entries:
        keep = []
        folders = []
        for entry in entries:
            if _alive(entry.get("pid")):
                keep.append(entry)
                continue
            path = Path(str(entry.get("path", "")))
            if not path.is_absolute():
                continue
            try:
                if path.is_dir():
                    folders.append(path)
                    continue
                path.unlink()
                removed += 1
                fsync_dir(path.parent)
            except FileNotFoundError:
                pass
            except OSError:
                keep.append(entry)  # e.g. a USB stick not mounted now: try again later
        for folder in folders:  # folders made for the outputs: removed when empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        entries[:] = keep
    if removed:
        log.info("removed %d half-written output file(s) left by an interrupted program",
                 removed)
    return removed


@contextlib.contextmanager
def private_temp(path: Path) -> Iterator[Path]:
    """Write ``path`` through a private temporary file; yields the temporary path.

    The temporary file is created beside ``path`` with mode 0600 and a random name that
    says nothing about the output (``.ek-<random>.tmp``), and named in the journal while
    the block runs. When the block ends normally it is fsynced, renamed onto ``path``
    (mode 0600) and the folder fsynced; on any exception it is removed. A kill leaves it
    in the journal and the next start removes it. OSError becomes StorageError.
    """
    path = Path(path)
    tmp = path.with_name(f"{OUTPUT_TEMP_PREFIX}{secrets.token_hex(8)}.tmp")
    track_temp(tmp)
    try:
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            yield tmp
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fchmod(fd, 0o600)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise storage_error(exc, path) from exc
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        fsync_dir(path.parent)
    finally:
        untrack_temp(tmp)
