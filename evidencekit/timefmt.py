"""Times and capture sources as people read them, in every output.

KOREAN.md: every time carries its zone. Formal records (CLI, logs) show the holder's local
time with its zone and UTC beside it: ``2024-08-27 15:15:02 KST (06:15:02 UTC)``; the GUI
shows ``2024년 8월 27일 오후 3:15 KST``. Stored values are never changed; only their display.
A screenshot's stored source ("all screens", "window: …", "region x,y,w,h", "screen N") is
an English record written at capture; :func:`display_source` says it in the current
language.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evidencekit.i18n import current_language, tr

__all__ = ["parse_time", "local_zone", "zone_label", "formal_time", "gui_time", "short_time",
           "display_source"]

log = logging.getLogger(__name__)


def parse_time(value: object) -> datetime | None:
    """An aware datetime from an ISO 8601 string or datetime (naive values are UTC)."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str) and value:
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def local_zone(name: str | None = None) -> tzinfo | None:
    """The zone called ``name`` (an IANA name such as Asia/Seoul), else this computer's."""
    if name and "/" in name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            log.debug("unknown zone %s", name)
    return None  # astimezone(None) = this computer's zone


def zone_label(dt: datetime) -> str:
    """``KST``, ``CET``, or ``UTC+09:00`` when the zone has no letter abbreviation."""
    name = dt.tzname() or ""
    if name.isalpha():
        return name
    offset = dt.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"


def _local(value: object, zone: str | None) -> datetime | None:
    dt = parse_time(value)
    return None if dt is None else dt.astimezone(local_zone(zone))


def formal_time(value: object, zone: str | None = None) -> str:
    """``2024-08-27 15:15:02 KST (06:15:02 UTC)``; the UTC date is added when it differs.
    An unreadable value is returned as it was."""
    local = _local(value, zone)
    if local is None:
        return str(value or "-")
    utc = local.astimezone(UTC)
    text = f"{local:%Y-%m-%d %H:%M:%S} {zone_label(local)}"
    if zone_label(local) == "UTC" and local.utcoffset() == utc.utcoffset():
        return text
    utc_text = f"{utc:%H:%M:%S}" if utc.date() == local.date() else f"{utc:%Y-%m-%d %H:%M:%S}"
    return f"{text} ({utc_text} UTC)"


def gui_time(value: object, zone: str | None = None, lang: str | None = None) -> str:
    """``2024년 8월 27일 오후 3:15 KST`` / ``27 Aug 2024, 3:15 PM KST``."""
    local = _local(value, zone)
    if local is None:
        return str(value or "")
    hour12 = local.hour % 12 or 12
    if (lang or current_language()) == "ko":
        half = "오전" if local.hour < 12 else "오후"
        return (f"{local.year}년 {local.month}월 {local.day}일 {half} {hour12}:"
                f"{local.minute:02d} {zone_label(local)}")
    half = "AM" if local.hour < 12 else "PM"
    return (f"{local.day} {local:%b} {local.year}, {hour12}:{local.minute:02d} {half} "
            f"{zone_label(local)}")


_REGION = re.compile(r"region (-?\d+),(-?\d+),(\d+),(\d+)$")


def display_source(kind: str, source: str, lang: str | None = None) -> str:
    """A screenshot's stored source in the current language; other sources unchanged."""
    if kind != "screenshot" or not source:
        return source
    if source == "all screens":
        return tr("capture.source.all", lang)
    if source.startswith("window: "):
        return tr("capture.source.window", lang, title=source[len("window: "):])
    if m := re.fullmatch(r"screen (\d+)", source):
        return tr("capture.source.screen", lang, n=m.group(1))
    if m := _REGION.fullmatch(source):
        x, y, w, h = m.groups()
        return tr("capture.source.region", lang, x=x, y=y, w=w, h=h)
    return source


def short_time(value: object, zone: str | None = None) -> str:
    """``2024-08-27 15:15 KST``: for table columns."""
    local = _local(value, zone)
    if local is None:
        return str(value or "-")
    return f"{local:%Y-%m-%d %H:%M} {zone_label(local)}"
