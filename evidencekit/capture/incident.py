"""Incident notes: a written account (what happened, when, where, who) as an item of its own.

The account is stored as UTF-8 text exactly as written (Korean round-trips byte for byte)
in a part ``incident.txt``; the structured fields go into the metadata as well.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from evidencekit.errors import InputError
from evidencekit.model import ItemKind, NewItem, PartInput, now_utc

__all__ = ["incident_item", "parse_when"]


def parse_when(text: str) -> str:
    """Validate an ISO 8601 time given by the user (date, or date and time, zone optional)."""
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError("error.bad_time", value=text) from exc
    aware = dt if dt.tzinfo is not None else dt.astimezone()  # no zone: the user's own
    if aware > now_utc() + timedelta(days=1):
        raise InputError("error.time_in_future", value=text)
    return aware.isoformat()


def incident_item(text: str, *, when: str | None = None, where: str | None = None,
                  who: str | None = None, title: str | None = None) -> NewItem:
    if not text.strip():
        raise InputError("error.empty_incident")
    metadata: dict[str, str] = {}
    if when:
        metadata["when"] = parse_when(when)
    if where:
        metadata["where"] = where
    if who:
        metadata["who"] = who
    first_line = text.strip().splitlines()[0]
    return NewItem(
        kind=ItemKind.INCIDENT,
        title=title or (first_line[:80] + ("…" if len(first_line) > 80 else "")),
        source=where or "",
        parts=[PartInput(name="incident.txt", media_type="text/plain; charset=utf-8",
                         data=text.encode("utf-8"))],
        metadata=metadata,
    )
