"""Importing a chat export as ONE evidence item: preserve first, then understand.

:func:`prepare_chat` plans the export (:mod:`.detect`), parses it into a transcript and
returns a :class:`ChatImport` whose :class:`~evidencekit.model.NewItem` has one part per
file of the export (streamed by the vault from the file's path, byte for byte, each hashed
and encrypted like any part; nothing is rewritten or read into memory here beyond file
heads), plus a last part ``transcript.jsonl``. :func:`import_chat` stores it and logs a
``chat_imported`` custody event naming the format, the counts and the time zone the
export's wall-clock times were read in.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evidencekit.capture.chat.context import ParseContext, Warning_
from evidencekit.capture.chat.detect import ExportPlan, plan_export
from evidencekit.capture.chat.kakaotalk import parse_kakaotalk
from evidencekit.capture.chat.line import parse_line
from evidencekit.capture.chat.telegram_html import parse_telegram_html
from evidencekit.capture.chat.telegram_json import parse_telegram_json
from evidencekit.capture.chat.transcript import (
    TRANSCRIPT_MEDIA_TYPE,
    TRANSCRIPT_PART,
)
from evidencekit.capture.files import display_name
from evidencekit.capture.sniff import OCTET_STREAM, sniff_path
from evidencekit.errors import InputError
from evidencekit.model import Item, NewItem, PartInput, Progress

__all__ = ["CHAT_KIND", "ChatImport", "prepare_chat", "import_chat", "check_zone"]

log = logging.getLogger(__name__)

CHAT_KIND = "chat"
DEFAULT_ZONE = "Asia/Seoul"
_MAX_PART_NAME = 200
_MAX_EXPORT_META = 20_000


@dataclass
class ChatImport:
    """A prepared chat item with what the parser found (warnings are per file)."""

    item: NewItem
    plan: ExportPlan
    summary: dict[str, Any]
    warnings: list[Warning_] = field(default_factory=list)


def check_zone(zone: str) -> str:
    """``zone`` if it is an IANA time zone name, else :class:`InputError`."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("chat.bad_zone", zone=zone) from None
    return zone


def _part_name(rel: str) -> str:
    shown = display_name(rel)
    if len(shown) > _MAX_PART_NAME:
        ext = os.path.splitext(shown)[1][:12]
        shown = shown[: _MAX_PART_NAME - len(ext) - 1] + "…" + ext
    return shown


def _media_type(path: Path) -> str:
    try:
        return sniff_path(path).media_type
    except OSError:
        return OCTET_STREAM


def _bounded(value: Any) -> Any:
    """The export's own metadata, cut so the item record stays small."""
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= _MAX_EXPORT_META:
        return value
    return {"cut": True, "text": text[:_MAX_EXPORT_META]}


def _parse(ctx: ParseContext, plan: ExportPlan) -> None:
    if plan.format == "telegram-json":
        rel = plan.main[0]
        parse_telegram_json(ctx, plan.root / rel, rel, plan.variant or "chat")
    elif plan.format == "telegram-html":
        parse_telegram_html(ctx, [(plan.root / rel, rel) for rel in plan.main])
    elif plan.format == "kakaotalk":
        rel = plan.main[0]
        parse_kakaotalk(ctx, plan.root / rel, rel, plan.variant)
    else:
        rel = plan.main[0]
        parse_line(ctx, plan.root / rel, rel)


def prepare_chat(
    path: str | os.PathLike[str], *, fmt: str = "auto", zone: str = DEFAULT_ZONE,
    title: str | None = None, progress: Progress | None = None,
) -> ChatImport:
    """Plan and parse the export at ``path``; the returned item is ready for
    ``vault.add_item``. Raises :class:`InputError` when no chat export is found (nothing
    is stored then); damage found while parsing becomes warnings, and the raw files are
    still all kept."""
    check_zone(zone)
    plan = plan_export(path, fmt)
    if progress is not None:
        progress(0, 0, "chat.progress.parsing")
    ctx = ParseContext(plan.root, plan.files, zone, progress, on_demand=plan.single_file)
    _parse(ctx, plan)
    warnings = list(plan.problems) + list(ctx.warnings)
    collector = ctx.writer.collector
    if collector.messages == 0:
        warnings.append(Warning_("chat.warn.no_messages", display_name(plan.main[0])))
    files = ctx.files  # may have grown (single file: the media it names)
    parts = [PartInput(name=_part_name(rel), media_type=_media_type(plan.root / rel),
                       path=plan.root / rel) for rel in files]
    exact = {str(i): rel for i, rel in enumerate(files) if _part_name(rel) != rel}
    summary = collector.summary()
    chats = [c.to_json() for c in ctx.chats]
    main_chat = chats[0] if chats else {"name": "", "type": "", "id": ""}
    header = {
        "source_format": plan.format, "variant": ctx.variant, "chats": chats,
        "zone": zone, "zone_used": ctx.zone_used, "counts": summary,
        "main_files": plan.main,
    }
    data = ctx.writer.finish(header)
    parts.append(PartInput(name=TRANSCRIPT_PART, media_type=TRANSCRIPT_MEDIA_TYPE, data=data))
    unreferenced = len(files) - len(plan.main) - len(ctx.referenced)
    gap_files = collector.missing_files
    if gap_files:
        warnings.append(Warning_("chat.warn.missing_media", display_name(plan.main[0]),
                                 {"count": gap_files}))
    chat_meta: dict[str, Any] = {
        "format": plan.format, "variant": ctx.variant, "name": main_chat["name"],
        "type": main_chat["type"], "id": main_chat["id"], "chats": chats[:500],
        "chat_count": len(chats), "export": _bounded(ctx.export), "counts": summary,
        "zone": zone, "zone_used": ctx.zone_used, "files": len(files),
        "main_files": plan.main, "transcript_part": len(parts) - 1,
        "unreferenced_files": max(0, unreferenced), "links": list(collector.links),
        "handles": list(collector.handles), "senders": len(collector.senders),
        "warnings": [w.to_json() for w in warnings[:200]],
    }
    if gap_files:
        chat_meta["missing_files"] = gap_files
    if exact:
        chat_meta["exact_paths"] = exact
    shown = display_name(plan.source_name or str(path))
    name = main_chat["name"] or shown
    item = NewItem(
        kind=CHAT_KIND, title=title.strip() if title and title.strip() else name,
        source=shown, parts=parts, metadata={"chat": chat_meta},
        timezone=zone,
    )
    log.info("chat export prepared: %s, %d messages, %d files", plan.format,
             collector.messages, len(files))
    return ChatImport(item=item, plan=plan, summary=summary, warnings=warnings)


def import_chat(
    vault: Any, path: str | os.PathLike[str], *, fmt: str = "auto", zone: str = DEFAULT_ZONE,
    title: str | None = None, progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> tuple[Item, ChatImport]:
    """Prepare the export at ``path`` and store it in ``vault`` as one chat item, then log
    ``chat_imported`` (format, counts, zone, transcript hash)."""
    prepared = prepare_chat(path, fmt=fmt, zone=zone, title=title, progress=progress)
    item = vault.add_item(prepared.item, progress=progress, cancel=cancel)
    meta = prepared.item.metadata["chat"]
    transcript = item.parts[-1]
    vault.log_event(
        "chat_imported", item, format=meta["format"], variant=meta["variant"],
        zone=zone, zone_used=meta["zone_used"], messages=meta["counts"]["messages"],
        media=meta["counts"]["media"], gaps=meta["counts"]["gaps"], files=meta["files"],
        transcript_sha256=transcript.sha256,
        warnings=sorted({w.key for w in prepared.warnings}),
    )
    return item, prepared
