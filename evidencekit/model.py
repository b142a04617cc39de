"""The data that flows between capture, the vault, the bundle and the GUI.

Capture code builds a :class:`NewItem` (what was captured, with its parts as bytes or a
file path); the vault stores it and hands back :class:`Item` objects (decrypted metadata,
parts with their SHA-256). Nothing here touches the disk or Qt.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "ItemKind",
    "PartInput",
    "NewItem",
    "Part",
    "Note",
    "Item",
    "Event",
    "Progress",
    "now_utc",
    "local_zone_name",
    "iso",
]

#: A progress callback: ``progress(done, total, message_key)``; ``total`` may be 0 if unknown.
Progress = Callable[[int, int, str], None]


class ItemKind:
    """The kinds of item (plain strings, stored in the encrypted metadata)."""

    FILE = "file"
    SCREENSHOT = "screenshot"
    LINK = "link"
    INCIDENT = "incident"
    CHAT = "chat"  # a chat export (Telegram, KakaoTalk, LINE): see capture/chat
    ALL = (FILE, SCREENSHOT, LINK, INCIDENT, CHAT)


def now_utc() -> datetime:
    return datetime.now(UTC)


def local_zone_name() -> str:
    """The user's time zone as an IANA name where it can be found, else the UTC offset."""
    import os

    tz = os.environ.get("TZ")
    if tz and "/" in tz:
        return tz.lstrip(":")
    try:
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            return link.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    offset = datetime.now().astimezone().strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"


def iso(dt: datetime) -> str:
    """ISO 8601 with zone and seconds precision (microseconds kept when present)."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.isoformat()


@dataclass
class PartInput:
    """One part of an item to be stored: bytes in memory or a file to stream from.

    ``name`` is a short safe label such as ``original.jpg``, ``exchange.warc.gz`` or
    ``rendering.png``; the first part of an item is its primary part.
    """

    name: str
    media_type: str
    data: bytes | None = None
    path: Path | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.path is None):
            raise ValueError("PartInput needs exactly one of data or path")


@dataclass
class NewItem:
    """An item as capture produces it, before it is stored."""

    kind: str
    title: str
    source: str
    parts: list[PartInput]
    metadata: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    captured_at: datetime = field(default_factory=now_utc)
    timezone: str = field(default_factory=local_zone_name)
    pending: bool = False  # a link recorded offline, to be fetched later


@dataclass(frozen=True)
class Part:
    """A stored part: its label, media type, SHA-256 (hex) of the original bytes, size."""

    name: str
    media_type: str
    sha256: str
    size: int
    blob: str = field(repr=False, default="")
    timestamp: dict[str, Any] | None = None

    def public(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
        }
        if self.timestamp is not None:
            d["timestamp"] = {
                k: self.timestamp.get(k) for k in ("tsa", "time", "status")
            }
        return d


@dataclass(frozen=True)
class Note:
    text: str
    at: str  # ISO 8601 UTC


@dataclass
class Item:
    """A stored item with its decrypted metadata."""

    id: str
    number: int
    kind: str
    title: str
    source: str
    captured_at: str  # ISO 8601 in the user's zone at capture
    captured_at_utc: str
    timezone: str
    metadata: dict[str, Any]
    notes: list[Note]
    tags: list[str]
    parts: list[Part]
    state: str = "active"  # active | pending | deleted
    deletion: dict[str, Any] | None = None

    @property
    def sha256(self) -> str | None:
        return self.parts[0].sha256 if self.parts else (
            self.deletion.get("sha256") if self.deletion else None
        )

    @property
    def size(self) -> int:
        return self.parts[0].size if self.parts else 0

    def public(self) -> dict[str, Any]:
        """The JSON shape of ``list --json`` / ``show --json`` (a stable contract)."""
        d: dict[str, Any] = {
            "number": self.number,
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "title": self.title,
            "sha256": self.sha256,
            "size": self.size,
            "captured_at": self.captured_at,
            "captured_at_utc": self.captured_at_utc,
            "timezone": self.timezone,
            "source": self.source,
            "notes": [n.text for n in self.notes],
            "notes_detail": [asdict(n) for n in self.notes],
            "tags": list(self.tags),
            "metadata": self.metadata,
            "parts": [p.public() for p in self.parts],
        }
        if self.deletion is not None:
            d["deletion"] = self.deletion
        return d


@dataclass(frozen=True)
class Event:
    """One custody-log event (decrypted)."""

    seq: int
    prev_hash: str
    hash: str
    body: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.body.get("event"))

    @property
    def at(self) -> str:
        return str(self.body.get("at"))

    @property
    def item_id(self) -> str | None:
        v = self.body.get("item_id")
        return str(v) if v is not None else None

    def public(self) -> dict[str, Any]:
        return {"seq": self.seq, "prev_hash": self.prev_hash, "hash": self.hash, **self.body}


def canonical_json(obj: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, no spaces, UTF-8) used for hashing and signing."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )
