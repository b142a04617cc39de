"""Importing files and folders as evidence items, bytes untouched.

:func:`import_file` turns one file into a :class:`~evidencekit.model.NewItem` of kind
``file`` whose single part streams from the file's path (nothing is read into memory
except the head for sniffing and, for images, what the metadata summary needs).
:func:`iter_import` does the same for many paths and folders, yielding one
:class:`ImportOutcome` per file (an item or a per-file error) and never stopping a batch
because one file is bad.

File names are kept exactly (``metadata.original_name``; undecodable bytes also as hex)
and shown through :func:`display_name`, which makes control and bidirectional-override
characters visible instead of letting them act. Part names never contain any of the
original name except a sanitised extension (``original.jpg``).
"""

from __future__ import annotations

import errno
import logging
import mimetypes
import os
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evidencekit.capture.imagemeta import image_summary
from evidencekit.capture.sniff import OCTET_STREAM, Sniffed, sniff_file
from evidencekit.errors import (
    EvidenceKitError,
    InputError,
    NotFoundError,
    StorageError,
)
from evidencekit.model import ItemKind, NewItem, PartInput, Progress, iso

__all__ = [
    "ImportOutcome",
    "display_name",
    "import_file",
    "iter_import",
    "part_name_for",
]

log = logging.getLogger(__name__)

_MAX_EXT = 10
# Characters that change how surrounding text is shown (bidi embeddings, overrides and
# isolates, directional marks) and line/paragraph separators: escaped for display.
_INVISIBLE_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)
# Extensions that name the same media type as the sniffer's answer.
_EQUIVALENT = {
    "application/zip": {
        "zip", "jar", "apk", "xpi", "ipa", "aar", "whl", "kmz", "cbz", "xapk",
    },
    "text/plain": {"txt", "text", "log", "md", "csv", "tsv", "srt", "vtt", "ini", "conf"},
    "text/csv": {"csv", "txt"},
    "image/jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "video/mp4": {"mp4", "m4v", "mov", "3gp"},
    "video/quicktime": {"mov", "qt", "mp4"},
    "audio/mp4": {"m4a", "mp4", "aac"},
    "application/xml": {"xml", "xsd", "xsl", "rss", "atom", "plist", "kml", "gpx"},
    "text/html": {"html", "htm", "xhtml", "mhtml"},
}


@dataclass(frozen=True)
class ImportOutcome:
    """One file of a batch: the item made from it, or the error that stopped it."""

    path: Path
    item: NewItem | None = None
    error: EvidenceKitError | None = None

    @property
    def ok(self) -> bool:
        return self.item is not None


def display_name(name: str) -> str:
    """``name`` made safe to show: control, bidi-override and undecodable characters
    become visible escapes (``\\x07``, ``\\u202e``); everything else, Korean and emoji
    included, is kept as it is."""
    out: list[str] = []
    for ch in name:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte kept by surrogateescape
            out.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in _INVISIBLE_CONTROLS:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def part_name_for(name: str, sniffed: Sniffed) -> str:
    """The safe part label: ``original.<ext>`` from the name's extension (ASCII letters
    and digits only, at most 10), else the sniffed type's, else ``original.bin``."""
    ext = _name_extension(name) or sniffed.extension or "bin"
    return f"original.{ext}"


def _name_extension(name: str) -> str | None:
    if "." not in name.strip("."):
        return None
    raw = name.rsplit(".", 1)[1].lower()
    ext = "".join(ch for ch in raw if ch.isascii() and ch.isalnum())
    if not ext or len(ext) > _MAX_EXT or ext != raw:
        return None
    return ext


