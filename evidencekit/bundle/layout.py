"""The printed part of the bundle (reportlab platypus, A4): cover, summary, items, custody,
and a closing page on how to verify.

:func:`build_layout` takes a :class:`LayoutInput` (everything already read, hashed and
reduced to page images by the exporter) and returns the PDF bytes and the page count.
Nothing is written to disk. Text in Korean and English uses the embedded NanumGothic.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from evidencekit import FORMAT_PROGRAM, __version__
from evidencekit.bundle.export_options import Declaration
from evidencekit.bundle.fonts import MONO, REGULAR
from evidencekit.bundle.hashcert import CertInput, hash_certificate
from evidencekit.bundle.layout_custody import Deletion, custody_section
from evidencekit.bundle.layout_items import ItemRule, ItemView, item_section, kind_label
from evidencekit.bundle.styles import (
    CELL_PADDING,
    MUTED,
    PAGE_MARGIN,
    RULE,
    SHADE,
    Labels,
    Styles,
    esc,
    grid_style,
    hard_wrap,
    make_styles,
    mono_para,
)
from evidencekit.model import Progress
from evidencekit.vault.custody import ChainRecord
from evidencekit.vault.identity import short_fingerprint

__all__ = ["LayoutInput", "build_layout", "FRAME_WIDTH", "FRAME_HEIGHT"]

log = logging.getLogger(__name__)

PAGE_W, PAGE_H = A4
FOOTER_H = 14 * mm
FRAME_WIDTH = PAGE_W - 2 * PAGE_MARGIN
_RL_LOCK = threading.Lock()
BOTTOM_MARGIN = PAGE_MARGIN + FOOTER_H - 6 * mm
FRAME_HEIGHT = PAGE_H - PAGE_MARGIN - BOTTOM_MARGIN


@dataclass
class LayoutInput:
    title: str
    prepared_by: str
    lang: str
    exported_at: datetime
    exported_at_local: datetime
    timezone: str
    vault_id: str
    fingerprint: str
    signer_subject: str
    items: list[ItemView]
    records: list[ChainRecord]
    head: dict[str, Any]
    bundle_name: str
    side_dir: str | None = None
    blur: bool = False
    originals: bool = True
    #: The export's zone (every time printed in it, UTC beside); None: Korea.
    zone: tzinfo | None = None
    declaration: Declaration = field(default_factory=Declaration)
    bundle_id: str = ""
    holder: str = ""
    build: str = ""
    deletions: list[Deletion] = field(default_factory=list)
    hide_location: bool = False
    #: The signer certificate is the vault's own (no authority, so no revocation data).
    self_signed: bool = True


def _kv(rows: list[tuple[str, Flowable]], st: Styles, label_w: float = 52 * mm) -> Table:
    data = [[Paragraph(esc(k), st.cell_bold), v] for k, v in rows]
    t = Table(data, colWidths=[label_w, FRAME_WIDTH - label_w])
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("BACKGROUND", (0, 0), (0, -1), SHADE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return t


def _cover(inp: LayoutInput, labels: Labels, st: Styles) -> list[Flowable]:
    value_w = FRAME_WIDTH - 52 * mm

    def p(text: str, style: Any = None) -> Paragraph:
        if style is st.mono:
            return mono_para(text, st.mono, value_w)
        return Paragraph(esc(text), style or st.cell_wrap)

    yes_no = {True: labels("bundle.yes"), False: labels("bundle.no")}
    decl = inp.declaration
    rows: list[tuple[str, Flowable]] = [
        (labels("court.cover.case_number"), p(decl.case_number or "—")),
        (labels("court.cover.recipient"), p(decl.recipient or "—")),
        (labels("bundle.cover.prepared_by"), p(inp.prepared_by or "—")),
        (labels("court.cover.bundle_id"), p(inp.bundle_id or "—", st.mono)),
        (labels("court.cover.exported"), p(labels.when(inp.exported_at))),
        (labels("court.cover.zone"), p(getattr(labels.zone, "key", str(labels.zone)))),
        (labels("bundle.cover.item_count"), p(str(len(inp.items)))),
        (labels("bundle.cover.vault_id"), p(inp.vault_id, st.mono)),
        (labels("bundle.cover.signer"), p(inp.holder or inp.signer_subject, st.cell_wrap)),
        (labels("bundle.cover.fingerprint"), p(inp.fingerprint, st.mono)),
        (labels("identity.cover.short"), p(short_fingerprint(inp.fingerprint), st.mono)),
        (labels("pades.cover.revocation"),
         p(labels("pades.cover.revocation_self_signed" if inp.self_signed
                  else "pades.cover.revocation_ca"))),
        (labels("bundle.cover.file_name"), p(inp.bundle_name, st.mono)),
        (labels("bundle.cover.blurred"), p(yes_no[inp.blur])),
        (labels("bundle.cover.originals"), p(yes_no[inp.originals])),
    ]
    if inp.side_dir:
        rows.append((labels("bundle.cover.side_dir"), p(inp.side_dir + "/", st.mono)))
    story: list[Flowable] = [
        Spacer(1, 8 * mm),
        Paragraph(esc(labels("bundle.cover.kicker")), st.subtitle),
        Paragraph(esc(inp.title or labels("bundle.cover.untitled")), st.title),
        Spacer(1, 4 * mm),
        _kv(rows, st),
        Spacer(1, 6 * mm),
    ]
    # The warning stays whenever originals are attached: blurred pages do not blur them.
    notices = ["court.cover.notice_blurred_originals" if inp.originals else
               "bundle.cover.notice_blurred"] if inp.blur else ["bundle.cover.notice_sensitive"]
    if inp.hide_location:
        notices.append("court.cover.location_hidden")
    for notice in notices:
        for text in labels.texts(notice):
            story.append(Paragraph(esc(text), st.warning))
    story.append(Spacer(1, 5 * mm))
    story.append(Paragraph(esc(labels("bundle.cover.howto_title")), st.h2))
    for text in labels.texts("bundle.cover.howto", fingerprint_hint="SHA-256"):
        story.append(Paragraph(esc(text), st.body))
    return story


def _summary(inp: LayoutInput, labels: Labels, st: Styles) -> list[Flowable]:
    # The hash fits one line (6 pt), the time two (export zone, then UTC): ~20 rows a page.
    widths = [11 * mm, 16 * mm, 37 * mm, 0.0, 73 * mm]  # 11 mm: "번호" on one line
    widths[3] = FRAME_WIDTH - sum(widths)
    head = [
        Paragraph(esc(labels(k)), st.cell_head)
        for k in (
            "bundle.summary.number",
            "bundle.summary.kind",
            "court.summary.captured",
            "bundle.summary.source",
        )
    ] + [Paragraph("SHA-256", st.cell_head)]
    data: list[list[Any]] = [head]
    for view in inp.items:
        item = view.item
        source = item.source or "—"
        title = item.title
        short = source if len(source) <= 90 else source[:89] + "…"
        src = hard_wrap(short, MONO, 7, widths[3] - 2 * CELL_PADDING - 0.5)
        cell = f"<font name='{MONO}' size='7'>{src}</font>"
        if title and title != source:
            cell = f"{esc(title)}<br/>{cell}"
        data.append(
            [
                Paragraph(str(item.number), st.cell),
                Paragraph(esc(kind_label(labels, item.kind)), st.cell),
                Paragraph("<font size='7'>" + esc(labels.when(item.captured_at_utc)).replace(
                    " (", "<br/>(", 1) + "</font>", st.cell),
                Paragraph(cell, st.cell_wrap),
                Paragraph(f"<font name='{MONO}' size='6'>{esc(item.sha256 or '—')}</font>",
                          st.cell),
            ]
        )
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(grid_style(("TOPPADDING", (0, 1), (-1, -1), 1.5),
                          ("BOTTOMPADDING", (0, 1), (-1, -1), 1.5)))
    return [Paragraph(esc(labels("bundle.summary.title")), st.h1), t]


def _label_w(labels: Labels) -> float:
    return 52 * mm if labels.lang == "both" else 40 * mm


def _howto(inp: LayoutInput, labels: Labels, st: Styles) -> list[Flowable]:
    from evidencekit.bundle.layout_howto import howto_story

    return howto_story(inp.bundle_name, inp.side_dir, st, labels)


def _canvas_class(inp: LayoutInput, labels: Labels, counter: list[int]) -> type:
    case = inp.declaration.case_number.strip()
    left = [f"{labels('court.footer.case')} {case}"] if case else []
    left.append(f"{labels('court.footer.bundle')} {inp.bundle_id or inp.vault_id}")
    if inp.title:
        left.append(inp.title)
    footer_left = " · ".join(left)
    if len(footer_left) > 110:
        footer_left = footer_left[:109] + "…"
    footer_sub = (f"{FORMAT_PROGRAM} · {labels.when(inp.exported_at)} · "
                  f"{labels('bundle.cover.vault_id')} {inp.vault_id}")

    class NumberedCanvas(rl_canvas.Canvas):
        """Draws ``page n / total`` footers once the total is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            counter.append(total)
            for state in self._saved:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            y = PAGE_MARGIN - 4 * mm
            self.line(PAGE_MARGIN, y + 8, PAGE_W - PAGE_MARGIN, y + 8)
            self.setFillColor(MUTED)
            self.setFont(REGULAR, 7.5)
            self.drawString(PAGE_MARGIN, y, footer_left)
            self.drawRightString(
                PAGE_W - PAGE_MARGIN, y, labels("court.footer.page", page=self._pageNumber,
                                                total=total)
            )
            self.setFont(REGULAR, 6.5)
            self.drawString(PAGE_MARGIN, y - 9, footer_sub)
            self.restoreState()

    return NumberedCanvas


