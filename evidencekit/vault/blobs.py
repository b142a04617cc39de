"""Encrypted, write-once blob files holding the original bytes of item parts.

Layout of ``blobs/<first two chars>/<name>`` (``name`` = 32 random hex characters, so it
reveals nothing about the content)::

    header  16 bytes   b"EKBLOB\\x00\\x01" || chunk size (u32 BE) || 4 zero bytes
    chunk 0 .. n       AES-256-GCM(file key, nonce_i, plaintext chunk_i, AD = header)

with ``file key = HKDF-SHA256(blob sub-key, info="evidencekit/v1/blob-file/" || name)`` and
``nonce_i = i (11 bytes BE) || last flag (1 byte: 1 on the final chunk, else 0)``, as in
age's STREAM. Every chunk but the last holds exactly ``chunk size`` bytes; an empty file is
one empty final chunk. Truncation, reordering, swapping chunks or whole files, and edits
are all detected by the tags. Writing hashes (SHA-256) and encrypts in one streaming pass,
overlapping the read+hash with the encrypt+write on two threads; memory use is a few
chunks whatever the file size.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from evidencekit.errors import CancelledError
from evidencekit.model import Progress
from evidencekit.vault.atomic import TEMP_PREFIX, fsync_dir, storage_error
from evidencekit.vault.durable import DurableFile

__all__ = ["CHUNK_SIZE", "BlobInfo", "BlobError", "BlobStore"]

log = logging.getLogger(__name__)

CHUNK_SIZE = 4 << 20  # 4 MiB
TAG = 16
MAGIC = b"EKBLOB\x00\x01"
HEADER_SIZE = 16
_READ_AHEAD = 4


@dataclass(frozen=True)
class BlobInfo:
    name: str
    sha256: str
    size: int


class BlobError(Exception):
    """A blob is missing, truncated or fails authentication. ``reason`` is an English phrase
    for reports ("missing", "chunk 3 failed authentication", ...)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"blob {name}: {reason}")
        self.name = name
        self.reason = reason


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _header(chunk_size: int) -> bytes:
    return MAGIC + chunk_size.to_bytes(4, "big") + b"\x00" * 4


