"""The per-item section of the bundle: picture or placeholder, metadata, notes, parts.

An :class:`ItemView` is what the exporter hands over for one item: the stored
:class:`~evidencekit.model.Item`, where each part went (attachment name, embedded / side
folder / not included), the page images already made by :mod:`evidencekit.bundle.images`
and the text of small plain-text parts. This module only arranges them as flowables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from evidencekit.bundle import layout_link_resources
from evidencekit.bundle.fonts import MONO
from evidencekit.bundle.images import Preview
from evidencekit.bundle.layout_chat import chat_flowables
from evidencekit.bundle.layout_pictures import (
    FramedJpeg,
    JpegFlowable,
    picture,
    placeholder,
    video_rows,
)
from evidencekit.bundle.manifest import LOCATION_EMBEDDED, LOCATION_SIDE
from evidencekit.bundle.media_previews import TEXT_LINES_KEY, VideoFacts
from evidencekit.bundle.metadata_view import Line, Row, metadata_groups
from evidencekit.bundle.styles import (
    CELL_PADDING,
    RULE,
    SHADE,
    Labels,
    Localized,
    Styles,
    esc,
    fmt_size,
    grid_style,
    hard_wrap,
    mono_para,
)
from evidencekit.model import Item, Part
from evidencekit.similar.bundle_view import similar_groups

__all__ = ["PartView", "ItemView", "ItemRule", "FitGroup", "item_section", "timestamp_text",
           "kind_label", "PREVIEW_BOX", "JpegFlowable", "FramedJpeg"]

#: The box (width is the frame's) one image slice may fill on an item page.
PREVIEW_BOX = (0.0, 95 * mm)
LABEL_WIDTH = 44 * mm
LABEL_WIDTH_BOTH = 52 * mm
KEEP_GROUP_ROWS = 8
GROUP_MIN_SPACE = 60 * mm
GROUP_SHADE = colors.HexColor("#dcdcdc")
WARN_COLOR = "#8a1c1c"
_LINE_PIECE = 600
_MAX_TEXT = 20_000


@dataclass
class PartView:
    index: int
    part: Part
    file: str
    location: str
    path: str | None = None
    token_file: str | None = None


@dataclass
class ItemView:
    item: Item
    parts: list[PartView]
    previews: list[tuple[int, Preview]] = field(default_factory=list)
    texts: list[tuple[int, str]] = field(default_factory=list)
    #: A link's parsed ``summary.json`` (for the step-by-step redirect chain), if read.
    link_summary: dict[str, Any] | None = None
    #: Other items of the vault holding the same picture (evidencekit.similar.copies.Copy).
    copies: list[Any] = field(default_factory=list)
    #: A chat export's section (:class:`~evidencekit.bundle.layout_chat.ChatSection`).
    chat: Any = None
    #: A web capture's WARC bytes, for the blurred previews of its largest pictures.
    link_warc: bytes | None = None
    #: What each video part's container says (duration, codec, resolution), by part index.
    videos: dict[int, VideoFacts] = field(default_factory=dict)


#: A picture may shrink to this share of its size to start on the current page.
MIN_SCALE = 0.45
#: Available heights above this are a fresh page: shrink as far as needed there.
_FRESH_PAGE = 200 * mm


class FitGroup(Flowable):
    """An item's heading and first picture, kept on one page. When they do not fit in
    the space left, the picture is scaled down (to at most :data:`MIN_SCALE`) so the item
    starts on the current page instead of leaving it half empty; else it moves on."""

    def __init__(self, content: list[Flowable]) -> None:
        super().__init__()
        self.content = content
        self.pictures = [f for f in content if isinstance(f, FramedJpeg)]
        self._sizes: list[tuple[float, float, float, float]] = []

    def _measure(self, aw: float, ah: float) -> float:
        self._sizes = []
        total = 0.0
        for n, f in enumerate(self.content):
            w, h = f.wrap(aw, ah)
            before = f.getSpaceBefore() if n else 0.0
            after = f.getSpaceAfter()
            self._sizes.append((w, h, before, after))
            total += before + h + after
        return total

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        for pic in self.pictures:
            pic.set_scale(1.0)
        total = self._measure(avail_width, avail_height)
        natural = sum(p.natural[1] for p in self.pictures)
        if total > avail_height and natural > 0:
            scale = 1.0 - (total - avail_height + 1) / natural
            if scale >= MIN_SCALE or (avail_height > _FRESH_PAGE and scale > 0.05):
                for pic in self.pictures:
                    pic.set_scale(scale)
                total = self._measure(avail_width, avail_height)
        self.width, self.height = avail_width, total
        return avail_width, total

    def draw(self) -> None:
        y = self.height
        for f, (_w, h, before, after) in zip(self.content, self._sizes, strict=True):
            y -= before + h
            f.drawOn(self.canv, 0, y)
            y -= after


class ItemRule(Flowable):
    """The thin rule and space between two items that share a page."""

    def __init__(self, width: float, space: float = 7 * mm) -> None:
        super().__init__()
        self.width = width
        self.space = space

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, min(self.space, avail_height)

    def draw(self) -> None:
        self.canv.saveState()
        self.canv.setStrokeColor(RULE)
        self.canv.setLineWidth(1.2)
        self.canv.line(0, self.space * 0.45, self.width, self.space * 0.45)
        self.canv.restoreState()


def kind_label(labels: Labels, kind: str) -> str:
    key = f"bundle.kind.{kind}"
    return labels(key) if labels.has(key) else kind


def _kind_param(labels: Labels, kind: str) -> Localized | str:
    key = f"bundle.kind.{kind}"
    return Localized(key) if labels.has(key) else kind


def timestamp_text(labels: Labels, ts: dict[str, Any] | None) -> str:
    """One line about a part's trusted timestamp (or the lack of one)."""
    if not ts:
        return labels("bundle.ts.none")
    status = str(ts.get("status") or "unknown")
    status_key = f"bundle.ts.status.{status}"
    status_text = labels(status_key) if labels.has(status_key) else status
    when = ts.get("time")
    when_text = "—"
    if when:
        try:
            dt = datetime.fromisoformat(str(when))
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=UTC)
            when_text = labels.when(dt)
        except ValueError:
            when_text = str(when)
    return labels(
        "bundle.ts.line", tsa=str(ts.get("tsa") or "—"), time=when_text, status=status_text
    )


