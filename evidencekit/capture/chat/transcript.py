"""The parsed transcript of a chat export: what every parser produces and what is stored.

A transcript is kept as one encrypted part of the chat item, ``transcript.jsonl.gz``
(gzip-compressed JSON Lines, UTF-8; ``zcat`` reads it): the first line is a header
(format, chat, counts), each further line one :class:`Message`. It is compressed while
the parser runs, so a 100 MB export's transcript takes a fraction of that in memory.
Media point to the part of the same item holding the file (``part``, an index into
``item.parts``); the part's SHA-256 is taken from the item when the transcript is loaded
(:func:`load_transcript`), so there is one source of truth for every hash. Media the
export did not include are kept as gaps with the placeholder text, never dropped.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, overload

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
    "MessageList",
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

TRANSCRIPT_PART = "transcript.jsonl.gz"
TRANSCRIPT_MEDIA_TYPE = "application/gzip"
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
            elif x.kind != "thumbnail":  # a video's preview picture is not counted twice
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
    """Builds ``transcript.jsonl.gz``: each message becomes one compact UTF-8 line,
    compressed at once, so only the compressed bytes are kept (never the parsed objects,
    never the media). The header, known only at the end, is a first gzip member of its own
    (a gzip file may hold several members; readers see one stream)."""

    def __init__(self) -> None:
        self._zip = zlib.compressobj(6, zlib.DEFLATED, 31)
        self._chunks: list[bytes] = []
        self._count = 0
        self.collector = Collector()

    def add(self, m: Message) -> None:
        self.collector.add(m)
        line = json.dumps(encode_message(m), ensure_ascii=False, separators=(",", ":"))
        out = self._zip.compress(line.encode("utf-8") + b"\n")
        if out:
            self._chunks.append(out)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def finish(self, header: dict[str, Any]) -> bytes:
        head = {"format": TRANSCRIPT_FORMAT, "version": 1, **header}
        first = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        head_zip = zlib.compressobj(6, zlib.DEFLATED, 31)
        data = b"".join([head_zip.compress(first + b"\n"), head_zip.flush(),
                         *self._chunks, self._zip.flush()])
        self._chunks = []
        return data


class _PartReader(Protocol):
    def read_part(self, item: Item, index: int, out: Any, progress: Any = None) -> None: ...


_KEY_NAMES = ('"id","kind","time_utc","time_text","time_flag","sender","sender_id","text",'
              '"reply_to","forwarded_from","edited_utc","edited_text","action","chat",'
              '"entities","media","extra","type","href","user_id","path","part","gap",'
              '"mime_type"')
_ID_PREFIX = b'{"id":"'


class MessageList(Sequence[Message]):
    """The messages of a loaded transcript, kept as their JSON lines and decoded on first
    use, so a 100,000-message chat opens without building every object. Media hashes are
    filled from the item as each message is decoded. A line that does not decode raises
    :class:`IntegrityError` when it is reached."""

    def __init__(self, lines: list[bytes], item: Item | None = None) -> None:
        self.lines = lines
        self._item = item
        self._cache: list[Message | None] = [None] * len(lines)
        self._folded: list[str] | None = None

    def __len__(self) -> int:
        return len(self.lines)

    @overload
    def __getitem__(self, index: int) -> Message: ...

    @overload
    def __getitem__(self, index: slice) -> list[Message]: ...

    def __getitem__(self, index: int | slice) -> Message | list[Message]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self.lines)))]
        m = self._cache[index]
        if m is None:
            try:
                raw = json.loads(self.lines[index])
                m = decode_message(raw)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise IntegrityError("chat.transcript_damaged") from exc
            item = self._item
            if item is not None:
                for x in m.media:
                    if x.part is not None and 0 <= x.part < len(item.parts):
                        x.sha256 = item.parts[x.part].sha256
                        x.size = item.parts[x.part].size
            self._cache[index] = m
        return m

    def __iter__(self) -> Iterator[Message]:
        for i in range(len(self.lines)):
            yield self[i]

    def id_at(self, index: int) -> str:
        """The id of message ``index`` (read from the line's start, no full decode)."""
        line = self.lines[index]
        if line.startswith(_ID_PREFIX):
            end = line.find(b'"', len(_ID_PREFIX))
            if end > 0 and b"\\" not in line[len(_ID_PREFIX):end]:
                return line[len(_ID_PREFIX):end].decode("utf-8", errors="replace")
        return self[index].id

    def search(self, query: str) -> list[int]:
        """Positions of the messages whose record contains ``query`` (case-insensitive):
        the text, sender, forward source, sender id, time text or media file names."""
        needle = query.strip().casefold()
        if not needle:
            return list(range(len(self.lines)))
        if self._folded is None:
            self._folded = [line.decode("utf-8", errors="replace").casefold()
                            for line in self.lines]
        escaped = json.dumps(needle, ensure_ascii=False)[1:-1]
        hits = [i for i, line in enumerate(self._folded) if escaped in line]
        if escaped in _KEY_NAMES:  # the query is (part of) a field name: check the values
            hits = [i for i in hits if needle in self[i].search_text()]
        return hits


@dataclass
class Transcript:
    """A loaded transcript: header plus messages, media hashes filled from the item."""

    header: dict[str, Any]
    messages: Sequence[Message]

    @property
    def chats(self) -> list[ChatInfo]:
        return [ChatInfo(**c) for c in self.header.get("chats", [])]

    def by_id(self) -> dict[str, Message]:
        return {m.id: m for m in self.messages}

    def select(self, ids: Iterable[str]) -> list[Message]:
        wanted = set(ids)
        return [m for m in self.messages if m.id in wanted]


def parse_transcript(data: bytes, item: Item | None = None) -> Transcript:
    """Parse the transcript part's bytes (gzip or plain JSON Lines); with ``item``, media
    get the part's SHA-256 and size.

    Only the header is decoded here; each message line is decoded when first used (see
    :class:`MessageList`).
    """
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise IntegrityError("chat.transcript_damaged") from exc
    cut = data.find(b"\n")
    first, rest = (data, b"") if cut < 0 else (data[:cut], data[cut + 1:])
    try:
        header = json.loads(first)
        if not isinstance(header, dict) or header.get("format") != TRANSCRIPT_FORMAT:
            raise ValueError("not a transcript")
    except (ValueError, TypeError) as exc:
        raise IntegrityError("chat.transcript_damaged") from exc
    lines = [line for line in rest.split(b"\n") if line.strip()]
    return Transcript(header=header, messages=MessageList(lines, item))


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