class BlobStore:
    """The ``blobs/`` folder of a vault."""

    def __init__(self, folder: Path, blob_key: bytes, chunk_size: int = CHUNK_SIZE) -> None:
        self.folder = folder
        self._key = blob_key
        self.chunk_size = chunk_size

    def _file_aead(self, name: str) -> AESGCM:
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=b"evidencekit/v1/blob-file/" + name.encode("ascii"),
        ).derive(self._key)
        return AESGCM(key)

    @staticmethod
    def new_name() -> str:
        """A fresh random blob name (128 bits, hex)."""
        return secrets.token_hex(16)

    def path(self, name: str) -> Path:
        return self.folder / name[:2] / name

    # -- writing -------------------------------------------------------------------------

    def write(
        self,
        source: BinaryIO,
        *,
        total: int = 0,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        name: str | None = None,
        hashing: bool = True,
    ) -> BlobInfo:
        """Encrypt ``source`` into a new blob (named ``name`` if given, see
        :meth:`new_name`); return its name, SHA-256 and size.

        Three stages overlap: a reader thread reads and hashes into recycled buffers, this
        thread encrypts each chunk straight into the output buffer, and a writer thread
        writes large aligned pieces (see :mod:`evidencekit.vault.durable`). The blob is
        durable (fsynced and renamed into place) when this returns; on any failure no
        blob file is left behind. ``hashing=False`` skips the SHA-256 (``sha256`` is then
        empty): only for re-encrypting bytes already authenticated chunk by chunk, whose
        hash is known (rekey).
        """
        name = name or self.new_name()
        aead = self._file_aead(name)
        header = _header(self.chunk_size)
        final = self.path(name)
        tmp = self.folder / f"{TEMP_PREFIX}{name}"
        digest = hashlib.sha256()
        size = 0
        pool: queue.Queue[bytearray] = queue.Queue()
        for _ in range(_READ_AHEAD + 2):
            pool.put(bytearray(self.chunk_size))
        chunks: queue.Queue[tuple[bytearray, int] | BaseException | None] = queue.Queue()
        stop = threading.Event()
        chunk_size = self.chunk_size

        def reader() -> None:
            # Reads and hashes ahead of the encrypting thread (hashlib drops the GIL).
            try:
                while not stop.is_set():
                    buf = pool.get()
                    view = memoryview(buf)
                    n = 0
                    while n < chunk_size:  # fill the chunk unless at end of file
                        got = source.readinto(view[n:])  # type: ignore[attr-defined]
                        if not got:
                            break
                        n += got
                    if n == 0:
                        chunks.put(None)
                        return
                    if hashing:
                        digest.update(view[:n])
                    chunks.put((buf, n))
                    if n < chunk_size:
                        chunks.put(None)
                        return
            except BaseException as exc:  # noqa: BLE001 - handed to the encrypting thread
                chunks.put(exc)

        try:
            final.parent.mkdir(mode=0o700, exist_ok=True)
            out = DurableFile(tmp, max_piece=chunk_size + TAG)
        except OSError as exc:
            raise storage_error(exc, self.folder) from exc
        thread = threading.Thread(target=reader, name="blob-reader", daemon=True)
        thread.start()
        try:
            out.write(header)
            index = 0
            current = chunks.get()
            while True:
                if isinstance(current, BaseException):
                    raise current
                nxt = chunks.get() if current is not None else None
                if isinstance(nxt, BaseException):
                    raise nxt
                last = nxt is None
                if current is None:
                    n = 0
                    data: memoryview | bytes = b""
                else:
                    buf, n = current
                    data = memoryview(buf)[:n]
                target = out.reserve(n + TAG)
                aead.encrypt_into(_nonce(index, last), data, header, target)
                target.release()
                out.advance(n + TAG)
                if current is not None:
                    pool.put(current[0])
                size += n
                index += 1
                if progress is not None:
                    progress(size, total, "progress.encrypting")
                if cancel is not None and cancel.is_set():
                    raise CancelledError()
                if last:
                    break
                current = nxt
            out.finish()
            os.replace(tmp, final)
            fsync_dir(final.parent)
        except OSError as exc:
            self._abandon(stop, pool, thread, out)
            raise storage_error(exc, self.folder) from exc
        except BaseException:
            self._abandon(stop, pool, thread, out)
            raise
        thread.join()
        return BlobInfo(name=name, sha256=digest.hexdigest() if hashing else "", size=size)

    @staticmethod
    def _abandon(stop: threading.Event, pool: queue.Queue[bytearray],
                 thread: threading.Thread, out: DurableFile) -> None:
        stop.set()
        while thread.is_alive():  # unblock a reader waiting for a free buffer
            pool.put(bytearray(1))
            thread.join(timeout=0.05)
        out.abort()

    # -- reading -------------------------------------------------------------------------

    def iter_plaintext(self, name: str) -> Iterator[bytes]:
        """Decrypt a blob chunk by chunk. Raises :class:`BlobError` on any damage (a caller
        must treat bytes already yielded as untrusted until the iterator finishes)."""
        path = self.path(name)
        try:
            fh = path.open("rb")
        except FileNotFoundError:
            raise BlobError(name, "missing") from None
        except OSError as exc:
            raise BlobError(name, f"unreadable ({exc.strerror})") from exc
        with fh:
            header = fh.read(HEADER_SIZE)
            if len(header) != HEADER_SIZE or header[:8] != MAGIC or header[12:] != b"\x00" * 4:
                raise BlobError(name, "header damaged")
            chunk_size = int.from_bytes(header[8:12], "big")
            if chunk_size <= 0 or chunk_size > 64 << 20:
                raise BlobError(name, "header damaged")
            aead = self._file_aead(name)
            step = chunk_size + TAG
            index = 0
            current = fh.read(step)
            if not current:
                raise BlobError(name, "truncated (no chunks)")
            while True:
                nxt = fh.read(step)
                last = not nxt
                if len(current) < TAG:
                    raise BlobError(name, f"chunk {index} truncated")
                try:
                    plain = aead.decrypt(_nonce(index, last), current, header)
                except InvalidTag:
                    if last:
                        raise BlobError(
                            name, f"chunk {index} failed authentication (altered or truncated)"
                        ) from None
                    raise BlobError(name, f"chunk {index} failed authentication") from None
                if not last and len(plain) != chunk_size:
                    raise BlobError(name, f"chunk {index} has the wrong length")
                yield plain
                if last:
                    return
                current = nxt
                index += 1

    def read(
        self, name: str, out: BinaryIO | None = None, *, total: int = 0,
        progress: Progress | None = None,
    ) -> BlobInfo:
        """Decrypt (to ``out`` if given) and return the plaintext's SHA-256 and size."""
        digest = hashlib.sha256()
        size = 0
        for plain in self.iter_plaintext(name):
            digest.update(plain)
            size += len(plain)
            if out is not None:
                out.write(plain)
            if progress is not None:
                progress(size, total, "progress.decrypting")
        return BlobInfo(name=name, sha256=digest.hexdigest(), size=size)

    # -- housekeeping ----------------------------------------------------------------------

    def names(self) -> set[str]:
        """Names of all committed blob files present."""
        found: set[str] = set()
        if not self.folder.is_dir():
            return found
        for sub in self.folder.iterdir():
            if sub.is_dir() and len(sub.name) == 2:
                for f in sub.iterdir():
                    if f.is_file() and f.name.startswith(sub.name) and len(f.name) == 32:
                        found.add(f.name)
        return found

    def remove(self, name: str) -> None:
        path = self.path(name)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise storage_error(exc, path) from exc
        fsync_dir(path.parent)

    def remove_temp_files(self) -> int:
        """Delete temp files left by an interrupted write (caller holds the writer lock)."""
        count = 0
        if not self.folder.is_dir():
            return 0
        for f in self.folder.iterdir():
            if f.name.startswith(TEMP_PREFIX):
                with contextlib.suppress(OSError):
                    f.unlink()
                    count += 1
        return count