def _location_text(labels: Labels, pv: PartView) -> str:
    if pv.location == LOCATION_EMBEDDED:
        return labels("bundle.part.embedded")
    if pv.location == LOCATION_SIDE:
        return labels("bundle.part.side", path=pv.path or pv.file)
    return labels("bundle.part.omitted")


def _label_width(labels: Labels) -> float:
    return LABEL_WIDTH_BOTH if labels.lang == "both" else LABEL_WIDTH


def _kv_table(rows: list[tuple[str, Flowable]], st: Styles, width: float, label_w: float,
              title: str | None = None) -> Table:
    """Label/value rows; with ``title``, under a heading row across both columns."""
    data: list[list[Any]] = [[Paragraph(esc(k), st.cell_bold), v] for k, v in rows]
    style: list[Any] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("BACKGROUND", (0, 0), (0, -1), SHADE),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if title is not None:
        data.insert(0, [Paragraph(esc(title), st.cell_bold), ""])
        style += [
            ("SPAN", (0, 0), (-1, 0)),
            ("BACKGROUND", (0, 0), (-1, 0), GROUP_SHADE),
            ("LINEABOVE", (0, 0), (-1, 0), 0.8, RULE),
            ("TOPPADDING", (0, 0), (-1, 0), 3),
        ]
    # splitInRow: a value taller than what is left of the page continues on the next
    t = Table(data, colWidths=[label_w, width - label_w], repeatRows=1 if title else 0,
              splitInRow=1)
    t.setStyle(TableStyle(style))
    return t


def _line_markup(line: Line, st: Styles, inner: float) -> str:
    """One value line as Paragraph markup (mono lines broken to fit ``inner`` points)."""
    prefix = ""
    if line.prefix:
        prefix = f"<font color='#555555'>{esc(line.prefix)}</font> "
    if line.mono:
        size = st.mono.fontSize
        fits = (stringWidth(f"{line.prefix} ", st.cell_wrap.fontName, st.cell_wrap.fontSize)
                + stringWidth(line.text, MONO, size) <= inner)
        if line.prefix and not fits:
            prefix += "<br/>"
        body = f"<font name='{MONO}'>{hard_wrap(line.text, MONO, size, inner)}</font>"
    else:
        body = esc(line.text).replace("\n", "<br/>")
    if line.warn:
        return f"<font color='{WARN_COLOR}'>{prefix}{body}</font>"
    return prefix + body


def _row_para(row: Row, labels: Labels, st: Styles, value_w: float) -> Paragraph:
    inner = value_w - 2 * CELL_PADDING - 0.5
    body = "<br/>".join(_line_markup(line, st, inner) for line in row.lines) or "—"
    if row.cut:
        body += f" <i>({esc(labels('bundle.item.value_cut'))})</i>"
    return Paragraph(body, st.cell_wrap)


