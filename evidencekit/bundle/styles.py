"""Paragraph styles, language-aware labels and text helpers shared by the bundle layout.

Every text a reader sees comes from the ``bundle.*`` message keys; :class:`Labels` picks
Korean, English or both (``한국어 / English``) as the export asks. Every text that comes
from the vault (titles, notes, URLs, metadata) goes through :func:`esc` before it reaches
a reportlab ``Paragraph``, which would otherwise parse it as markup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph, TableStyle

from evidencekit.bundle.fonts import BOLD, MONO, REGULAR, register_fonts
from evidencekit.i18n import catalogue, tr

__all__ = [
    "KST",
    "LANG_CHOICES",
    "PAGE_MARGIN",
    "Labels",
    "Localized",
    "Styles",
    "esc",
    "grid_style",
    "fmt_size",
    "fmt_time",
    "fmt_zoned",
    "fmt_value",
    "parse_time",
    "zone_abbr",
    "make_styles",
    "hard_wrap",
    "mono_para",
]

LANG_CHOICES = ("ko", "en", "both")
PAGE_MARGIN = 18 * mm
MAX_VALUE_CHARS = 1500
#: reportlab's default left/right padding of a table cell.
CELL_PADDING = 6.0

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#9a9a9a")
SHADE = colors.HexColor("#eeeeee")
#: Korea Standard Time, printed next to UTC times.
KST = timezone(timedelta(hours=9), "KST")


def grid_style(*extra: tuple[Any, ...]) -> TableStyle:
    """The ruled style of the layout's grid tables (shaded heading row, boxed), plus
    ``extra`` commands (e.g. ``SPAN`` rows)."""
    return TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
            ("BOX", (0, 0), (-1, -1), 0.5, RULE),
            *extra,
        ]
    )


def esc(text: object) -> str:
    """Text made safe for a reportlab Paragraph (markup escaped, controls removed)."""
    s = str(text)
    s = "".join(ch if ch in "\n\t" or ord(ch) >= 32 else " " for ch in s)
    s = s.replace("\u2028", "\n").replace("\u2029", "\n")
    return escape(s)


@dataclass(frozen=True)
class Localized:
    """A message key used as a parameter of another message, resolved per language."""

    key: str

    def text(self, lang: str) -> str:
        return tr(self.key, lang)


def _resolve(params: dict[str, object], lang: str) -> dict[str, object]:
    return {k: v.text(lang) if isinstance(v, Localized) else v for k, v in params.items()}


class Labels:
    """Message lookup in the bundle's language: ``ko``, ``en`` or ``both``.

    A parameter given as :class:`Localized` is translated in the same language as the
    message, so ``both`` gives ``증거 1 — 화면 캡처 / Item 1 — Screenshot``.
    """

    def __init__(self, lang: str, zone: tzinfo | None = None) -> None:
        if lang not in LANG_CHOICES:
            raise ValueError(f"unsupported bundle language {lang!r}")
        self.lang = lang
        #: The export's time zone: every time is printed in it, with UTC beside it.
        self.zone: tzinfo = zone if zone is not None else KST

    def when(self, value: str | datetime | None, *, short_utc: bool = True) -> str:
        """``2024-08-27 15:15:02 KST (06:15:02 UTC)`` in the export zone (see
        :func:`fmt_zoned`)."""
        return fmt_zoned(value, self.zone, short_utc=short_utc)

    def __call__(self, key: str, /, **params: object) -> str:
        """A short label; with ``both``: ``한국어 / English``."""
        if self.lang == "both":
            ko = tr(key, "ko", **_resolve(params, "ko"))
            en = tr(key, "en", **_resolve(params, "en"))
            return ko if ko == en else f"{ko} / {en}"
        return tr(key, self.lang, **_resolve(params, self.lang))

    def texts(self, key: str, /, **params: object) -> list[str]:
        """A longer text, once per language (Korean first), for separate paragraphs."""
        langs = ("ko", "en") if self.lang == "both" else (self.lang,)
        return [tr(key, lang, **_resolve(params, lang)) for lang in langs]

    def has(self, key: str) -> bool:
        return key in catalogue("en")


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_head: ParagraphStyle
    cell_wrap: ParagraphStyle
    mono: ParagraphStyle
    mono_small: ParagraphStyle
    code: ParagraphStyle
    caption: ParagraphStyle
    warning: ParagraphStyle
    center: ParagraphStyle


def make_styles() -> Styles:
    """The layout's paragraph styles (fonts are registered on first use)."""
    register_fonts()
    body = ParagraphStyle(
        "ek-body", fontName=REGULAR, fontSize=9.5, leading=13.5, textColor=INK,
        alignment=TA_LEFT, splitLongWords=True,
    )
    cell = ParagraphStyle("ek-cell", parent=body, fontSize=8, leading=10.5)
    mono = ParagraphStyle("ek-mono", parent=body, fontName=MONO, fontSize=8, leading=10.5)
    return Styles(
        title=ParagraphStyle(
            "ek-title", parent=body, fontName=BOLD, fontSize=22, leading=30, spaceAfter=6
        ),
        subtitle=ParagraphStyle(
            "ek-subtitle", parent=body, fontSize=12, leading=17, textColor=MUTED, spaceAfter=4
        ),
        h1=ParagraphStyle(
            "ek-h1", parent=body, fontName=BOLD, fontSize=14.5, leading=20, spaceBefore=2,
            spaceAfter=6,
        ),
        h2=ParagraphStyle(
            "ek-h2", parent=body, fontName=BOLD, fontSize=10.5, leading=14, spaceBefore=8,
            spaceAfter=4,
        ),
        body=body,
        small=ParagraphStyle("ek-small", parent=body, fontSize=8, leading=11, textColor=MUTED),
        cell=cell,
        cell_bold=ParagraphStyle("ek-cell-bold", parent=cell, fontName=BOLD),
        cell_head=ParagraphStyle("ek-cell-head", parent=cell, fontName=BOLD, fontSize=7.5,
                                 leading=10),
        cell_wrap=ParagraphStyle("ek-cell-wrap", parent=cell),
        mono=mono,
        mono_small=ParagraphStyle("ek-mono-small", parent=mono, fontSize=7, leading=9),
        code=ParagraphStyle(
            "ek-code", parent=mono, fontSize=8.5, leading=12, backColor=SHADE,
            borderPadding=(3, 4, 3, 4), leftIndent=4, rightIndent=4, spaceBefore=3,
            spaceAfter=6,
        ),
        caption=ParagraphStyle(
            "ek-caption", parent=body, fontName=BOLD, fontSize=9, leading=12,
            textColor=colors.HexColor("#8a1c1c"), alignment=TA_CENTER, spaceBefore=3,
        ),
        warning=ParagraphStyle(
            "ek-warning", parent=body, fontSize=9, leading=12.5,
            textColor=colors.HexColor("#8a1c1c"),
        ),
        center=ParagraphStyle("ek-center", parent=body, alignment=TA_CENTER, textColor=MUTED),
    )


