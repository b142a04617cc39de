"""Telegram Desktop's JSON export (``result.json``), single chat or whole account.

The file is stream-parsed with ijson, one message object at a time, so a 100 MB export is
never held in memory. Times come from ``date_unixtime`` (epoch seconds, exact); ``date``
(the exporting computer's wall clock, no offset) is kept as the original text. A broken or
truncated file keeps every message read before the damage and is reported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from evidencekit.capture.chat.context import ParseContext, localize
from evidencekit.capture.chat.transcript import ChatInfo, Message, utc_text

__all__ = ["CHAT_TYPES", "parse_telegram_json", "head_looks_like_telegram", "message_from"]

log = logging.getLogger(__name__)

CHAT_TYPES = frozenset({
    "personal_chat", "bot_chat", "private_group", "private_supergroup", "public_supergroup",
    "private_channel", "public_channel", "saved_messages", "replies",
})
ACCOUNT_KEYS = frozenset({"about", "personal_information", "contacts", "frequent_contacts",
                          "sessions", "chats", "left_chats", "profile_pictures",
                          "web_sessions", "other_data", "stories"})
_DOC_KINDS = {"sticker", "video_message", "voice_message", "animation", "video_file",
              "audio_file"}
_KEEP_ENTITY = {"link", "text_link", "mention", "mention_name", "hashtag", "email", "phone",
                "bot_command", "cashtag", "bank_card", "custom_emoji"}
_SKIP_FIELDS = {"id", "type", "date", "date_unixtime", "edited", "edited_unixtime", "from",
                "from_id", "actor", "actor_id", "action", "text", "text_entities",
                "reply_to_message_id", "forwarded_from", "photo", "file", "thumbnail",
                "media_type", "mime_type", "file_name", "file_size", "photo_file_size",
                "thumbnail_file_size"}


def head_looks_like_telegram(head: bytes) -> str | None:
    """``"chat"`` or ``"account"`` when the first bytes of a JSON file are a Telegram
    export (by its keys and chat type, not by the file name), else None."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        return None
    keys: list[str] = []
    chat_type: str | None = None
    try:
        for prefix, event, value in ijson.parse(text, use_float=True):
            if event == "map_key" and prefix == "":
                keys.append(str(value))
                if value in ("messages", "chats"):
                    break
            elif prefix == "type" and event == "string":
                chat_type = str(value)
    except (ijson.JSONError, ValueError):
        pass  # the head is cut mid-value: judge by what was read
    if "chats" in keys or ("about" in keys and ACCOUNT_KEYS.issuperset(keys)):
        return "account"
    if chat_type in CHAT_TYPES and ("messages" in keys or {"name", "id"} <= set(keys)):
        return "chat"
    if "messages" in keys and {"name", "type", "id"} <= set(keys):
        return "chat"
    return None


def _flat_text(value: Any) -> tuple[str, list[dict[str, Any]]]:
    if isinstance(value, str):
        return value, []
    if not isinstance(value, list):
        return "", []
    parts: list[str] = []
    entities: list[dict[str, Any]] = []
    for piece in value:
        if isinstance(piece, str):
            parts.append(piece)
        elif isinstance(piece, dict):
            parts.append(str(piece.get("text", "")))
            if piece.get("type") in _KEEP_ENTITY:
                entities.append(_entity(piece))
    return "".join(parts), entities