def _source_is_shown(item: Item) -> bool:
    """Whether the general "Source" row would repeat a row of the metadata groups."""
    m = item.metadata if isinstance(item.metadata, Mapping) else {}
    if item.kind == "link":
        return item.source in (m.get("url"), m.get("url_display"))
    if item.kind == "file":
        return item.source in (m.get("original_name"), m.get("display_name"))
    if item.kind == "screenshot":
        return isinstance(m.get("target"), Mapping)
    if item.kind == "incident":
        return not item.source or item.source == m.get("where")
    return False


def _capture_zone(item: Item, labels: Labels) -> str:
    """The zone the computer was set to at capture; explained when it is not the zone the
    bundle prints times in (a computer set to UTC, a capture abroad)."""
    zone = item.timezone or "—"
    if zone == getattr(labels.zone, "key", None):
        return zone
    return labels("court.field.capture_zone_value", zone=zone)


def _general_rows(item: Item, labels: Labels, st: Styles, value_w: float
                  ) -> list[tuple[str, Flowable]]:
    """The rows every item has (number, kind, title, source, times, hash)."""

    def p(text: str, style: Any = None) -> Paragraph:
        if style is st.mono:
            return mono_para(text, st.mono, value_w)
        return Paragraph(esc(text), style or st.cell_wrap)

    # Number and kind are in the item's heading; hash and size in its parts table.
    rows: list[tuple[str, Flowable]] = [
        (labels("bundle.field.title"), p(item.title or "—")),
    ]
    if not _source_is_shown(item):
        rows.append((labels("bundle.field.source"), p(item.source or "—", st.mono)))
    rows += [
        (labels("court.field.captured"), p(labels.when(item.captured_at_utc))),
        (labels("court.field.capture_zone"), p(_capture_zone(item, labels))),
        (labels("bundle.field.id"), p(item.id, st.mono)),
    ]
    if item.state != "active":
        state = f"bundle.metaval.state.{item.state}"
        rows.append((labels("bundle.field.state"),
                     p(labels(state) if labels.has(state) else item.state)))
    if item.tags:
        rows.append((labels("bundle.field.tags"), p(", ".join(item.tags))))
    if item.sha256 and not item.parts:
        rows.append((labels("bundle.field.sha256"), p(item.sha256, st.mono)))
    return rows


def _metadata_tables(view: ItemView, labels: Labels, st: Styles, width: float,
                     hide_location: bool = False) -> list[Flowable]:
    """The "Collection details": general rows, then one table per metadata group."""
    label_w = _label_width(labels)
    value_w = width - label_w
    out: list[Flowable] = [KeepTogether([
        Paragraph(esc(labels("bundle.item.metadata")), st.h2),
        _kv_table(_general_rows(view.item, labels, st, value_w) + [
            (label, Paragraph(esc(value), st.cell_wrap))
            for facts in view.videos.values() for label, value in video_rows(labels, facts)
        ], st, width, label_w),
    ])]
    for group in metadata_groups(view.item, labels, view.link_summary,
                                 hide_location=hide_location) + similar_groups(
            view.item, view.copies, labels):
        rows: list[tuple[str, Flowable]] = [
            (row.label, _row_para(row, labels, st, value_w)) for row in group.rows
        ]
        table = _kv_table(rows, st, width, label_w, group.title)
        if len(rows) <= KEEP_GROUP_ROWS:  # a short group moves whole to the next page
            out.append(KeepTogether([table]))
        else:  # a long one splits (heading repeated), but not right after its first rows
            out += [CondPageBreak(GROUP_MIN_SPACE), table]
    return out


def _parts_table(view: ItemView, labels: Labels, st: Styles, width: float) -> Table:
    widths = [44 * mm, 28 * mm, 47 * mm, width - 119 * mm]
    head = [
        Paragraph(esc(labels("bundle.parts.file")), st.cell_head),
        Paragraph(esc(labels("bundle.parts.type")), st.cell_head),
        Paragraph("SHA-256", st.cell_head),
        Paragraph(esc(labels("bundle.parts.timestamp")), st.cell_head),
    ]
    data: list[list[Any]] = [head]
    for pv in view.parts:
        part = pv.part
        data.append(
            [
                Paragraph(
                    f"<font name='{MONO}'>"
                    f"{hard_wrap(pv.file, MONO, st.cell_wrap.fontSize, widths[0] - 12.5)}"
                    f"</font><br/>{esc(part.name)} · {esc(_location_text(labels, pv))}",
                    st.cell_wrap,
                ),
                Paragraph(f"{esc(part.media_type)}<br/>{esc(fmt_size(part.size))}", st.cell_wrap),
                mono_para(part.sha256, st.mono_small, widths[2]),
                Paragraph(esc(timestamp_text(labels, part.timestamp)), st.cell_wrap),
            ]
        )
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(grid_style())
    return t


