"""The parsed transcript of a chat export: what every parser produces and what is stored.

A transcript is kept as one encrypted part of the chat item, ``transcript.jsonl`` (JSON
Lines, UTF-8): the first line is a header (format, chat, counts, links and handles), each
further line one :class:`Message`. Media point to the part of the same item holding the
file (``part``, an index into ``item.parts``); the part's SHA-256 is taken from the item
when the transcript is loaded (:func:`load_transcript`), so there is one source of truth
for every hash. Media the export did not include are kept as gaps with the placeholder
text, never dropped.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from evidencekit.errors import IntegrityError
from evidencekit.model import Item

__all__ = [
    "TRANSCRIPT_PART",
    "TRANSCRIPT_MEDIA_TYPE",
    "TRANSCRIPT_FORMAT",
    "Media",
    "Message",
    "ChatInfo",
    "Transcript",
    "TranscriptWriter",
    "Collector",
    "encode_message",
    "decode_message",
    "load_transcript",
    "parse_transcript",
    "transcript_index",
    "find_links",
    "find_handles",
    "utc_text",
]

log = logging.getLogger(__name__)

TRANSCRIPT_PART = "transcript.jsonl"
TRANSCRIPT_MEDIA_TYPE = "application/jsonl"
TRANSCRIPT_FORMAT = "evidencekit-chat-transcript"
MAX_COLLECTED = 5000  # links / handles kept in the item's metadata

_LINK = re.compile(r"(?i)\b(?:https?://|www\.|t\.me/)[^\s<>\"'()\[\]{}]+")
_HANDLE = re.compile(r"(?<![\w@.])@([A-Za-z][A-Za-z0-9_]{3,31})\b")
_TRAILING = ".,;:!?…'\""


def find_links(text: str) -> list[str]:
    """Links in ``text`` (http/https, ``www.`` and ``t.me/``), trailing punctuation cut."""
    return [m.group(0).rstrip(_TRAILING) for m in _LINK.finditer(text)]


def find_handles(text: str) -> list[str]:
    """``@handles`` in ``text`` (Telegram-style user names, 4–32 characters)."""
    return ["@" + m.group(1) for m in _HANDLE.finditer(text)]


def utc_text(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


@dataclass
class Media:
    """A media file of a message: present (``part`` set) or a gap (``gap`` says why)."""

    kind: str
    path: str | None = None  # the path inside the export, as the export wrote it
    part: int | None = None
    gap: str | None = None  # placeholder text / reason code when the file is not there
    mime_type: str | None = None
    sha256: str | None = None  # filled from the item on load, never stored
    size: int | None = None

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind}
        for key in ("path", "part", "gap", "mime_type"):
            value = getattr(self, key)
            if value is not None:
                d[key] = value
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Media:
        return cls(kind=str(d.get("kind", "file")), path=d.get("path"), part=d.get("part"),
                   gap=d.get("gap"), mime_type=d.get("mime_type"))


@dataclass
class Message:
    """One message (or service line) of a chat."""

    id: str  # the export's message id, or the line number where the format has none
    kind: str = "message"  # message | service | unsupported
    time_utc: str | None = None
    time_text: str = ""
    time_flag: str | None = None  # "unparsed" when the time text could not be read
    sender: str = ""
    sender_id: str = ""
    text: str = ""
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_to: str | None = None
    forwarded_from: str | None = None
    edited_utc: str | None = None
    edited_text: str | None = None
    action: str | None = None
    media: list[Media] = field(default_factory=list)
    chat: int | None = None  # position of the chat in a whole-account export
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def number(self) -> int | None:
        """The numeric id (for ranges), or None."""
        tail = self.id.rsplit(":", 1)[-1]
        return int(tail) if tail.lstrip("-").isdigit() else None

    def search_text(self) -> str:
        return f"{self.sender}\n{self.text}\n{self.forwarded_from or ''}".casefold()


def encode_message(m: Message) -> dict[str, Any]:
    d: dict[str, Any] = {"id": m.id}
    if m.kind != "message":
        d["kind"] = m.kind
    for key in ("time_utc", "time_text", "time_flag", "sender", "sender_id", "text",
                "reply_to", "forwarded_from", "edited_utc", "edited_text", "action", "chat"):
        value = getattr(m, key)
        if value not in (None, ""):
            d[key] = value
    if m.entities:
        d["entities"] = m.entities
    if m.media:
        d["media"] = [x.to_json() for x in m.media]
    if m.extra:
        d["extra"] = m.extra
    return d


def decode_message(d: dict[str, Any]) -> Message:
    return Message(
        id=str(d["id"]), kind=str(d.get("kind", "message")), time_utc=d.get("time_utc"),
        time_text=str(d.get("time_text", "")), time_flag=d.get("time_flag"),
        sender=str(d.get("sender", "")), sender_id=str(d.get("sender_id", "")),
        text=str(d.get("text", "")), entities=list(d.get("entities") or []),
        reply_to=d.get("reply_to"), forwarded_from=d.get("forwarded_from"),
        edited_utc=d.get("edited_utc"), edited_text=d.get("edited_text"),
        action=d.get("action"), media=[Media.from_json(x) for x in d.get("media") or []],
        chat=d.get("chat"), extra=dict(d.get("extra") or {}),
    )


@dataclass
class ChatInfo:
    """One chat of the export (a whole-account Telegram export has several)."""

    name: str = ""
    type: str = ""
    id: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type, "id": self.id}


class Collector:
    """Running counts, links and handles gathered while a parser emits messages."""

    def __init__(self) -> None:
        self.messages = 0
        self.service = 0
        self.media = 0
        self.gaps = 0
        self.unparsed_times = 0
        self.missing_files = 0
        self.first_utc: str | None = None
        self.last_utc: str | None = None
        self.links: dict[str, None] = {}
        self.handles: dict[str, None] = {}
        self.senders: dict[str, None] = {}

    def add(self, m: Message) -> None:
        self.messages += 1
        if m.kind == "service":
            self.service += 1
        if m.time_flag:
            self.unparsed_times += 1
        if m.time_utc:
            if self.first_utc is None or m.time_utc < self.first_utc:
                self.first_utc = m.time_utc
            if self.last_utc is None or m.time_utc > self.last_utc:
                self.last_utc = m.time_utc
        for x in m.media:
            if x.gap is not None:
                self.gaps += 1
                if x.gap == "missing_file":
                    self.missing_files += 1
            else:
                self.media += 1
        if m.sender and len(self.senders) < MAX_COLLECTED:
            self.senders.setdefault(m.sender, None)
        found = list(find_links(m.text))
        found += [str(e["href"]) for e in m.entities if e.get("href")]
        for link in found:
            if len(self.links) < MAX_COLLECTED:
                self.links.setdefault(link, None)
        for handle in find_handles(m.text):
            if len(self.handles) < MAX_COLLECTED:
                self.handles.setdefault(handle, None)

    def summary(self) -> dict[str, Any]:
        return {
            "messages": self.messages, "service_messages": self.service,
            "media": self.media, "gaps": self.gaps, "unparsed_times": self.unparsed_times,
            "first_utc": self.first_utc, "last_utc": self.last_utc,
        }


class TranscriptWriter:
    """Builds ``transcript.jsonl`` in memory as compact UTF-8 lines (one per message).

    Only the encoded bytes are kept (never the parsed objects), so memory grows with the
    transcript's size, not with the export's (media are never read here).
    """

    def __init__(self) -> None:
        self._lines: list[bytes] = []
        self.collector = Collector()

    def add(self, m: Message) -> None:
        self.collector.add(m)
        self._lines.append(json.dumps(encode_message(m), ensure_ascii=False,
                                      separators=(",", ":")).encode("utf-8"))

    def __len__(self) -> int:
        return len(self._lines)

    def finish(self, header: dict[str, Any]) -> bytes:
        head = {"format": TRANSCRIPT_FORMAT, "version": 1, **header}
        first = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        data = b"\n".join([first, *self._lines]) + b"\n"
        self._lines = []
        return data


class _PartReader(Protocol):
    def read_part(self, item: Item, index: int, out: Any, progress: Any = None) -> None: ...


@dataclass
class Transcript:
    """A loaded transcript: header plus messages, media hashes filled from the item."""

    header: dict[str, Any]
    messages: list[Message]

    @property
    def chats(self) -> list[ChatInfo]:
        return [ChatInfo(**c) for c in self.header.get("chats", [])]

    def by_id(self) -> dict[str, Message]:
        return {m.id: m for m in self.messages}

    def select(self, ids: Iterable[str]) -> list[Message]:
        wanted = set(ids)
        return [m for m in self.messages if m.id in wanted]


def _lines(data: bytes) -> Iterator[bytes]:
    for line in io.BytesIO(data):
        line = line.strip()
        if line:
            yield line


def parse_transcript(data: bytes, item: Item | None = None) -> Transcript:
    """Parse ``transcript.jsonl`` bytes; with ``item``, fill each media's SHA-256/size."""
    lines = _lines(data)
    try:
        header = json.loads(next(lines))
        if not isinstance(header, dict) or header.get("format") != TRANSCRIPT_FORMAT:
            raise ValueError("not a transcript")
        messages = [decode_message(json.loads(line)) for line in lines]
    except (StopIteration, ValueError, KeyError, TypeError) as exc:
        raise IntegrityError("chat.transcript_damaged") from exc
    if item is not None:
        for m in messages:
            for x in m.media:
                if x.part is not None and 0 <= x.part < len(item.parts):
                    x.sha256 = item.parts[x.part].sha256
                    x.size = item.parts[x.part].size
    return Transcript(header=header, messages=messages)


def transcript_index(item: Item) -> int | None:
    """The index of the transcript part of a chat item, or None."""
    chat = item.metadata.get("chat") if isinstance(item.metadata, dict) else None
    if isinstance(chat, dict) and isinstance(chat.get("transcript_part"), int):
        index = int(chat["transcript_part"])
        if 0 <= index < len(item.parts) and item.parts[index].name == TRANSCRIPT_PART:
            return index
    for i, p in enumerate(item.parts):
        if p.name == TRANSCRIPT_PART:
            return i
    return None


def load_transcript(source: _PartReader, item: Item) -> Transcript:
    """Read and parse the transcript part of ``item`` (hash checked by the vault)."""
    from evidencekit.errors import InputError

    index = transcript_index(item)
    if index is None:
        raise InputError("chat.not_a_chat_item", number=item.number)
    buf = io.BytesIO()
    source.read_part(item, index, buf)
    return parse_transcript(buf.getvalue(), item)