def hard_wrap(text: str, font: str, size: float, width: float) -> str:
    """Escaped markup of ``text`` broken at character boundaries to fit ``width`` points.

    Used for hashes, URLs and identifiers, which have no spaces to wrap at (reportlab's
    CJK wrapping would do it too, but costs several times more on a 200-item bundle).
    """
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for ch in text:
        if ch == "\n":
            lines.append("".join(current))
            current, used = [], 0.0
            continue
        w = _char_width(ch, font, size)
        if current and used + w > width:
            lines.append("".join(current))
            current, used = [], 0.0
        current.append(ch)
        used += w
    lines.append("".join(current))
    return "<br/>".join(esc(line) for line in lines)


@lru_cache(maxsize=4096)
def _char_width(ch: str, font: str, size: float) -> float:
    register_fonts()
    return float(pdfmetrics.stringWidth(ch, font, size))


def mono_para(text: str, style: ParagraphStyle, cell_width: float) -> Paragraph:
    """A paragraph in ``style`` (a mono style) hard-wrapped to a table cell's width."""
    inner = cell_width - 2 * CELL_PADDING - 0.5
    return Paragraph(hard_wrap(text, style.fontName, style.fontSize, inner), style)


def fmt_time(value: str | datetime | None, *, utc: bool = False) -> str:
    """``2024-08-30 14:03:11 +09:00`` (or ``… UTC``) from an ISO 8601 string or datetime."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if dt.tzinfo is None:
        return dt.strftime("%Y-%m-%d %H:%M:%S")
    if utc:
        dt = dt.astimezone(UTC)
    offset = dt.strftime("%z")
    zone = "UTC" if offset in ("+0000", "-0000") else f"{offset[:3]}:{offset[3:]}"
    return f"{dt.strftime('%Y-%m-%d %H:%M:%S')} {zone}"


def parse_time(value: str | datetime | None) -> datetime | None:
    """A datetime from an ISO 8601 string (or as it is); None when empty or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def zone_abbr(dt: datetime) -> str:
    """The zone of an aware datetime as printed: ``KST``, ``UTC`` or ``UTC+05:30``."""
    name = dt.tzname() or ""
    if name in ("UTC", "Z") or dt.utcoffset() == timedelta(0) and not name.isalpha():
        return "UTC"
    if name.isalpha() and name.isupper() and 2 <= len(name) <= 5:
        return name
    offset = dt.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"


def fmt_zoned(value: str | datetime | None, zone: tzinfo, *, short_utc: bool = True) -> str:
    """A time in ``zone`` with UTC beside it: ``2024-08-27 15:15:02 KST (06:15:02 UTC)``.

    The UTC part keeps its date when it differs (or always, unless ``short_utc``). A time
    without zone is printed as it is with ``(zone unknown)`` left to the caller; an
    unreadable value as it is. When ``zone`` is UTC itself, only the UTC time is printed.
    """
    dt = parse_time(value)
    if dt is None:
        return "—" if value in (None, "") else str(value)
    if dt.tzinfo is None:
        return dt.strftime("%Y-%m-%d %H:%M:%S")
    local = dt.astimezone(zone)
    utc = dt.astimezone(UTC)
    text = f"{local:%Y-%m-%d %H:%M:%S} {zone_abbr(local)}"
    if local.utcoffset() == timedelta(0):
        return f"{utc:%Y-%m-%d %H:%M:%S} UTC"
    same_day = local.date() == utc.date()
    return f"{text} ({utc:%H:%M:%S} UTC)" if short_utc and same_day else (
        f"{text} ({utc:%Y-%m-%d %H:%M:%S} UTC)")


def fmt_size(size: int) -> str:
    """``1,234,567 B (1.2 MB)``."""
    if size < 1024:
        return f"{size:,} B"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024.0
        if value < 1024.0 or unit == "TB":
            return f"{size:,} B ({value:.1f} {unit})"
    return f"{size:,} B"


def fmt_value(value: Any, limit: int = MAX_VALUE_CHARS) -> tuple[str, bool]:
    """A metadata value as display text, and whether it was shortened."""
    if isinstance(value, str):
        text = value
    elif value is None:
        text = "—"
    elif isinstance(value, bool | int | float):
        text = str(value)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, indent=None, sort_keys=True)
        except (TypeError, ValueError):
            text = repr(value)
    if len(text) > limit:
        return text[:limit] + " …", True
    return text, False
