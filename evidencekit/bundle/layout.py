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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from evidencekit import FORMAT_PROGRAM, __version__
from evidencekit.bundle.fonts import MONO, REGULAR
from evidencekit.bundle.layout_items import ItemView, item_section, kind_label
from evidencekit.bundle.manifest import CERT_NAME, MANIFEST_NAME
from evidencekit.bundle.styles import (
    CELL_PADDING,
    MUTED,
    PAGE_MARGIN,
    RULE,
    SHADE,
    Labels,
    Styles,
    esc,
    fmt_time,
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
    rows: list[tuple[str, Flowable]] = [
        (labels("bundle.cover.prepared_by"), p(inp.prepared_by or "—")),
        (labels("bundle.cover.exported_utc"), p(fmt_time(inp.exported_at, utc=True))),
        (labels("bundle.cover.exported_local"),
         p(f"{fmt_time(inp.exported_at_local)} ({inp.timezone})")),
        (labels("bundle.cover.item_count"), p(str(len(inp.items)))),
        (labels("bundle.cover.vault_id"), p(inp.vault_id, st.mono)),
        (labels("bundle.cover.signer"), p(inp.signer_subject, st.cell_wrap)),
        (labels("bundle.cover.fingerprint"), p(inp.fingerprint, st.mono)),
        (labels("identity.cover.short"), p(short_fingerprint(inp.fingerprint), st.mono)),
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
    notice = "bundle.cover.notice_blurred" if inp.blur else "bundle.cover.notice_sensitive"
    for text in labels.texts(notice):
        story.append(Paragraph(esc(text), st.warning))
    story.append(Spacer(1, 5 * mm))
    # The short "how to verify" is always in both languages (DESIGN: bundle cover).
    for lang in ("ko", "en"):
        short = Labels(lang)
        story.append(Paragraph(esc(short("bundle.cover.howto_title")), st.h2))
        story.append(
            Paragraph(esc(short("bundle.cover.howto", fingerprint_hint="SHA-256")), st.body)
        )
    return story


def _summary(inp: LayoutInput, labels: Labels, st: Styles) -> list[Flowable]:
    widths = [11 * mm, 21 * mm, 30 * mm, 50 * mm]
    widths.append(FRAME_WIDTH - sum(widths))
    head = [
        Paragraph(esc(labels(k)), st.cell_head)
        for k in (
            "bundle.summary.number",
            "bundle.summary.kind",
            "bundle.summary.captured",
            "bundle.summary.source",
        )
    ] + [Paragraph("SHA-256", st.cell_head)]
    data: list[list[Any]] = [head]
    for view in inp.items:
        item = view.item
        source = item.source or "—"
        title = item.title
        src = hard_wrap(source, MONO, 7, widths[3] - 2 * CELL_PADDING - 0.5)
        cell = f"<font name='{MONO}' size='7'>{src}</font>"
        if title and title != source:
            cell = f"{esc(title)}<br/>{cell}"
        data.append(
            [
                Paragraph(str(item.number), st.cell),
                Paragraph(esc(kind_label(labels, item.kind)), st.cell),
                Paragraph(esc(fmt_time(item.captured_at_utc, utc=True)), st.cell),
                Paragraph(cell, st.cell_wrap),
                mono_para(item.sha256 or "—", st.mono_small, widths[4]),
            ]
        )
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(grid_style())
    return [Paragraph(esc(labels("bundle.summary.title")), st.h1), t]


def _event_label(labels: Labels, kind: str) -> str:
    key = f"bundle.event.{kind}"
    return labels(key) if labels.has(key) else kind


def _custody(inp: LayoutInput, labels: Labels, st: Styles) -> list[Flowable]:
    numbers = {v.item.id: v.item.number for v in inp.items}
    disclosed = [r for r in inp.records if r.body is not None]
    story: list[Flowable] = [Paragraph(esc(labels("bundle.custody.title")), st.h1)]
    for text in labels.texts(
        "bundle.custody.intro", total=len(inp.records), disclosed=len(disclosed)
    ):
        story.append(Paragraph(esc(text), st.body))
    story.append(Spacer(1, 3 * mm))
    widths = [12 * mm, 28 * mm, 33 * mm, 13 * mm]
    widths.append(FRAME_WIDTH - sum(widths))
    hash_w = widths[4] - 2 * CELL_PADDING - 0.5
    head = [
        Paragraph(esc(labels(k)), st.cell_head)
        for k in (
            "bundle.custody.seq",
            "bundle.custody.time",
            "bundle.custody.event",
            "bundle.custody.item",
            "bundle.custody.hash",
        )
    ]
    data: list[list[Any]] = [head]
    shading: list[tuple[Any, ...]] = []
    expected = 1
    for rec in inp.records:
        if rec.body is None:
            continue
        if rec.seq > expected:
            gap = rec.seq - expected
            data.append(
                [Paragraph(esc(labels("bundle.custody.withheld", count=gap)), st.small)]
                + [""] * 4
            )
            row = len(data) - 1
            shading.append(("SPAN", (0, row), (-1, row)))
        body = rec.body
        item_no = numbers.get(str(body.get("item_id"))) if body.get("item_id") else None
        data.append(
            [
                Paragraph(str(rec.seq), st.cell),
                Paragraph(esc(fmt_time(body.get("at"), utc=True)), st.cell),
                Paragraph(esc(_event_label(labels, str(body.get("event")))), st.cell_wrap),
                Paragraph(str(item_no) if item_no is not None else "—", st.cell),
                Paragraph(
                    hard_wrap(rec.hash, MONO, 7, hash_w) + "<br/><font color='#666666'>"
                    + hard_wrap("← " + rec.prev_hash, MONO, 7, hash_w) + "</font>",
                    st.mono_small,
                ),
            ]
        )
        expected = rec.seq + 1
    last = inp.records[-1].seq if inp.records else 0
    if last >= expected:
        data.append(
            [Paragraph(esc(labels("bundle.custody.withheld", count=last - expected + 1)),
                       st.small)] + [""] * 4
        )
        row = len(data) - 1
        shading.append(("SPAN", (0, row), (-1, row)))
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(grid_style(*shading))
    story.append(t)
    story.append(Spacer(1, 4 * mm))
    head_rows: list[tuple[str, Flowable]] = [
        (labels("bundle.custody.head_seq"), Paragraph(str(inp.head.get("seq")), st.cell)),
        (labels("bundle.custody.head_hash"),
         mono_para(str(inp.head.get("hash")), st.mono, FRAME_WIDTH - 52 * mm)),
        (labels("bundle.custody.head_signature"),
         Paragraph(esc(labels("bundle.custody.head_signed")), st.cell_wrap)),
    ]
    story.append(KeepTogether([Paragraph(esc(labels("bundle.custody.head")), st.h2),
                               _kv(head_rows, st)]))
    return story


def _howto(inp: LayoutInput, labels: Labels, st: Styles) -> list[Flowable]:
    name = inp.bundle_name
    quoted = f'"{name}"' if " " in name else name
    steps: list[tuple[str, list[str]]] = [
        ("bundle.howto.step_signature", [f"pdfsig {quoted}"]),
        (
            "bundle.howto.step_certificate",
            [f"pdfdetach -savefile {CERT_NAME} {quoted}",
             f"openssl x509 -in {CERT_NAME} -noout -fingerprint -sha256"],
        ),
        ("bundle.howto.step_extract",
         ["mkdir extracted", f"pdfdetach -saveall -o extracted {quoted}"]),
        ("bundle.howto.step_hashes",
         ["sha256sum extracted/*", "(Windows) certutil -hashfile extracted\\FILE SHA256"]),
    ]
    if inp.side_dir:
        side = f'"{inp.side_dir}"/*' if " " in inp.side_dir else f"{inp.side_dir}/*"
        steps.append(("bundle.howto.step_side", [f"sha256sum {side}"]))
    steps.append(("bundle.howto.step_timestamps",
                  ["openssl ts -verify -data extracted/FILE -in extracted/FILE.tsr "
                   "-CAfile TSA-PUBLISHED-ROOT.pem -untrusted extracted/tsa-chain-….pem"]))
    steps.append(("bundle.howto.step_tool", [f"evidencekit verify {quoted}"]))
    story: list[Flowable] = [Paragraph(esc(labels("bundle.howto.title")), st.h1)]
    for text in labels.texts("bundle.howto.intro", manifest=MANIFEST_NAME):
        story.append(Paragraph(esc(text), st.body))
    story.append(Spacer(1, 3 * mm))
    for n, (key, commands) in enumerate(steps, start=1):
        block: list[Flowable] = []
        for i, text in enumerate(labels.texts(key, manifest=MANIFEST_NAME, cert=CERT_NAME)):
            prefix = f"<b>{n}.</b> " if i == 0 else ""
            block.append(Paragraph(prefix + esc(text), st.body))
        block.append(Paragraph("<br/>".join(esc(c) for c in commands), st.code))
        story.append(KeepTogether(block))
    story.append(Spacer(1, 4 * mm))
    for text in labels.texts("bundle.howto.fingerprint_note", fingerprint=inp.fingerprint):
        story.append(Paragraph(esc(text), st.body))
    return story


def _canvas_class(inp: LayoutInput, labels: Labels, counter: list[int]) -> type:
    footer_left = f"{FORMAT_PROGRAM} · {labels('bundle.footer.bundle')} · {inp.title}"
    if len(footer_left) > 95:
        footer_left = footer_left[:94] + "…"
    footer_sub = f"{fmt_time(inp.exported_at, utc=True)} · {inp.vault_id}"

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
                PAGE_W - PAGE_MARGIN, y, labels("bundle.footer.page", page=self._pageNumber,
                                                total=total)
            )
            self.setFont(REGULAR, 6.5)
            self.drawString(PAGE_MARGIN, y - 9, footer_sub)
            self.restoreState()

    return NumberedCanvas


def build_layout(inp: LayoutInput, progress: Progress | None = None) -> tuple[bytes, int]:
    """Lay out the bundle; returns the PDF bytes (unsigned, no attachments) and page count."""
    labels = Labels(inp.lang)
    st = make_styles()
    story: list[Flowable] = []
    story.extend(_cover(inp, labels, st))
    story.append(PageBreak())
    story.extend(_summary(inp, labels, st))
    total = len(inp.items)
    for n, view in enumerate(inp.items, start=1):
        story.append(PageBreak())
        story.extend(item_section(view, labels, st, FRAME_WIDTH))
        if progress is not None and (n % 10 == 0 or n == total):
            progress(n, total, "bundle.progress.layout")
    story.append(PageBreak())
    story.extend(_custody(inp, labels, st))
    story.append(PageBreak())
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

