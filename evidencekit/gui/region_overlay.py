"""Region capture: a full-screen overlay over a frozen screenshot of the whole desktop.

The user drags a rectangle; Enter keeps it, Esc cancels. The kept region is cropped from
the frozen picture in memory (device pixels, so exactly what was on screen) and becomes
a normal :class:`~evidencekit.capture.screen.Screenshot` with region metadata.
"""

from __future__ import annotations

import copy
import io
import logging

from PIL import Image
from PySide6.QtCore import QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QWidget

from evidencekit.capture.screen import Screenshot, encode_png
from evidencekit.errors import InputError
from evidencekit.gui.theme import scaled_font
from evidencekit.i18n import tr

__all__ = ["RegionOverlay", "crop_screenshot", "desktop_geometry"]

log = logging.getLogger(__name__)

MIN_SIZE = 4


def desktop_geometry() -> QRect:
    """The virtual desktop: the union of every screen's geometry (logical pixels)."""
    rect = QRect()
    for screen in QGuiApplication.screens():
        rect = rect.united(screen.geometry())
    return rect if rect.isValid() else QRect(0, 0, 1280, 800)


def crop_screenshot(shot: Screenshot, box: tuple[int, int, int, int]) -> Screenshot:
    """The part ``box`` (x, y, width, height in the picture's pixels) of a frozen shot."""
    x, y, w, h = box
    with Image.open(io.BytesIO(shot.png)) as im:
        im.load()
        left, top = max(0, x), max(0, y)
        right, bottom = min(im.width, x + w), min(im.height, y + h)
        if right - left < 1 or bottom - top < 1:
            raise InputError("capture.screen.region_outside", region=f"{x},{y},{w},{h}",
                             size=f"{im.width}x{im.height}")
        part = im.crop((left, top, right, bottom))
        mode = "RGBA" if "A" in im.getbands() else "RGB"
        png = encode_png(part.convert(mode))
    meta = copy.deepcopy(shot.metadata)
    meta["target"] = {"kind": "region", "region": [left, top, right - left, bottom - top]}
    meta["crop_px"] = [left, top, right - left, bottom - top]
    meta["region_selected_on_frozen_screen"] = True
    meta["image"] = {"width": right - left, "height": bottom - top, "mode": mode}
    meta.pop("png_encoder", None)
    meta["png_encoder"] = {"name": "evidencekit", "filter": "none"}
    return Screenshot(png, meta, right - left, bottom - top, shot.captured_at)


class RegionOverlay(QWidget):
    """Shows the frozen desktop; emits ``chosen(Screenshot)`` or ``cancelled``."""

    chosen = Signal(object)
    cancelled = Signal()

    def __init__(self, shot: Screenshot, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shot = shot
        self.image = QImage.fromData(shot.png)
        self.setWindowFlags(Qt.WindowType.FramelessWindowHint |
                            Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.start: QPoint | None = None
        self.end: QPoint | None = None
        self.dragging = False
        self.done = False
        self.setGeometry(desktop_geometry())

    def open(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        self.setFocus()

    def selection(self) -> QRect:
        if self.start is None or self.end is None:
            return QRect()
        x0, x1 = sorted((self.start.x(), self.end.x()))
        y0, y1 = sorted((self.start.y(), self.end.y()))
        return QRect(x0, y0, x1 - x0, y1 - y0)  # the end point is not included

    def image_box(self) -> tuple[int, int, int, int]:
        """The selection in the frozen picture's pixels."""
        sel = self.selection()
        sx = self.image.width() / max(1, self.width())
        sy = self.image.height() / max(1, self.height())
        return (round(sel.x() * sx), round(sel.y() * sy),
                round(sel.width() * sx), round(sel.height() * sy))

    # -- events ----------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.start = self.end = event.position().toPoint()
            self.dragging = True
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.dragging:
            self.end = event.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.dragging and event.button() == Qt.MouseButton.LeftButton:
            self.end = event.position().toPoint()
            self.dragging = False
            self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self._finish(None)
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            sel = self.selection()
            if sel.width() >= MIN_SIZE and sel.height() >= MIN_SIZE:
                self._finish(crop_screenshot(self.shot, self.image_box()))
        else:
            super().keyPressEvent(event)

    def _finish(self, result: Screenshot | None) -> None:
        if self.done:
            return
        self.done = True
        self.image = QImage()
        self.close()
        if result is None:
            self.cancelled.emit()
        else:
            self.chosen.emit(result)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        full = self.rect()
        if not self.image.isNull():
            painter.drawImage(QRectF(full), self.image)
        shade = QColor(20, 24, 28, 120)
        sel = self.selection()
        if sel.isEmpty():
            painter.fillRect(full, shade)
        else:
            for r in (QRect(0, 0, full.width(), sel.top()),
                      QRect(0, sel.bottom() + 1, full.width(), full.height() - sel.bottom()),
                      QRect(0, sel.top(), sel.left(), sel.height()),
                      QRect(sel.right() + 1, sel.top(), full.width() - sel.right(),
                            sel.height())):
                painter.fillRect(r, shade)
            painter.setPen(QPen(QColor("#ffffff"), 2))
            painter.drawRect(sel)
            x, y, w, h = self.image_box()
            painter.drawText(sel.left() + 4, max(16, sel.top() - 8), f"{w} × {h}")
        font = scaled_font(self.font().family(), 14)
        painter.setFont(font)
        hint = tr("gui.region.hint")
        half = max(360, painter.fontMetrics().horizontalAdvance(hint) // 2 + 24)
        box = QRect(full.center().x() - half, 24, 2 * half,
                    max(48, painter.fontMetrics().height() * 2))
        painter.fillRect(box, QColor(255, 255, 255, 225))
        painter.setPen(QColor("#272a2c"))
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), hint)