def build_layout(inp: LayoutInput, progress: Progress | None = None) -> tuple[bytes, int]:
    """Lay out the bundle; returns the PDF bytes (unsigned, no attachments) and page count."""
    labels = Labels(inp.lang, inp.zone)
    st = make_styles()
    story: list[Flowable] = []
    story.extend(_cover(inp, labels, st))
    story.append(PageBreak())
    story.extend(_summary(inp, labels, st))
    story.append(PageBreak())
    cert = CertInput(items=inp.items, holder=inp.holder or inp.signer_subject,
                     program=f"{FORMAT_PROGRAM} {__version__}", build=inp.build,
                     prepared_by=inp.prepared_by, declaration=inp.declaration,
                     exported_at=inp.exported_at)
    story.extend(hash_certificate(cert, labels, st, FRAME_WIDTH, _label_w(labels)))
    story.append(PageBreak())
    total = len(inp.items)
    for n, view in enumerate(inp.items, start=1):
        # Items follow one another on the same page (a rule between them); the heading
        # and the picture of an item are kept together, shrunk to fit when there is room.
        if n > 1:
            story.append(ItemRule(FRAME_WIDTH))
        story.extend(item_section(view, labels, st, FRAME_WIDTH, hide_location=inp.hide_location))
        if progress is not None and (n % 10 == 0 or n == total):
            progress(n, total, "bundle.progress.layout")
    story.append(PageBreak())
    numbers = {v.item.id: v.item.number for v in inp.items}
    story.extend(custody_section(inp.records, inp.head, numbers, inp.deletions, labels, st,
                                 FRAME_WIDTH, _label_w(labels)))
    # The route follows the custody log on its last page when a good part of it is free.
    story.append(CondPageBreak(90 * mm))
    story.extend(_howto(inp, labels, st))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=PAGE_MARGIN,
        rightMargin=PAGE_MARGIN,
        topMargin=PAGE_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=inp.title or labels("bundle.cover.untitled"),
        author=inp.prepared_by,
        subject=labels("bundle.cover.kicker"),
        creator=f"{FORMAT_PROGRAM} {__version__}",
        pageCompression=1,
        lang="ko" if inp.lang in ("ko", "both") else "en",
    )
    counter: list[int] = []
    with _RL_LOCK:
        # Binary streams: reportlab's ASCII85 encoding (pure Python without rl_accel) of
        # the page JPEGs would dominate the export time and grow the file by a quarter.
        saved = rl_config.useA85
        rl_config.useA85 = 0
        try:
            doc.build(story, canvasmaker=_canvas_class(inp, labels, counter))
        finally:
            rl_config.useA85 = saved
    pages = counter[-1] if counter else 0
    log.debug("bundle layout: %d pages", pages)
    return out.getvalue(), pages

