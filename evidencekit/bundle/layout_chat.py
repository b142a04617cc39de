"""A chat item's section of the bundle: the chat and the export, counts, then the key
messages (or every message, by the export option ``chat_all``) as a transcript table with
each message's id, time (the export's zone and UTC), sender and sender id, text, reply and
forward references, and its media with their SHA-256 and a small blurred preview.

:func:`prepare_chat_section` reads what the section needs from the vault (the transcript
part and the pictures of the messages shown; every read is hash-checked by the exporter's
reader); :func:`chat_flowables` lays it out. The raw files and the full transcript are
attached like every part.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, Spacer, Table, TableStyle

from evidencekit.bundle import images
from evidencekit.bundle.fonts import MONO
from evidencekit.bundle.styles import RULE, SHADE, Labels, Styles, esc, grid_style, hard_wrap
from evidencekit.capture.chat.selection import key_ids
from evidencekit.capture.chat.transcript import (
    Message,
    parse_transcript,
    transcript_index,
)
from evidencekit.errors import EvidenceKitError
from evidencekit.model import Item

__all__ = ["ChatSection", "prepare_chat_section", "chat_flowables", "FIRST_MESSAGES"]

log = logging.getLogger(__name__)

#: Messages shown when none is marked as a key message and ``chat_all`` is off.
FIRST_MESSAGES = 50
MAX_THUMBS = 400
THUMB_PT = 20 * mm
THUMB_READ_LIMIT = 32 * 1024 * 1024
MAX_CELL_TEXT = 1200
_PICTURE_KINDS = {"photo", "thumbnail", "sticker", "animation", "file"}

Reader = Callable[[Item, int, int], bytes]


@dataclass
class ChatSection:
    """What the section prints (made by :func:`prepare_chat_section`)."""

    item: Item
    info: dict[str, Any]
    messages: list[Message] = field(default_factory=list)
    total: int = 0
    mode: str = "selected"  # selected | all | first
    notes: dict[str, str] = field(default_factory=dict)
    thumbs: dict[int, images.Preview] = field(default_factory=dict)
    problem: str | None = None


def _pictures(item: Item, m: Message) -> list[int]:
    out: list[int] = []
    for x in m.media:
        if x.part is None or x.gap is not None or not 0 <= x.part < len(item.parts):
            continue
        part = item.parts[x.part]
        mt = part.media_type.split(";", 1)[0].strip().lower()
        if x.kind in _PICTURE_KINDS and mt in images.IMAGE_TYPES:
            out.append(x.part)
    return out


def prepare_chat_section(item: Item, read: Reader, *, chat_all: bool = False) -> ChatSection:
    """Read the transcript of chat ``item`` and the pictures of the messages to show."""
    info = item.metadata.get("chat") if isinstance(item.metadata, dict) else None
    section = ChatSection(item=item, info=dict(info) if isinstance(info, dict) else {})
    index = transcript_index(item)
    if index is None:
        section.problem = "chat.bundle.no_transcript"
        return section
    try:
        data = read(item, index, item.parts[index].size + 1)
        transcript = parse_transcript(data, item)
    except EvidenceKitError as exc:
        if exc.exit_code == 3 and exc.key != "chat.transcript_damaged":
            raise  # a part failing its hash stops the export, as for every item
        section.problem = "chat.bundle.no_transcript"
        return section
    del data
    section.total = len(transcript.messages)
    section.notes = key_ids(item)
    if chat_all:
        section.mode, section.messages = "all", transcript.messages
    elif section.notes:
        section.messages = [m for m in transcript.messages if m.id in section.notes]
    else:
        section.mode, section.messages = "first", transcript.messages[:FIRST_MESSAGES]
    for m in section.messages:
        for part in _pictures(item, m):
            if part in section.thumbs or len(section.thumbs) >= MAX_THUMBS:
                continue
            if item.parts[part].size > THUMB_READ_LIMIT:
                section.thumbs[part] = images.Preview(problem="bundle.preview.big")
                continue
            raw = read(item, part, THUMB_READ_LIMIT)
            section.thumbs[part] = images.preview_image(raw, max_w_pt=THUMB_PT,
                                                        max_h_pt=THUMB_PT, blur=True)
    return section


# -- layout ------------------------------------------------------------------------------


def _zone(name: str) -> Any:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _when(value: str | None, zone: Any) -> tuple[str, str]:
    if not value:
        return "—", ""
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return value, ""
    local = dt.astimezone(zone)
    return (f"{local.strftime('%Y-%m-%d %H:%M:%S')} {local.tzname()}",
            f"{dt.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S')} UTC")


def _kv(rows: list[tuple[str, str]], st: Styles, width: float, mono: set[int]) -> Table:
    label_w = 44 * mm
    data = []
    for i, (k, v) in enumerate(rows):
        if i in mono:
            value = Paragraph(hard_wrap(v, MONO, st.mono_small.fontSize, width - label_w - 13),
                              st.mono_small)
        else:
            value = Paragraph(esc(v).replace("\n", "<br/>"), st.cell_wrap)
        data.append([Paragraph(esc(k), st.cell_bold), value])
    t = Table(data, colWidths=[label_w, width - label_w])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                           ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                           ("BACKGROUND", (0, 0), (0, -1), SHADE)]))
    return t


def _gap_text(labels: Labels, gap: str) -> str:
    key = f"chat.gap.{gap}"
    return labels(key) if gap.isidentifier() and labels.has(key) else gap


def _info_rows(section: ChatSection, labels: Labels) -> tuple[list[tuple[str, str]], set[int]]:
    info = section.info
    counts = info.get("counts") or {}
    rows: list[tuple[str, str]] = [
        (labels("chat.bundle.name"), str(info.get("name") or "—")),
        (labels("chat.bundle.type"), str(info.get("type") or "—")),
        (labels("chat.bundle.id"), str(info.get("id") or "—")),
        (labels("chat.bundle.format"), f"{info.get('format', '—')} ({info.get('variant', '')})"),
    ]
    if int(info.get("chat_count") or 0) > 1:
        names = ", ".join(str(c.get("name") or c.get("id")) for c in info.get("chats", [])[:30])
        rows.append((labels("chat.bundle.chats", count=info.get("chat_count")), names))
    export = info.get("export") or {}
    if isinstance(export, dict):
        for key in ("header", "saved", "about", "encoding"):
            if export.get(key):
                rows.append((labels(f"chat.bundle.export.{key}"), str(export[key])[:500]))
    rows += [
        (labels("chat.bundle.counts"), labels(
            "chat.bundle.counts_value", messages=counts.get("messages", 0),
            service=counts.get("service_messages", 0), media=counts.get("media", 0),
            gaps=counts.get("gaps", 0), files=info.get("files", 0))),
        (labels("chat.bundle.period"),
         f"{_when(counts.get('first_utc'), UTC)[0]} — {_when(counts.get('last_utc'), UTC)[0]}"),
        (labels("chat.bundle.zone"), labels(
            "chat.bundle.zone_used" if info.get("zone_used") else "chat.bundle.zone_unused",
            zone=info.get("zone", "—"))),
    ]
    if counts.get("unparsed_times"):
        rows.append((labels("chat.bundle.unparsed"), str(counts["unparsed_times"])))
    if info.get("missing_files"):
        rows.append((labels("chat.bundle.missing_files"), str(info["missing_files"])))
    mono: set[int] = set()
    links = list(info.get("links") or [])
    if links:
        mono.add(len(rows))
        more = f"\n(+{len(links) - 30})" if len(links) > 30 else ""
        rows.append((labels("chat.bundle.links", count=len(links)), "\n".join(links[:30]) + more))
    handles = list(info.get("handles") or [])
    if handles:
        rows.append((labels("chat.bundle.handles", count=len(handles)),
                     ", ".join(handles[:60]) + (" …" if len(handles) > 60 else "")))
    warnings = info.get("warnings") or []
    if warnings:
        lines = []
        for w in warnings[:20]:
            params = {k: v for k, v in w.items() if k not in ("key", "file")}
            lines.append(f"{w.get('file')}: {labels(str(w.get('key')), **params)}")
        rows.append((labels("chat.bundle.warnings"), "\n".join(lines)))
    return rows, mono


def _media_cell(section: ChatSection, m: Message, labels: Labels, st: Styles,
                width: float) -> list[Flowable]:
    out: list[Flowable] = []
    inner = width - 12.5
    for x in m.media:
        if x.kind == "thumbnail" and x.part is not None:
            continue  # shown as the picture of its video
        out.append(Paragraph(esc(labels(f"chat.media.{x.kind}") if labels.has(
            f"chat.media.{x.kind}") else x.kind), st.cell_bold))
        if x.gap is not None:
            out.append(Paragraph(f"<font color='#8a1c1c'>{esc(labels('chat.bundle.gap'))}: "
                                 f"{esc(_gap_text(labels, x.gap))}</font>", st.cell_wrap))
            if x.path:
                out.append(Paragraph(hard_wrap(x.path, MONO, 6.5, inner), st.mono_small))
            continue
        if x.path:
            out.append(Paragraph(hard_wrap(x.path, MONO, st.mono_small.fontSize, inner),
                                 st.mono_small))
        if x.sha256:
            out.append(Paragraph("SHA-256 " + hard_wrap(x.sha256, MONO, st.mono_small.fontSize,
                                                        inner - 30), st.mono_small))
    for part in _pictures(section.item, m):
        preview = section.thumbs.get(part)
        if preview is not None and preview.images:
            img = preview.images[0]
            out.append(Image(io.BytesIO(img.jpeg), img.width_pt, img.height_pt))
            break
    return out


def _text_cell(m: Message, section: ChatSection, labels: Labels, st: Styles) -> Paragraph:
    bits: list[str] = []
    if m.forwarded_from:
        bits.append(f"<i>{esc(labels('chat.bundle.forwarded', name=m.forwarded_from))}</i>")
    if m.reply_to:
        bits.append(f"<i>{esc(labels('chat.bundle.reply', id=m.reply_to))}</i>")
    text = m.text
    if len(text) > MAX_CELL_TEXT:
        text = text[:MAX_CELL_TEXT] + "…"
    body = esc(text).replace("\n", "<br/>")
    if m.kind == "service":
        body = f"<i>{body or esc(m.action or '')}</i>"
    bits.append(body)
    if len(m.text) > MAX_CELL_TEXT:
        bits.append(f"<font color='#555555'>{esc(labels('chat.bundle.text_cut', n=len(m.text)))}"
                    "</font>")
    if m.edited_utc or m.edited_text:
        bits.append(f"<font color='#555555'>{esc(labels('chat.bundle.edited'))}: "
                    f"{esc(_when(m.edited_utc, UTC)[0] if m.edited_utc else m.edited_text)}"
                    "</font>")
    note = section.notes.get(m.id)
    if note:
        bits.append(f"<b>{esc(labels('chat.bundle.note'))}:</b> {esc(note)}")
    return Paragraph("<br/>".join(b for b in bits if b), st.cell_wrap)


def chat_flowables(section: ChatSection, labels: Labels, st: Styles, width: float
                   ) -> list[Flowable]:
    """The chat section: export details, then the transcript table."""
    out: list[Flowable] = [Paragraph(esc(labels("chat.bundle.heading")), st.h2)]
    rows, mono = _info_rows(section, labels)
    out.append(_kv(rows, st, width, mono))
    out.append(Spacer(1, 3 * mm))
    if section.problem is not None:
        out.append(Paragraph(esc(labels(section.problem)), st.warning))
        return out
    mode_key = {"all": "chat.bundle.shown_all", "first": "chat.bundle.shown_first",
                "selected": "chat.bundle.shown_selected"}[section.mode]
    out.append(Paragraph(esc(labels("chat.bundle.transcript")), st.h2))
    for text in labels.texts(mode_key, shown=len(section.messages), total=section.total):
        out.append(Paragraph(esc(text), st.small))
    if not section.messages:
        return out
    zone = _zone(section.item.timezone)
    widths = [13 * mm, 31 * mm, 27 * mm, 0.0, 44 * mm]
    widths[3] = width - sum(widths)
    head = [Paragraph(esc(labels(k)), st.cell_head) for k in (
        "chat.bundle.col.id", "chat.bundle.col.time", "chat.bundle.col.sender",
        "chat.bundle.col.text", "chat.bundle.col.media")]
    data: list[list[Any]] = [head]
    for m in section.messages:
        local, utc = _when(m.time_utc, zone)
        if m.time_flag:
            local = f"{m.time_text}"
            utc = labels("chat.bundle.time_unparsed")
        time_par = Paragraph(f"{esc(local)}<br/><font color='#555555'>{esc(utc)}</font>",
                             st.cell_wrap)
        sender = esc(m.sender or labels("chat.bundle.system"))
        if m.sender_id:
            sender += "<br/>" + hard_wrap(m.sender_id, MONO, 6.5, widths[2] - 12.5)
        data.append([
            Paragraph(hard_wrap(m.id, MONO, st.mono_small.fontSize, widths[0] - 12.5),
                      st.mono_small),
            time_par,
            Paragraph(sender, st.cell_wrap),
            _text_cell(m, section, labels, st),
            _media_cell(section, m, labels, st, widths[4]) or "",
        ])
    table = Table(data, colWidths=widths, repeatRows=1, splitByRow=1)
    table.setStyle(grid_style())
    out.append(table)
    return out
