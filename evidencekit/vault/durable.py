"""A new file written durably and fast: large page-aligned pieces with ``O_DIRECT`` where the
file system supports it (falling back to ordinary writes), written by a background thread
so encryption and disk writes overlap, then ``fsync``.

Why: the blob files are write-once and never read back soon, so passing them through the
page cache only costs a copy and evicts useful data; on the machines we measured, direct
writes of 1 GiB took a quarter of the time of buffered writes followed by fsync. The final
piece (not a multiple of the block size) is written through an ordinary descriptor; the
closing ``fsync`` makes the whole file durable either way.

Usage: ``view = f.reserve(n)`` to get a writable buffer of ``n`` bytes at the end of the file,
fill it, ``f.advance(n)``; finally ``f.finish()`` (or ``f.abort()``).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import queue
import threading
from pathlib import Path

__all__ = ["DurableFile", "ALIGN"]

ALIGN = 4096
_Job = tuple[mmap.mmap, int, int, bool] | None


class DurableFile:
    def __init__(self, path: Path, *, max_piece: int, flush_at: int = 8 << 20,
                 direct: bool = True) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._fd_direct: int | None = None
        if direct and hasattr(os, "O_DIRECT"):
            try:
                self._fd_direct = os.open(path, os.O_WRONLY | os.O_DIRECT)
            except OSError:
                self._fd_direct = None
        self._flush_at = flush_at
        size = flush_at + max_piece + ALIGN
        size += (-size) % mmap.PAGESIZE
        self._free: queue.Queue[mmap.mmap] = queue.Queue()
        for _ in range(3):
            self._free.put(mmap.mmap(-1, size))
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._cur = self._free.get()
        self._pos = 0
        self._offset = 0
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._writer, name="blob-writer", daemon=True)
        self._thread.start()

    def _writer(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            buf, n, offset, plain = job
            if self._error is None:
                try:
                    self._write_all(buf, n, offset, plain)
                except OSError as exc:
                    self._error = exc
            self._free.put(buf)

    def _write_all(self, buf: mmap.mmap, n: int, offset: int, plain: bool) -> None:
        view = memoryview(buf)[:n]
        fd = self._fd
        if not plain and self._fd_direct is not None:
            fd = self._fd_direct
        done = 0
        while done < n:
            try:
                written = os.pwrite(fd, view[done:], offset + done)
            except OSError as exc:
                if fd == self._fd_direct and exc.errno == 22:  # EINVAL: no O_DIRECT here
                    self._fd_direct = None
                    fd = self._fd
                    continue
                raise
            done += written
        view.release()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def reserve(self, n: int) -> memoryview:
        """A writable view of the next ``n`` bytes (valid until the next ``advance``)."""
        self._raise_if_failed()
        return memoryview(self._cur)[self._pos : self._pos + n]

    def advance(self, n: int) -> None:
        self._pos += n
        if self._pos >= self._flush_at:
            aligned = self._pos - self._pos % ALIGN
            nxt = self._free.get()
            rest = self._pos - aligned
            nxt[0:rest] = self._cur[aligned : self._pos]
            self._jobs.put((self._cur, aligned, self._offset, False))
            self._offset += aligned
            self._cur, self._pos = nxt, rest
            self._raise_if_failed()

    def write(self, data: bytes) -> None:
        self.reserve(len(data))[:] = data
        self.advance(len(data))

    def finish(self) -> None:
        """Write what is left, wait for the writer, fsync and close. Raises OSError."""
        self._jobs.put((self._cur, self._pos, self._offset, True))
        self._jobs.put(None)
        self._thread.join()
        try:
            self._raise_if_failed()
            os.fsync(self._fd)
        finally:
            self._close()

    def abort(self) -> None:
        """Stop, close and delete the partial file."""
        self._error = self._error or OSError("aborted")
        self._jobs.put(None)
        self._thread.join()
        self._close()
        with contextlib.suppress(OSError):
            self.path.unlink()

    def _close(self) -> None:
        for fd in (self._fd, self._fd_direct):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._fd_direct = None
