"""Finding the chat export in what the user gave (a folder or a file) and telling its
format by content, never by file name.

:func:`plan_export` lists every file of a folder (sorted, links skipped and reported),
reads the first bytes of the files that may be text and returns an :class:`ExportPlan`:
the format, the main chat files (first), every other file of the export, and problems.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from evidencekit.capture.chat.context import Warning_
from evidencekit.capture.chat.kakaotalk import detect_kakaotalk
from evidencekit.capture.chat.line import detect_line
from evidencekit.capture.chat.telegram_html import (
    head_looks_like_telegram_html,
    html_file_order,
)
from evidencekit.capture.chat.telegram_json import head_looks_like_telegram
from evidencekit.capture.chat.textfile import decode_head
from evidencekit.capture.files import display_name
from evidencekit.errors import InputError, NotFoundError

__all__ = ["FORMATS", "ExportPlan", "Detected", "detect_file", "plan_export"]

log = logging.getLogger(__name__)

FORMATS = ("auto", "telegram-json", "telegram-html", "kakaotalk", "line")
HEAD = 64 * 1024
MAX_FILES = 200_000
_BINARY_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF", b"OggS", b"\x1aE\xdf\xa3",
                 b"PK\x03\x04", b"%PDF", b"ID3", b"fLaC")


@dataclass(frozen=True)
class Detected:
    format: str  # telegram-json | telegram-html | kakaotalk | line
    variant: str  # chat/account, a KakaoTalk variant, "" otherwise


@dataclass
class ExportPlan:
    """What to import: the root folder, relative paths (main files first), the format."""

    root: Path
    files: list[str]
    format: str
    variant: str
    main: list[str]
    single_file: bool
    problems: list[Warning_] = field(default_factory=list)
    source_name: str = ""


def _head(path: Path) -> bytes | None:
    try:
        with path.open("rb") as fh:
            first = fh.read(16)
            if not first or b"\x00" in first or first.startswith(_BINARY_MAGIC):
                return None
            return first + fh.read(HEAD - len(first))
    except OSError:
        return None


def detect_file(path: Path) -> Detected | None:
    """The chat format of one file from its content, or None."""
    head = _head(path)
    if head is None:
        return None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        kind = head_looks_like_telegram(head)
        return Detected("telegram-json", kind) if kind else None
    if stripped[:1] == b"<":
        return Detected("telegram-html", "") if head_looks_like_telegram_html(head) else None
    text = decode_head(head)
    if detect_line(text):
        return Detected("line", "")
    variant = detect_kakaotalk(text)
    if variant is not None:
        return Detected("kakaotalk", variant)
    return None


def _walk(root: Path, problems: list[Warning_]) -> list[str]:
    out: list[str] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort(key=os.fsencode)
        base = Path(folder)
        for name in list(dirs):
            if (base / name).is_symlink():
                dirs.remove(name)
                problems.append(Warning_("chat.warn.link_skipped",
                                         display_name(str((base / name).relative_to(root)))))
        for name in sorted(files, key=os.fsencode):
            path = base / name
            rel = path.relative_to(root).as_posix()
            try:
                st = os.lstat(path)
            except OSError:
                problems.append(Warning_("chat.warn.unreadable", display_name(rel)))
                continue
            if not stat.S_ISREG(st.st_mode):
                problems.append(Warning_("chat.warn.link_skipped", display_name(rel)))
                continue
            out.append(rel)
            if len(out) > MAX_FILES:
                raise InputError("chat.too_many_files", path=display_name(str(root)),
                                 limit=MAX_FILES)
    return out


def _want(fmt: str, found: Detected) -> bool:
    return fmt in ("auto", found.format)


def _depth(rel: str) -> int:
    return rel.count("/")


def plan_export(path: str | os.PathLike[str], fmt: str = "auto") -> ExportPlan:
    """Plan the import of the export at ``path`` (a folder or one file).

    Raises :class:`NotFoundError` (missing), :class:`InputError` (no chat export of the
    asked format found: the message names the path) — nothing is stored then.
    """
    if fmt not in FORMATS:
        raise InputError("chat.bad_format", format=fmt)
    given = Path(path)
    shown = display_name(str(given))
    try:
        st = os.stat(given)
    except FileNotFoundError:
        raise NotFoundError("capture.file.missing", path=shown) from None
    except OSError as exc:
        raise InputError("chat.unreadable_path", path=shown, reason=exc.strerror or "") from None
    if stat.S_ISREG(st.st_mode):
        found = detect_file(given)
        if found is None or not _want(fmt, found):
            raise InputError("chat.not_a_chat", path=shown)
        root = given.parent
        main = [given.name]
        if found.format == "telegram-html":
            main = _html_pages(root, [p.name for p in root.iterdir() if p.is_file()],
                               given.name)
        return ExportPlan(root=root, files=list(main), format=found.format,
                          variant=found.variant, main=main, single_file=True,
                          source_name=given.name)
    if not stat.S_ISDIR(st.st_mode):
        raise InputError("capture.file.not_regular", path=shown)
    problems: list[Warning_] = []
    files = _walk(given, problems)
    candidates: list[tuple[int, int, str, Detected]] = []
    rank = {"telegram-json": 0, "telegram-html": 1, "kakaotalk": 2, "line": 3}
    for rel in files:
        if _depth(rel) > 2:
            continue
        found = detect_file(given / rel)
        if found is not None and _want(fmt, found):
            candidates.append((rank[found.format], _depth(rel), rel, found))
    if not candidates:
        raise InputError("chat.no_chat_in_folder", path=shown)
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    _r, _d, first, found = candidates[0]
    if found.format == "telegram-html":
        folder = first.rsplit("/", 1)[0] + "/" if "/" in first else ""
        pages = [c[2] for c in candidates if c[3].format == "telegram-html"
                 and (c[2].rsplit("/", 1)[0] + "/" if "/" in c[2] else "") == folder]
        main = sorted(pages, key=lambda r: (html_file_order(r.rsplit("/", 1)[-1]) or 10**9, r))
    else:
        main = [first]
    others = [f for f in files if f not in set(main)]
    return ExportPlan(root=given, files=main + others, format=found.format,
                      variant=found.variant, main=main, single_file=False,
                      problems=problems, source_name=given.name)


def _html_pages(root: Path, names: list[str], given: str) -> list[str]:
    pages = [n for n in names if html_file_order(n) is not None]
    if given not in pages:
        return [given]
    good = [n for n in pages if n == given or head_looks_like_telegram_html(
        _head(root / n) or b"")]
    return sorted(good, key=lambda n: html_file_order(n) or 0)
