"""Previews for items that are not pictures, in the detail pane: a video's first frames as
a contact sheet (with duration, codec and resolution), a PDF's first page (QtPdf), the
first lines of a text or chat file. Blurred until the person asks to see them, like
pictures; made in memory from the vault's verified bytes and never written to disk.
"""

from __future__ import annotations

import logging

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsBlurEffect,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from evidencekit.errors import EvidenceKitError
from evidencekit.gui.thumbnails import blur
from evidencekit.gui.widgets import button, card, muted
from evidencekit.i18n import tr
from evidencekit.model import Item
from evidencekit.previews import preview_kind, text_preview, video_preview

__all__ = ["PreviewBox", "pdf_first_page", "preview_part"]

log = logging.getLogger(__name__)

#: Larger parts are not read for a preview in the window (it would stall it).
MAX_GUI_PREVIEW_BYTES = 64 * 1024 * 1024
SHOWN = QSize(360, 240)


def preview_part(item: Item) -> tuple[int, str] | None:
    """(part index, ``video``/``pdf``/``text``) of the part to preview, or None."""
    if item.state != "active":
        return None
    for index, part in enumerate(item.parts):
        kind = preview_kind(part.media_type, part.name)
        if kind and part.size <= MAX_GUI_PREVIEW_BYTES:
            return index, kind
    return None


def pdf_first_page(data: bytes, size: QSize = SHOWN) -> QImage | None:
    """The first page of a PDF, rendered by QtPdf from memory."""
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    doc.load(buffer)
    try:
        if doc.status() != QPdfDocument.Status.Ready or doc.pageCount() < 1:
            return None
        page = doc.pagePointSize(0)
        if page.width() <= 0 or page.height() <= 0:
            return None
        scale = min(size.width() / page.width(), size.height() / page.height()) * 1.5
        image = doc.render(0, QSize(int(page.width() * scale), int(page.height() * scale)))
        return None if image.isNull() else image
    finally:
        doc.close()
        buffer.close()


def _to_qimage(image: Image.Image) -> QImage:
    rgb = image.convert("RGB")
    data = rgb.tobytes()
    return QImage(data, rgb.width, rgb.height, rgb.width * 3,
                  QImage.Format.Format_RGB888).copy()


def _to_pil(image: QImage) -> Image.Image:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    ptr = rgb.constBits()
    raw = bytes(ptr)[: rgb.bytesPerLine() * rgb.height()]
    return Image.frombuffer("RGB", (rgb.width(), rgb.height()), raw, "raw", "RGB",
                            rgb.bytesPerLine(), 1).copy()


class PreviewBox(QFrame):
    """The preview of one item's part, blurred until "선명하게 보기"."""

    def __init__(self, item: Item, index: int, kind: str, data: bytes,
                 revealed: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.revealed = False
        self.sharp: QImage | None = None
        self.blurred: QImage | None = None
        self.text_view: QPlainTextEdit | None = None
        self.info = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        frame, inner = card()
        layout.addWidget(frame)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.picture.setAccessibleName(tr("gui.preview.name"))
        if kind == "video":
            video = video_preview(data)
            if video is not None:
                self._set_image(video.sheet)
                self.info = tr("gui.preview.video", summary=video.summary())
        elif kind == "pdf":
            page = pdf_first_page(data)
            if page is not None:
                self._set_image(_to_pil(page))
                self.info = tr("gui.preview.pdf")
        elif kind == "text":
            self.text_view = QPlainTextEdit(text_preview(data))
            self.text_view.setReadOnly(True)
            self.text_view.setMinimumHeight(160)
            self.text_view.setAccessibleName(tr("gui.preview.name"))
            self.info = tr("gui.preview.text")
        if self.sharp is None and self.text_view is None:
            inner.addWidget(muted(tr("gui.preview.none")))
            self.reveal_button = None
            return
        inner.addWidget(self.text_view if self.text_view is not None else self.picture)
        row = QHBoxLayout()
        self.note = muted("")
        row.addWidget(self.note, 1)
        self.reveal_button = button("", self.toggle)
        row.addWidget(self.reveal_button)
        inner.addLayout(row)
        if self.info:
            inner.addWidget(muted(self.info))
        self.set_revealed(revealed)

    def _set_image(self, image: Image.Image) -> None:
        fitted = image.copy()
        fitted.thumbnail((SHOWN.width(), SHOWN.height()), Image.Resampling.LANCZOS)
        self.sharp = _to_qimage(fitted)
        self.blurred = _to_qimage(blur(fitted, (SHOWN.width(), SHOWN.height())))
        self.picture.setMinimumHeight(min(SHOWN.height(), fitted.height) + 8)

    def toggle(self) -> None:
        self.set_revealed(not self.revealed)

    def set_revealed(self, on: bool) -> None:
        self.revealed = on
        if self.text_view is not None:
            if on:
                self.text_view.setGraphicsEffect(None)  # type: ignore[arg-type]
            else:
                effect = QGraphicsBlurEffect(self.text_view)
                effect.setBlurRadius(14)
                self.text_view.setGraphicsEffect(effect)
        elif self.sharp is not None and self.blurred is not None:
            self.picture.setPixmap(QPixmap.fromImage(self.sharp if on else self.blurred))
        if self.reveal_button is not None:
            self.reveal_button.setText(tr("gui.detail.blur_again" if on
                                          else "gui.detail.reveal"))
            self.note.setText(tr("gui.detail.revealed_note" if on
                                 else "gui.preview.blurred_note"))


def make_preview(vault: object, item: Item, revealed: bool = False) -> PreviewBox | None:
    """The preview box for ``item``, or None when it has nothing to preview."""
    chosen = preview_part(item)
    if chosen is None:
        return None
    index, kind = chosen
    try:
        data = vault.read_part_bytes(item, index)  # type: ignore[attr-defined]
    except EvidenceKitError as exc:
        log.info("no preview for item %d: %s", item.number, exc.key)
        return None
    return PreviewBox(item, index, kind, data, revealed)
