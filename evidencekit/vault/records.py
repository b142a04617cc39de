"""Converting :class:`~evidencekit.model.Item` to and from the JSON sealed in an index row."""

from __future__ import annotations

from typing import Any

from evidencekit.model import Item, Note, Part

__all__ = ["item_to_record", "item_from_record"]


def item_to_record(item: Item) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "title": item.title,
        "source": item.source,
        "captured_at": item.captured_at,
        "captured_at_utc": item.captured_at_utc,
        "timezone": item.timezone,
        "metadata": item.metadata,
        "notes": [{"text": n.text, "at": n.at} for n in item.notes],
        "tags": item.tags,
        "parts": [
            {
                "name": p.name,
                "media_type": p.media_type,
                "sha256": p.sha256,
                "size": p.size,
                "blob": p.blob,
                "timestamp": p.timestamp,
            }
            for p in item.parts
        ],
        "deletion": item.deletion,
    }


def item_from_record(item_id: str, number: int, state: str, rec: dict[str, Any]) -> Item:
    return Item(
        id=item_id,
        number=number,
        kind=str(rec["kind"]),
        title=str(rec.get("title", "")),
        source=str(rec.get("source", "")),
        captured_at=str(rec["captured_at"]),
        captured_at_utc=str(rec["captured_at_utc"]),
        timezone=str(rec.get("timezone", "")),
        metadata=dict(rec.get("metadata") or {}),
        notes=[Note(text=str(n["text"]), at=str(n["at"])) for n in rec.get("notes", [])],
        tags=[str(t) for t in rec.get("tags", [])],
        parts=[
            Part(
                name=str(p["name"]),
                media_type=str(p["media_type"]),
                sha256=str(p["sha256"]),
                size=int(p["size"]),
                blob=str(p["blob"]),
                timestamp=p.get("timestamp"),
            )
            for p in rec.get("parts", [])
        ],
        state=state,
        deletion=rec.get("deletion"),
    )