def _exact_text(name: str) -> tuple[str, str | None]:
    """(text, hex) for a name: the text is exact when the name is valid Unicode;
    otherwise undecodable bytes appear as ``\\xNN`` and the exact bytes are given as hex."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        return raw.decode("utf-8", "backslashreplace"), raw.hex()
    return name, None


def _error_for(exc: OSError, shown: str) -> EvidenceKitError:
    if isinstance(exc, FileNotFoundError):
        return NotFoundError("capture.file.missing", path=shown)
    if isinstance(exc, IsADirectoryError):
        return InputError("capture.file.is_directory", path=shown)
    if isinstance(exc, PermissionError):
        return InputError("capture.file.unreadable", path=shown)
    if exc.errno == errno.ELOOP:
        return InputError("capture.file.symlink_loop", path=shown)
    if exc.errno == errno.ENAMETOOLONG:
        return InputError("capture.file.name_too_long", path=shown)
    return StorageError("capture.file.read_failed", path=shown, reason=exc.strerror or "")


def import_file(
    path: str | os.PathLike[str], *, title: str | None = None, note: str | None = None
) -> NewItem:
    """Make a ``file`` item from ``path``; the file's bytes are not read here beyond
    the head (the vault streams them from ``PartInput.path``).

    Raises :class:`NotFoundError` (missing), :class:`InputError` (a folder, not a regular
    file, no permission, a symlink loop, a name too long) or :class:`StorageError` (an
    I/O error while reading). A zero-byte file is imported, with a warning.
    """
    given = Path(path)
    absolute = Path(os.path.abspath(given))
    shown = display_name(str(given))
    try:
        st = os.stat(absolute)
    except OSError as exc:
        raise _error_for(exc, shown) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("capture.file.is_directory", path=shown)
    if not stat.S_ISREG(st.st_mode):
        raise InputError("capture.file.not_regular", path=shown)
    is_link = absolute.is_symlink()

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(absolute, flags)
    except OSError as exc:
        raise _error_for(exc, shown) from None
    warnings: list[str] = []
    try:
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):  # swapped between stat and open
                raise InputError("capture.file.not_regular", path=shown)
            sniffed = sniff_file(fh)
            image: dict[str, Any] | None = None
            if sniffed.is_image and st.st_size > 0:
                info = image_summary(fh)
                image = info.summary
                warnings.extend(info.warnings)
    except OSError as exc:
        raise _error_for(exc, shown) from None

    name = given.name or absolute.name
    exact_name, name_hex = _exact_text(name)
    safe_name = display_name(name)
    if st.st_size == 0:
        warnings.insert(0, "capture.warn.empty_file")
    if safe_name != name:
        warnings.append("capture.warn.name_control_chars")
    if name_hex is not None:
        warnings.append("capture.warn.name_not_utf8")
    part = part_name_for(name, sniffed)
    expected = _extension_type(name)
    if _mismatch(sniffed, name, expected):
        warnings.append("capture.warn.extension_mismatch")

    metadata: dict[str, Any] = {
        "original_name": exact_name,
        "size": st.st_size,
        "mtime": iso(datetime.fromtimestamp(st.st_mtime, UTC)),
        "media_type": sniffed.media_type,
    }
    if name_hex is not None:
        metadata["original_name_hex"] = name_hex
    if safe_name != exact_name:
        metadata["display_name"] = safe_name
    if is_link:
        metadata["via_symlink"] = True
    if sniffed.charset:
        metadata["charset"] = sniffed.charset
    if sniffed.detail:
        metadata["media_detail"] = sniffed.detail
    if expected is not None and "capture.warn.extension_mismatch" in warnings:
        metadata["extension_media_type"] = expected
    if image is not None:
        metadata["image"] = image
    metadata["warnings"] = warnings

    log.debug("file prepared for import: %s (%d bytes)", sniffed.media_type, st.st_size)
    return NewItem(
        kind=ItemKind.FILE,
        title=title.strip() if title and title.strip() else safe_name,
        source=safe_name,
        parts=[PartInput(name=part, media_type=sniffed.media_type, path=absolute)],
        metadata=metadata,
        notes=[note] if note and note.strip() else [],
    )


def _extension_type(name: str) -> str | None:
    ext = _name_extension(name)
    if ext is None:
        return None
    guessed, _ = mimetypes.guess_type(f"x.{ext}", strict=False)
    return guessed


def _mismatch(sniffed: Sniffed, name: str, expected: str | None) -> bool:
    """True when the name's extension claims a different kind of content."""
    if expected is None or sniffed.media_type in (OCTET_STREAM, expected):
        return False
    if sniffed.media_type == "text/plain" and expected.startswith("text/"):
        return False
    ext = _name_extension(name) or ""
    return ext not in _EQUIVALENT.get(sniffed.media_type, set())


# --- batches ------------------------------------------------------------------------


def _walk(folder: Path, recursive: bool, seen: set[tuple[int, int]]) -> Iterator[
    Path | ImportOutcome
]:
    """Files under ``folder`` in sorted order; symlinked folders and unreadable folders
    become outcomes (skipped), loops are never followed."""
    try:
        st = os.stat(folder)
        key = (st.st_dev, st.st_ino)
        if key in seen:
            return
        seen.add(key)
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: os.fsencode(e.name))
    except OSError as exc:
        yield ImportOutcome(
            folder,
            error=InputError("capture.folder.unreadable", path=display_name(str(folder)))
            if isinstance(exc, PermissionError)
            else _error_for(exc, display_name(str(folder))),
        )
        return
    for entry in entries:
        child = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_link = entry.is_symlink()
            link_to_dir = is_link and entry.is_dir(follow_symlinks=True)
        except OSError:
            is_dir = is_link = link_to_dir = False
        if link_to_dir:
            yield ImportOutcome(
                child,
                error=InputError(
                    "capture.folder.symlink_skipped", path=display_name(str(child))
                ),
            )
        elif is_dir:
            if recursive:
                yield from _walk(child, recursive, seen)
            else:
                log.debug("not recursing into a sub-folder")
        else:
            yield child


def iter_import(
    paths: Iterable[str | os.PathLike[str]],
    *,
    recursive: bool = True,
    progress: Progress | None = None,
) -> Iterator[ImportOutcome]:
    """Import every file among ``paths`` (folders walked, sorted by name), yielding one
    :class:`ImportOutcome` per file or skipped entry, in order. Bad files give error
    outcomes and the batch goes on. ``progress(done, total, key)`` is called once with
    ``done=0`` after the folders are listed, then after each file. Stop iterating to
    cancel.
    """
    tasks: list[Path | ImportOutcome] = []
    seen: set[tuple[int, int]] = set()
    for raw in paths:
        p = Path(raw)
        try:
            folder = p.is_dir()
        except OSError:
            folder = False
        if folder:
            tasks.extend(_walk(p, recursive, seen))
        else:
            tasks.append(p)
    total = sum(1 for t in tasks if isinstance(t, Path))
    done = 0
    if progress is not None:
        progress(0, total, "capture.progress.importing")
    for task in tasks:
        if isinstance(task, ImportOutcome):
            yield task
            continue
        try:
            outcome = ImportOutcome(task, item=import_file(task))
        except EvidenceKitError as exc:
            outcome = ImportOutcome(task, error=exc)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop a batch
            log.exception("unexpected error importing a file")
            outcome = ImportOutcome(
                task,
                error=StorageError(
                    "capture.file.failed",
                    path=display_name(str(task)),
                    reason=type(exc).__name__,
                ),
            )
        done += 1
        if progress is not None:
            progress(done, total, "capture.progress.importing")
        yield outcome
