"""A reporting list as a PDF page set (A4 landscape, NanumGothic), signed with the vault
identity like the evidence bundle (PAdES, :mod:`evidencekit.bundle.signing`)."""

from __future__ import annotations

import io
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from evidencekit.bundle.fonts import REGULAR
from evidencekit.bundle.signing import sign_in_place
from evidencekit.bundle.styles import esc, grid_style, hard_wrap, make_styles
from evidencekit.reports.lists import ReportTable

__all__ = ["pdf_bytes"]

_PAGE = landscape(A4)
_MARGIN = 14 * mm


def _numbered_canvas(footer: str, page_key: str) -> type:
    class _Canvas(rl_canvas.Canvas):
        """Writes "{page}/{total}" on every page once the total is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._states: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._states.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._states)
            for state in self._states:
                self.__dict__.update(state)
                self.setFont(REGULAR, 7.5)
                self.drawString(_MARGIN, 8 * mm, footer)
                self.drawRightString(_PAGE[0] - _MARGIN, 8 * mm,
                                     page_key.format(page=self._pageNumber, total=total))
                super().showPage()
            super().save()

    return _Canvas


def pdf_bytes(table: ReportTable, title: str, heading: list[tuple[str, str]],
              header: list[str], *, footer: str, page_label: str, note: str,
              key: ec.EllipticCurvePrivateKey, cert: x509.Certificate,
              signer_name: str | None) -> bytes:
    """The signed PDF in memory. ``page_label`` has ``{page}`` and ``{total}``."""
    st = make_styles()
    width = _PAGE[0] - 2 * _MARGIN
    total_w = sum(c.width for c in table.columns)
    widths = [width * c.width / total_w for c in table.columns]
    story: list[Any] = [Paragraph(esc(title), st.h1)]
    for label, value in heading:
        story.append(Paragraph(f"<b>{esc(label)}</b>: {esc(value)}", st.body))
    if note:
        story.append(Paragraph(esc(note), st.small))
    story.append(Spacer(1, 4 * mm))
    data: list[list[Any]] = [[Paragraph(esc(h), st.cell_head) for h in header]]
    for values in table.rows:
        cells = []
        for column, value, w in zip(table.columns, values, widths, strict=True):
            if column.mono:
                cells.append(Paragraph(hard_wrap(value, st.mono_small.fontName,
                                                 st.mono_small.fontSize, w - 8),
                                       st.mono_small))
            else:
                cells.append(Paragraph(esc(value).replace("\n", "<br/>"), st.cell_wrap))
        data.append(cells)
    if not table.rows:
        data.append([Paragraph("—", st.cell)] + [""] * (len(header) - 1))
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(grid_style())
    story.append(t)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=_PAGE, leftMargin=_MARGIN, rightMargin=_MARGIN,
                            topMargin=_MARGIN, bottomMargin=16 * mm, title=title,
                            author="EvidenceKit")
    doc.build(story, canvasmaker=_numbered_canvas(footer, page_label))
    sign_in_place(buf, key, cert, signer_name=signer_name)
    return buf.getvalue()
