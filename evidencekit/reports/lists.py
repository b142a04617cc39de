"""The four reporting lists as tables: which items each takes, its columns and rows.

* ``deletion`` — 디지털성범죄피해자지원센터 삭제지원 요청 목록: one row per URL (link items,
  and links read from screenshots), with platform, URL, post title, date found (KST),
  capture item number and SHA-256, search keywords (the item's tags), notes and the
  latest re-check status.
* ``kcsc`` — 방송통신심의위원회 신고용 URL 목록: URL, platform, title, date found, proof item.
* ``police`` — 경찰 제출용 첨부 묶음 (ECRM): one row per original file with its SHA-256 and
  the pack file it travels in (see :mod:`evidencekit.reports.ecrm`).
* ``hashes`` — 플랫폼 신고용 해시 목록: SHA-256, MD5 and PDQ of every picture and video;
  no picture leaves the vault.

Times are printed in Korea Standard Time, ``2024-08-27 15:15:02 KST``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, BinaryIO, Protocol

from evidencekit.errors import InputError
from evidencekit.model import Event, Item, Progress
from evidencekit.reports.platforms import platform_of
from evidencekit.similar.parts import entries_of

__all__ = ["KINDS", "Column", "ReportTable", "build_table", "kst", "latest_status",
           "ReportSource"]

KINDS = ("deletion", "kcsc", "police", "hashes")
KST_ZONE = timezone(timedelta(hours=9), "KST")


class ReportSource(Protocol):
    def items(self, include_deleted: bool = False) -> list[Item]: ...
    def item(self, number: int) -> Item: ...
    def events(self) -> list[Event]: ...
    def read_part(self, item: Item, index: int, out: BinaryIO,
                  progress: Progress | None = None) -> None: ...


@dataclass(frozen=True)
class Column:
    key: str  # message key suffix: reports.col.<key>
    width: float  # relative width (PDF) and characters (XLSX)
    mono: bool = False


@dataclass
class ReportTable:
    kind: str
    columns: list[Column]
    rows: list[list[str]] = field(default_factory=list)
    items: list[int] = field(default_factory=list)  # the item numbers the rows come from


def kst(value: str | None) -> str:
    """``2024-08-27 15:15:02 KST`` from an ISO 8601 time."""
    if not value:
        return ""
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return value
    if dt.tzinfo is None:
        return value
    return dt.astimezone(KST_ZONE).strftime("%Y-%m-%d %H:%M:%S KST")


def latest_status(events: Iterable[Event]) -> dict[str, dict[str, Any]]:
    """For each item id, the body of its latest ``link_rechecked`` event."""
    out: dict[str, dict[str, Any]] = {}
    for e in events:
        if e.kind == "link_rechecked" and e.item_id:
            out[e.item_id] = e.body
    return out


def _status_text(body: dict[str, Any] | None, tr: Callable[[str], str]) -> str:
    if not body:
        return tr("reports.status.never")
    status = str(body.get("status") or "unknown")
    key = f"reports.status.{status}" if status in ("online", "gone", "changed", "unknown") \
        else "reports.status.unknown"
    return f"{tr(key)} ({kst(str(body.get('checked_at') or body.get('at') or ''))})"


def _url_of(item: Item) -> str:
    return str(item.metadata.get("url") or item.source or "")


def _links_seen(item: Item) -> list[str]:
    ocr = item.metadata.get("ocr")
    if not isinstance(ocr, dict):
        return []
    return [str(u) for u in ocr.get("links") or [] if str(u).startswith(("http", "t.me"))]


def _url_rows(items: list[Item]) -> list[tuple[str, Item, bool]]:
    """(URL, proof item, read from a picture) for every link item and every URL read
    from a screenshot, each URL once (the link item wins)."""
    seen: dict[str, tuple[str, Item, bool]] = {}
    for item in items:
        if item.kind == "link" and _url_of(item):
            seen.setdefault(_url_of(item), (_url_of(item), item, False))
    for item in items:
        for url in _links_seen(item):
            full = url if url.startswith("http") else "https://" + url
            seen.setdefault(full, (full, item, True))
    return list(seen.values())


def _title(item: Item) -> str:
    return str(item.metadata.get("page_title") or item.title or "")


def _notes(item: Item) -> str:
    return " / ".join(n.text.replace("\n", " ") for n in item.notes)


def _select(source: ReportSource, numbers: list[int] | None) -> list[Item]:
    if numbers is None:
        return [i for i in source.items() if i.state != "deleted"]
    chosen = []
    for n in numbers:
        item = source.item(n)
        if item.state == "deleted":
            raise InputError("reports.item_deleted", number=n)
        chosen.append(item)
    return chosen


def _md5_and_sha256(source: ReportSource, item: Item, index: int) -> tuple[str, str]:
    class _Sink:
        def __init__(self) -> None:
            self.md5 = hashlib.md5(usedforsecurity=False)
            self.sha = hashlib.sha256()

        def write(self, b: bytes) -> int:
            self.md5.update(b)
            self.sha.update(b)
            return len(b)

    sink = _Sink()
    source.read_part(item, index, sink)  # type: ignore[arg-type]  # re-hashed by the vault
    return sink.md5.hexdigest(), sink.sha.hexdigest()


def build_table(source: ReportSource, kind: str, numbers: list[int] | None,
                tr: Callable[[str], str], progress: Progress | None = None) -> ReportTable:
    """The rows of one list over the chosen items (all live items by default)."""
    if kind not in KINDS:
        raise InputError("reports.bad_kind", kind=kind, kinds=", ".join(KINDS))
    items = _select(source, numbers)
    if kind in ("deletion", "kcsc"):
        status = latest_status(source.events())
        rows = _url_rows(items)
        if kind == "deletion":
            table = ReportTable(kind, [
                Column("no", 4), Column("platform", 14), Column("url", 36, mono=True),
                Column("title", 22), Column("found", 17), Column("item", 7),
                Column("sha256", 30, mono=True), Column("keywords", 14),
                Column("notes", 20), Column("status", 18)])
            for n, (url, item, read) in enumerate(rows, start=1):
                note = _notes(item)
                if read:
                    note = (tr("reports.note.read_from_picture") + (" / " + note if note
                                                                     else ""))
                table.rows.append([
                    str(n), platform_of(url), url, _title(item) if not read else "",
                    kst(item.captured_at_utc), f"#{item.number}", item.sha256 or "",
                    ", ".join(item.tags), note,
                    _status_text(status.get(item.id) if not read else None, tr)])
        else:
            table = ReportTable(kind, [
                Column("no", 4), Column("url", 40, mono=True), Column("platform", 14),
                Column("title", 24), Column("found", 17), Column("proof", 34, mono=True),
                Column("status", 18)])
            for n, (url, item, read) in enumerate(rows, start=1):
                table.rows.append([
                    str(n), url, platform_of(url), _title(item) if not read else "",
                    kst(item.captured_at_utc),
                    f"#{item.number} SHA-256 {item.sha256 or '-'}",
                    _status_text(status.get(item.id) if not read else None, tr)])
        table.items = sorted({item.number for _u, item, _r in rows})
        return table
    if kind == "hashes":
        table = ReportTable(kind, [
            Column("no", 4), Column("item", 7), Column("part", 18),
            Column("media_type", 12), Column("sha256", 34, mono=True),
            Column("md5", 22, mono=True), Column("pdq", 34, mono=True),
            Column("quality", 6)])
        wanted = [(item, i) for item in items for i, p in enumerate(item.parts)
                  if p.media_type.startswith(("image/", "video/"))]
        for n, (item, index) in enumerate(wanted, start=1):
            if progress is not None:
                progress(n - 1, len(wanted), "reports.progress.hashing")
            part = item.parts[index]
            md5, _sha = _md5_and_sha256(source, item, index)
            pdq = [e for e in entries_of(item) if e.part == part.name and e.crop is None]
            table.rows.append([
                str(n), f"#{item.number}", part.name, part.media_type, part.sha256, md5,
                pdq[0].hashes[0] if pdq else "", str(pdq[0].quality) if pdq else ""])
        table.items = sorted({item.number for item, _i in wanted})
        return table
    # police: the rows are filled by the ECRM pack (they name the pack files)
    table = ReportTable(kind, [
        Column("no", 4), Column("item", 7), Column("file", 30), Column("size", 12),
        Column("sha256", 34, mono=True), Column("pack_file", 22), Column("found", 17)])
    table.items = [i.number for i in items if i.parts]
    return table
