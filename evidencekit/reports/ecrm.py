"""The police attachment pack (경찰 제출용 첨부 묶음) for the police cyber report system
(ECRM), whose upload form takes files up to a size limit (10 MB by default here).

The originals are read from the vault (each re-hashed against its SHA-256 on the way) and
stored uncompressed in ZIP files ``police-pack-01.zip``, ``-02`` … none larger than the
limit. An original larger than the limit is cut into pieces ``<name>.001``, ``.002`` …
of at most the limit each (joined again with ``cat name.0* > name`` or ``copy /b``).
``SHA256SUMS`` (the format ``sha256sum -c`` reads) lists every pack file, and
``ORIGINALS.sha256`` every original under its name in the pack (check it after
unpacking); each is split in the same way should it ever grow past the limit.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from evidencekit.errors import InputError, StorageError
from evidencekit.model import Item, Progress
from evidencekit.reports.lists import ReportSource, ReportTable, kst
from evidencekit.vault.atomic import storage_error, write_atomic

__all__ = ["PackFile", "build_pack", "MIN_LIMIT"]

log = logging.getLogger(__name__)

#: The smallest part size accepted (a ZIP needs room for its directory).
MIN_LIMIT = 64 * 1024
_ENTRY_OVERHEAD = 30 + 46 + 16 + 64  # local header, central record, descriptor, margin
_END_OVERHEAD = 22 + 64
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class PackFile:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class _Original:
    item: Item
    index: int
    name: str  # the name inside the pack


def _safe(name: str) -> str:
    cleaned = _SAFE.sub("_", name).strip("._") or "part"
    return cleaned[-80:]


def _file_hash(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


class _PieceWriter:
    """Writes a stream into ``<base>.001``, ``.002`` … of at most ``limit`` bytes."""

    def __init__(self, folder: Path, base: str, limit: int) -> None:
        self.folder, self.base, self.limit = folder, base, limit
        self.paths: list[Path] = []
        self._fh: BinaryIO | None = None
        self._left = 0

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            if self._fh is None or self._left == 0:
                self._next()
            assert self._fh is not None
            n = min(self._left, len(view))
            self._fh.write(view[:n])
            self._left -= n
            view = view[n:]
        return len(data)

    def _next(self) -> None:
        self.close()
        path = self.folder / f"{self.base}.{len(self.paths) + 1:03d}"
        self._fh = path.open("xb")
        self.paths.append(path)
        self._left = self.limit

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def build_pack(source: ReportSource, table: ReportTable, out_dir: Path, limit: int,
               progress: Progress | None = None) -> list[PackFile]:
    """Write the pack into ``out_dir`` and fill the table's rows (one per original, then
    one per pack file). Returns every file written; on failure removes them again."""
    if limit < MIN_LIMIT:
        raise InputError("reports.bad_limit", mb=round(limit / 1_048_576, 3))
    originals = [
        _Original(item, i, f"item-{item.number:04d}-{i + 1}-{_safe(p.name)}")
        for n in table.items for item in [source.item(n)]
        for i, p in enumerate(item.parts)
    ]
    if not originals:
        raise InputError("reports.nothing_to_pack")
    written: list[Path] = []
    where: dict[str, str] = {}
    try:
        total = sum(o.item.parts[o.index].size for o in originals)
        done = 0
        zip_no = 0
        zf: zipfile.ZipFile | None = None
        zip_used = 0
        for o in originals:
            part = o.item.parts[o.index]
            need = part.size + _ENTRY_OVERHEAD + 2 * len(o.name.encode())
            if need + _END_OVERHEAD > limit:  # too big for any ZIP: cut into pieces
                pieces = _PieceWriter(out_dir, o.name, limit)
                try:
                    source.read_part(o.item, o.index, pieces)  # type: ignore[arg-type]
                finally:
                    pieces.close()
                    written.extend(pieces.paths)
                where[o.name] = ", ".join(p.name for p in pieces.paths)
            else:
                if zf is None or zip_used + need + _END_OVERHEAD > limit:
                    if zf is not None:
                        zf.close()
                    zip_no += 1
                    path = out_dir / f"police-pack-{zip_no:02d}.zip"
                    zf = zipfile.ZipFile(path, "x", compression=zipfile.ZIP_STORED)
                    written.append(path)
                    zip_used = 0
                when = datetime.fromisoformat(o.item.captured_at_utc).astimezone(UTC)
                info = zipfile.ZipInfo(o.name, date_time=(max(1980, when.year), when.month,
                                                          when.day, when.hour, when.minute,
                                                          when.second))
                info.compress_type = zipfile.ZIP_STORED
                with zf.open(info, "w") as member:
                    source.read_part(o.item, o.index, member)  # type: ignore[arg-type]
                zip_used += need
                where[o.name] = written[-1].name
            done += part.size
            if progress is not None:
                progress(done, total, "reports.progress.packing")
        if zf is not None:
            zf.close()
        files = []
        for path in written:
            size, digest = _file_hash(path)
            if size > limit:  # never expected: the estimate above has a margin
                raise StorageError("reports.part_too_big", name=path.name, limit=limit)
            files.append(PackFile(path.name, size, digest))
        lists = {
            "SHA256SUMS": "".join(f"{f.sha256}  {f.name}\n" for f in files),
            "ORIGINALS.sha256": "".join(f"{o.item.parts[o.index].sha256}  {o.name}\n"
                                        for o in originals),
        }
        for base, text in lists.items():
            data = text.encode("utf-8")
            chunks = [data[i:i + limit] for i in range(0, len(data), limit)] or [b""]
            for n, chunk in enumerate(chunks, start=1):
                name = base if len(chunks) == 1 else f"{base}.{n:03d}"
                path = out_dir / name
                if path.exists():
                    raise InputError("error.file_exists", path=str(path))
                write_atomic(path, chunk, mode=0o644)
                written.append(path)
                files.append(PackFile(name, len(chunk), hashlib.sha256(chunk).hexdigest()))
    except BaseException as exc:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        if isinstance(exc, OSError):
            raise storage_error(exc, out_dir) from exc
        raise
    for n, o in enumerate(originals, start=1):
        part = o.item.parts[o.index]
        table.rows.append([str(n), f"#{o.item.number}", o.name, f"{part.size:,}",
                           part.sha256, where[o.name], kst(o.item.captured_at_utc)])
    for f in files:
        table.rows.append(["", "", f.name, f"{f.size:,}", f.sha256, "—", ""])
    return files
