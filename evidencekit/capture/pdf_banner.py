"""Stamping the capture banner onto a page's PDF, outside anything the page controls.

The renderer prints the page without a banner; :func:`stamp_banner` then builds a new A4
document in which every page holds the printed page, scaled into the area below a banner
strip, and the banner (drawn with reportlab in NanumGothic) above it. The page's scripts
and style sheets never see the banner, so they cannot remove, move or imitate it inside
the strip, and the page's content cannot reach into the strip (it is placed below it as
a clipped form XObject with pikepdf).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence

import pikepdf
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph

from evidencekit.errors import CaptureError

__all__ = ["stamp_banner", "BANNER_PAGE_MARK"]

log = logging.getLogger(__name__)

#: Written into the banner's form XObject so a reader (and the tests) can find it.
BANNER_PAGE_MARK = "EvidenceKit capture banner"
_BG = colors.HexColor("#14213d")
_ACCENT = colors.HexColor("#fca311")
_PAD = 8.0
_ACCENT_H = 3.0
_GAP = 4.0


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _paragraphs(lines: Sequence[str]) -> list[Paragraph]:
    from evidencekit.bundle.fonts import BOLD, REGULAR, register_fonts

    register_fonts()
    head = ParagraphStyle("h", fontName=BOLD, fontSize=10.5, leading=13,
                          textColor=colors.white, wordWrap="CJK")
    body = ParagraphStyle("b", fontName=REGULAR, fontSize=8, leading=10,
                          textColor=colors.white, wordWrap="CJK")
    out = []
    for i, line in enumerate(lines):
        if i == 0:
            out.append(Paragraph(_esc(line), head))
            continue
        label, sep, rest = line.partition(": ")
        if sep and len(label) <= 60:
            text = (f'<font name="{BOLD}" color="#fca311">{_esc(label)}:</font> '
                    f"{_esc(rest)}")
        else:
            text = _esc(line)
        out.append(Paragraph(text, body))
    return out


def _banner_pdf(lines: Sequence[str], page_no: int, pages: int) -> tuple[bytes, float]:
    """A one-page A4 PDF holding only the banner strip, and the strip's height."""
    width, height = A4
    inner = width - 2 * _PAD
    paras = _paragraphs(list(lines) + [f"{page_no}/{pages}쪽 · page {page_no} of {pages}"])
    sizes = [p.wrap(inner, height) for p in paras]
    strip = _PAD * 2 + sum(h for _w, h in sizes) + _GAP * (len(paras) - 1) + _ACCENT_H
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    c.setTitle(BANNER_PAGE_MARK)
    c.setFillColor(_BG)
    c.rect(0, height - strip, width, strip, stroke=0, fill=1)
    c.setFillColor(_ACCENT)
    c.rect(0, height - strip, width, _ACCENT_H, stroke=0, fill=1)
    y = height - _PAD
    for p, (_w, h) in zip(paras, sizes, strict=True):
        p.drawOn(c, _PAD, y - h)
        y -= h + _GAP
    c.showPage()
    c.save()
    return buf.getvalue(), strip


def stamp_banner(pdf: bytes, lines: Sequence[str]) -> bytes:
    """``pdf`` with the banner ``lines`` above every page (page numbers added).

    Raises :class:`CaptureError` ``links.render_failed`` when ``pdf`` cannot be read.
    """
    try:
        src = pikepdf.open(io.BytesIO(pdf))
    except (pikepdf.PdfError, ValueError) as exc:
        raise CaptureError("links.render_failed", reason=f"unreadable PDF: {exc}") from exc
    out = pikepdf.new()
    width, height = A4
    total = len(src.pages)
    with src:
        for n, page in enumerate(src.pages, start=1):
            banner_bytes, strip = _banner_pdf(lines, n, total)
            banner = pikepdf.open(io.BytesIO(banner_bytes))
            new = out.add_blank_page(page_size=(width, height))
            # The printed page, scaled into the area below the strip (aspect kept).
            new.add_overlay(out.copy_foreign(page.obj),
                            pikepdf.Rectangle(0, 0, width, height - strip))
            new.add_overlay(out.copy_foreign(banner.pages[0].obj),
                            pikepdf.Rectangle(0, 0, width, height))
            banner.close()
        out.docinfo["/Title"] = BANNER_PAGE_MARK
        buf = io.BytesIO()
        out.save(buf, deterministic_id=True)
    return buf.getvalue()