def _text_block(name: str, text: str, labels: Labels, st: Styles, width: float
                ) -> list[Flowable]:
    out: list[Flowable] = [Paragraph(esc(labels("bundle.item.content", part=name)), st.h2)]
    shown = text[:_MAX_TEXT]
    # One table row per line (long lines cut into pieces), so a long chat export flows
    # over as many pages as it needs: a single cell cannot be split across pages.
    rows: list[list[Flowable]] = []
    for line in shown.splitlines() or [""]:
        pieces = [line[i:i + _LINE_PIECE] for i in range(0, len(line), _LINE_PIECE)] or [""]
        for piece in pieces:
            rows.append([Paragraph(esc(piece) if piece.strip() else "&nbsp;", st.body)])
    if len(text) > _MAX_TEXT:
        rows.append([Paragraph(esc(labels("bundle.item.text_cut")), st.small)])
    box = Table(rows, colWidths=[width], splitByRow=1)
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
            ]
        )
    )
    out.append(box)
    return out


def item_section(view: ItemView, labels: Labels, st: Styles, width: float, *,
                 hide_location: bool = False) -> list[Flowable]:
    """The flowables of one item (it may start anywhere on a page: its heading and first
    picture are one :class:`FitGroup`). ``hide_location`` keeps GPS positions off."""
    item = view.item
    heading = labels("bundle.item.heading", number=item.number,
                     kind=_kind_param(labels, item.kind))
    head: list[Flowable] = [Paragraph(esc(heading), st.h1)]
    if item.title:
        head.append(Paragraph(esc(item.title), st.h2))
    story: list[Flowable] = []
    parts_by_index = {pv.index: pv for pv in view.parts}
    pictures: list[Flowable] = []
    drawn_texts: list[Flowable] = []  # a blurred bundle's text files, drawn: flow like text
    for index, preview in view.previews:
        pv = parts_by_index.get(index)
        if pv is not None:
            shown = picture(preview, pv.part.name, pv.file, labels, st, width)
            if preview.note_key == TEXT_LINES_KEY:
                drawn_texts += [*shown, Spacer(1, 3 * mm)]
            else:
                pictures += [*shown, Spacer(1, 3 * mm)]
    if not pictures and not drawn_texts and not view.texts and view.chat is None:
        if view.parts:
            pv = view.parts[0]
            text = labels("bundle.preview.none", media_type=esc(pv.part.media_type)) + "<br/>" + (
                labels("bundle.preview.attached_as", file=esc(pv.file))
            )
        else:
            text = labels("bundle.preview.no_parts")
        pictures.append(placeholder(text, st, width))
        pictures.append(Spacer(1, 3 * mm))
    if pictures:
        # the heading and the first picture stay together (its captions may move on)
        story.append(FitGroup(head + pictures[:2]))
        story.extend(pictures[2:])
        story.extend(drawn_texts)
    elif drawn_texts:  # the heading never stays alone at the foot of a page
        story.append(KeepTogether(head + drawn_texts[:2]))
        story.extend(drawn_texts[2:])
    else:
        story.extend(head)
    for index, text in view.texts:
        pv = parts_by_index.get(index)
        story.extend(_text_block(pv.part.name if pv else str(index), text, labels, st, width))
        story.append(Spacer(1, 3 * mm))
    if view.chat is not None:
        story.extend(chat_flowables(view.chat, labels, st, width))
    story.extend(_metadata_tables(view, labels, st, width, hide_location))
    story.extend(layout_link_resources.resource_previews(view.link_warc, labels, st, width))
    if item.notes:
        story.append(Paragraph(esc(labels("bundle.item.notes")), st.h2))
        for note in item.notes:
            story.append(
                Paragraph(
                    f"{esc(note.text).replace(chr(10), '<br/>')} <font color='#555555' size='7.5'>"
                    f"({esc(labels.when(note.at))})</font>",
                    st.body,
                )
            )
    if view.parts:
        story.append(KeepTogether([Paragraph(esc(labels("bundle.item.parts")), st.h2),
                                   _parts_table(view, labels, st, width)]))
    return story
