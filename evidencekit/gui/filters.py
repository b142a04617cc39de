"""Search and filters for the item list: free text, kind, tag and a date range.

Plain Python (no Qt), so the rules are easy to test: text matches the title, source,
notes, tags and the metadata's text values, ignoring case; dates compare the capture
time in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from evidencekit.model import Item

__all__ = ["Query", "DATE_CHOICES", "matches", "date_range", "all_tags"]

#: Date filter choices (message key suffixes under ``gui.filter.date.``).
DATE_CHOICES = ("any", "today", "week", "month", "year")


@dataclass(frozen=True)
class Query:
    text: str = ""
    kind: str | None = None
    tag: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    numbers: frozenset[int] | None = None  # only these items (e.g. the copies' groups)

    @property
    def empty(self) -> bool:
        return not (self.text.strip() or self.kind or self.tag or self.since or self.until
                    or self.numbers is not None)


def date_range(choice: str, now: datetime | None = None) -> tuple[datetime | None,
                                                                  datetime | None]:
    """The (since, until) range for a date choice, in UTC, relative to local ``now``."""
    local = (now or datetime.now(UTC)).astimezone()
    start_today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if choice == "today":
        return start_today.astimezone(UTC), None
    if choice == "week":
        return (start_today - timedelta(days=7)).astimezone(UTC), None
    if choice == "month":
        return (start_today - timedelta(days=30)).astimezone(UTC), None
    if choice == "year":
        return (start_today - timedelta(days=365)).astimezone(UTC), None
    return None, None


def _strings(value: Any, out: list[str], depth: int = 0) -> None:
    if depth > 4:
        return
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out, depth + 1)
    elif isinstance(value, list):
        for v in value[:50]:
            _strings(v, out, depth + 1)


def _haystack(item: Item) -> str:
    parts: list[str] = [item.title, item.source, f"#{item.number}", *item.tags]
    parts.extend(n.text for n in item.notes)
    _strings(item.metadata, parts)
    return "\n".join(parts).casefold()


def _when(item: Item) -> datetime | None:
    try:
        dt = datetime.fromisoformat(item.captured_at_utc)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def matches(item: Item, query: Query) -> bool:
    """Whether ``item`` passes every part of ``query``."""
    if query.numbers is not None and item.number not in query.numbers:
        return False
    if query.kind and item.kind != query.kind:
        return False
    if query.tag and query.tag not in item.tags:
        return False
    if query.since or query.until:
        when = _when(item)
        if when is None:
            return False
        if query.since and when < query.since:
            return False
        if query.until and when >= query.until:
            return False
    words = query.text.casefold().split()
    if words:
        hay = _haystack(item)
        return all(w in hay for w in words)
    return True


def all_tags(items: list[Item]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        for tag in item.tags:
            seen.setdefault(tag, None)
    return sorted(seen, key=str.casefold)
