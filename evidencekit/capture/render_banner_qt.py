"""The banner above a page picture, painted with Qt in NanumGothic (Hangul everywhere).

Painted by the rendering child (:mod:`evidencekit.capture.render_qt`) *outside* the page's
document, onto the PNG, so nothing the page runs can hide, move or imitate it.
"""

from __future__ import annotations

import logging

from PySide6 import QtCore, QtGui
from PySide6.QtCore import Qt

from evidencekit.resources import resource_path

__all__ = ["paint_banner", "BANNER_BG", "BANNER_ACCENT"]

log = logging.getLogger(__name__)

BANNER_BG = QtGui.QColor(20, 33, 61)  # #14213d, dark navy
BANNER_FG = QtGui.QColor(255, 255, 255)
BANNER_LABEL = QtGui.QColor(252, 163, 17)  # #fca311
BANNER_ACCENT = QtGui.QColor(252, 163, 17)
_PAD = 16
_ACCENT_H = 6
_fonts: tuple[str, str] | None = None

def _banner_fonts() -> tuple[str, str]:
    global _fonts
    if _fonts is None:
        families = []
        for name in ("NanumGothic.ttf", "NanumGothicBold.ttf"):
            fid = QtGui.QFontDatabase.addApplicationFont(str(resource_path("fonts", name)))
            fams = QtGui.QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
            if not fams:
                log.warning("could not load font %s; using the default font", name)
            families.append(fams[0] if fams else "sans-serif")
        _fonts = (families[0], families[1])
    return _fonts





def _split_label(line: str) -> tuple[str, str]:
    head, sep, rest = line.partition(": ")
    if sep and len(head) <= 60:
        return head + ":", rest
    return "", line


def paint_banner(lines: tuple[str, ...] | list[str], width: int, dpr: float = 1.0) -> QtGui.QImage:
    """The banner as an image ``width`` logical pixels wide (first line as a heading)."""
    regular, bold = _banner_fonts()
    head_font = QtGui.QFont(bold)
    head_font.setPixelSize(20)
    head_font.setBold(True)
    label_font = QtGui.QFont(bold)
    label_font.setPixelSize(16)
    label_font.setBold(True)
    text_font = QtGui.QFont(regular)
    text_font.setPixelSize(16)
    inner = width - 2 * _PAD
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(
        Qt.TextFlag.TextWrapAnywhere
    )
    # Lay out first: (font, colour, x, y, w, h, text)
    items: list[tuple[QtGui.QFont, QtGui.QColor, int, int, int, int, str]] = []
    y = _PAD
    for i, line in enumerate(lines):
        if i == 0:
            fm = QtGui.QFontMetrics(head_font)
            r = fm.boundingRect(QtCore.QRect(0, 0, inner, 100000), flags, line)
            items.append((head_font, BANNER_FG, _PAD, y, inner, r.height(), line))
            y += r.height() + 10
            continue
        label, text = _split_label(line)
        x = _PAD
        lh = 0
        if label:
            lfm = QtGui.QFontMetrics(label_font)
            lw = lfm.horizontalAdvance(label) + 8
            items.append((label_font, BANNER_LABEL, x, y, lw, lfm.height(), label))
            x += lw
            lh = lfm.height()
        tfm = QtGui.QFontMetrics(text_font)
        r = tfm.boundingRect(QtCore.QRect(0, 0, width - _PAD - x, 100000), flags, text)
        items.append((text_font, BANNER_FG, x, y, width - _PAD - x, r.height(), text))
        y += max(lh, r.height()) + 6
    height = y - 6 + _PAD + _ACCENT_H
    img = QtGui.QImage(round(width * dpr), round(height * dpr), QtGui.QImage.Format.Format_RGB32)
    img.setDevicePixelRatio(dpr)
    img.fill(BANNER_BG)
    p = QtGui.QPainter(img)
    try:
        p.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        for font, colour, x, yy, w, h, text in items:
            p.setFont(font)
            p.setPen(colour)
            p.drawText(QtCore.QRect(x, yy, w, h + 4), flags, text)
        p.fillRect(0, height - _ACCENT_H, width, _ACCENT_H, BANNER_ACCENT)
    finally:
        p.end()
    return img