def _entity(e: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": str(e.get("type")), "text": str(e.get("text", ""))}
    for key in ("href", "user_id", "document_id"):
        if e.get(key) is not None:
            out[key] = e[key] if key != "user_id" else str(e[key])
    return out


def _epoch(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _local(text: str, ctx: ParseContext) -> datetime | None:
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        ctx.zone_used = True
        dt = localize(dt, ctx.zone)
    return dt


def _small(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) or (
        isinstance(value, (list, dict)) and len(str(value)) <= 2000)


def message_from(raw: dict[str, Any], ctx: ParseContext, base: str,
                 chat: int | None) -> Message:
    """A :class:`Message` from one object of a ``messages`` array."""
    prefix = f"{chat}:" if chat is not None else ""
    m = Message(id=f"{prefix}{raw.get('id', '?')}", kind=str(raw.get("type", "message")),
                chat=chat)
    m.time_text = str(raw.get("date", ""))
    when = _epoch(raw.get("date_unixtime")) if raw.get("date_unixtime") else None
    if when is None and m.time_text:
        when = _local(m.time_text, ctx)
        if when is not None:
            m.extra["time_zone_assumed"] = ctx.zone_name
    if when is None:
        m.time_flag = "unparsed"
    else:
        m.time_utc = utc_text(when)
    if raw.get("edited") or raw.get("edited_unixtime"):
        m.edited_text = str(raw.get("edited", ""))
        edited = _epoch(raw.get("edited_unixtime"))
        if edited is None and m.edited_text:
            edited = _local(m.edited_text, ctx)
        if edited is not None:
            m.edited_utc = utc_text(edited)
    m.sender = str(raw.get("from") or raw.get("actor") or "")
    m.sender_id = str(raw.get("from_id") or raw.get("actor_id") or "")
    m.text, inline = _flat_text(raw.get("text"))
    entities = raw.get("text_entities")
    if isinstance(entities, list):
        m.entities = [_entity(e) for e in entities
                      if isinstance(e, dict) and e.get("type") in _KEEP_ENTITY]
    else:
        m.entities = inline
    if raw.get("reply_to_message_id") is not None:
        m.reply_to = f"{prefix}{raw['reply_to_message_id']}"
    if raw.get("forwarded_from") is not None:
        m.forwarded_from = str(raw["forwarded_from"])
    if raw.get("action") is not None:
        m.action = str(raw["action"])
    if "photo" in raw:
        m.media.append(ctx.media("photo", str(raw["photo"] or ""), base))
    if "file" in raw:
        kind = str(raw.get("media_type") or "file")
        kind = kind if kind in _DOC_KINDS else "file"
        media = ctx.media(kind, str(raw["file"] or ""), base,
                          str(raw["mime_type"]) if raw.get("mime_type") else None)
        m.media.append(media)
    thumb = raw.get("thumbnail")
    if isinstance(thumb, str) and thumb:
        media = ctx.media("thumbnail", thumb, base)
        if media.part is not None:
            m.media.append(media)
    for key, value in raw.items():
        if key not in _SKIP_FIELDS and value is not None and _small(value):
            m.extra[key] = value
    if raw.get("file_name"):
        m.extra["file_name"] = str(raw["file_name"])
    return m


def _chat_meta(fh: BinaryIO) -> ChatInfo:
    """name/type/id of a single-chat export (they come before ``messages``)."""
    info = ChatInfo()
    try:
        for prefix, event, value in ijson.parse(fh, use_float=True):
            if prefix == "" and event == "map_key" and value == "messages":
                break
            if prefix in ("name", "type", "id") and event in ("string", "number"):
                setattr(info, prefix, str(value))
    except (ijson.JSONError, ValueError):
        pass
    return info


def _single(fh: BinaryIO, ctx: ParseContext, rel: str) -> Iterator[dict[str, Any]]:
    yield from ijson.items(fh, "messages.item", use_float=True)


def _account(fh: BinaryIO, ctx: ParseContext, rel: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Messages of every chat of a whole-account export, with the chat's position; chat
    infos and the export's own small fields are recorded in ``ctx`` on the way."""
    builder: ijson.ObjectBuilder | None = None
    target = ""
    chat_prefixes = ("chats.list.item", "left_chats.list.item")
    personal: ijson.ObjectBuilder | None = None
    for prefix, event, value in ijson.parse(fh, use_float=True):
        if builder is not None:
            builder.event(event, value)
            if prefix == target and event == "end_map":
                yield len(ctx.chats) - 1, builder.value
                builder = None
            continue
        if prefix.endswith(".messages.item") and event == "start_map":
            target = prefix
            builder = ijson.ObjectBuilder()
            builder.event(event, value)
            continue
        if personal is not None:
            personal.event(event, value)
            if prefix == "personal_information" and event == "end_map":
                ctx.export["personal_information"] = personal.value
                personal = None
            continue
        if prefix == "personal_information" and event == "start_map":
            personal = ijson.ObjectBuilder()
            personal.event(event, value)
        elif prefix in chat_prefixes and event == "start_map":
            ctx.chats.append(ChatInfo())
        elif prefix == "about" and event == "string":
            ctx.export["about"] = str(value)
        elif ctx.chats and event in ("string", "number"):
            head, _, key = prefix.rpartition(".")
            if head in chat_prefixes and key in ("name", "type", "id"):
                setattr(ctx.chats[-1], key, str(value))
            if head in chat_prefixes and key == "type":
                ctx.chats[-1].type = str(value)
        elif prefix in ("contacts.list", "frequent_contacts.list") and event == "start_array":
            ctx.export.setdefault("sections", []).append(prefix.split(".")[0])


def parse_telegram_json(ctx: ParseContext, file: Path, rel: str, kind: str) -> None:
    """Parse one ``result.json`` into ``ctx`` (``kind``: ``chat`` or ``account``)."""
    ctx.variant = f"telegram-json-{kind}"
    count = 0
    try:
        with file.open("rb") as fh:
            if kind == "chat":
                ctx.chats.append(_chat_meta(fh))
                fh.seek(0)
                for raw in _single(fh, ctx, rel):
                    if isinstance(raw, dict):
                        ctx.emit(message_from(raw, ctx, rel, None))
                        count += 1
            else:
                for pos, raw in _account(fh, ctx, rel):
                    if isinstance(raw, dict):
                        ctx.emit(message_from(raw, ctx, rel, pos))
                        count += 1
    except (ijson.JSONError, ValueError, UnicodeDecodeError) as exc:
        log.info("telegram JSON stops after %d messages (%s)", count, type(exc).__name__)
        ctx.warn("chat.warn.json_broken", rel, count=count)
    except OSError as exc:
        ctx.warn("chat.warn.unreadable", rel, reason=exc.strerror or "")
    if ctx.chats and kind == "chat":
        ctx.export.setdefault("chat_type", ctx.chats[0].type)
