"""Widgets for a captured web page in the detail pane: page-state warning, its pictures.

:func:`page_state_banner` says, in a warning card under the item's title, that the page
was gone when captured (404/410/451), led to a sign-in page, or said its content was
removed (see :mod:`evidencekit.capture.page_state`); None for a page that was there.
:func:`resource_strip` shows the largest pictures the page loaded, read from the item's
WARC in memory and always strongly blurred (:func:`evidencekit.gui.thumbnails.blur`),
under the page's own picture; nothing is kept once the pane shows another item.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from evidencekit.capture.page_state import state_message_key
from evidencekit.errors import EvidenceKitError
from evidencekit.gui.widgets import card, muted, para
from evidencekit.i18n import tr
from evidencekit.model import Item, ItemKind

__all__ = ["page_state_banner", "page_state_text", "resource_strip"]

log = logging.getLogger(__name__)

STRIP_PICTURES = 8
STRIP_SIZE = (120, 90)
_COLUMNS = 3
#: WARCs larger than this are not read for the strip (the pane must stay quick).
MAX_STRIP_WARC = 64 * 1024 * 1024


def page_state_text(item: Item) -> str | None:
    """The GUI sentence for the item's page state, or None."""
    if item.kind != ItemKind.LINK or not isinstance(item.metadata, dict):
        return None
    state: Any = item.metadata.get("page_state")
    if not isinstance(state, dict):
        return None
    key = state_message_key(str(state.get("flag")), gui=True)
    if key is None:
        return None
    # "phrase", not "reason": an HTTP reason phrase ("Gone") is shown as the server sent it,
    # not translated like a library's error reason
    return tr(key, status=state.get("status") or "", phrase=state.get("reason") or "",
              evidence=state.get("evidence") or "")


def page_state_banner(item: Item) -> QWidget | None:
    """A warning card for the item's page state, or None."""
    text = page_state_text(item)
    if text is None:
        return None
    frame, inner = card("WarnBanner")
    label = para(text)
    label.setObjectName("PageStateFlag")
    inner.addWidget(label)
    return frame


def resource_strip(vault: Any, item: Item) -> QWidget | None:
    """A card with the largest pictures the page loaded, blurred; None if there are none."""
    if item.kind != ItemKind.LINK or item.state != "active" or not isinstance(
            item.metadata, dict) or not item.metadata.get("resources"):
        return None
    index = next((k for k, p in enumerate(item.parts) if p.name == "exchange.warc.gz"), None)
    if index is None or item.parts[index].size > MAX_STRIP_WARC:
        return None
    from evidencekit.bundle.layout_link_resources import largest_pictures
    from evidencekit.gui.thumbnails import _decode, blur, to_qimage

    try:
        pictures = largest_pictures(vault.read_part_bytes(item, index), STRIP_PICTURES)
    except EvidenceKitError as exc:
        log.warning("pictures of item %d could not be read: %s", item.number, exc.key)
        return None
    frame, inner = card()
    inner.addWidget(para(tr("webcapture.gui.pictures", count=len(
        item.metadata["resources"]))))
    grid = QGridLayout()
    shown = 0
    for pic in pictures:
        try:
            image = _decode(pic["data"])
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            log.info("a picture of the page could not be decoded (%s)", type(exc).__name__)
            continue
        label = QLabel()
        label.setObjectName("PagePicture")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setPixmap(QPixmap.fromImage(to_qimage(blur(image, STRIP_SIZE))))
        label.setToolTip(f"{pic['url']}\n{pic['width']} × {pic['height']} px")
        grid.addWidget(label, shown // _COLUMNS, shown % _COLUMNS)
        image.close()
        shown += 1
    if not shown:
        return None
    inner.addLayout(grid)
    inner.addWidget(muted(tr("webcapture.gui.pictures_note")))
    return frame
