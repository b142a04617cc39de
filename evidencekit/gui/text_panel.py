"""The detail pane's "Text in the picture": links and @handles read from a screenshot or
page rendering, each link offered to be saved as a link item, and the text itself behind
a button (it may be hurtful to read, so it is not shown unasked)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPlainTextEdit, QVBoxLayout

from evidencekit.gui.widgets import button, heading, muted
from evidencekit.i18n import tr
from evidencekit.model import Item
from evidencekit.ocr.store import META_KEY, links_seen

__all__ = ["add_text_section"]

_MAX_LINKS = 10


def _full(url: str) -> str:
    return url if url.lower().startswith(("http://", "https://")) else "https://" + url


def add_text_section(layout: QVBoxLayout, item: Item,
                     add_link: Callable[[str], None]) -> None:
    data = item.metadata.get(META_KEY)
    if item.state != "active" or not isinstance(data, dict):
        return
    links, handles = links_seen(item)
    text = str(data.get("text") or "")
    if not (text.strip() or links or handles):
        return
    layout.addWidget(heading(tr("gui.ocr.heading"), 13))
    if links:
        layout.addWidget(muted(tr("gui.ocr.links_seen")))
        for url in links[:_MAX_LINKS]:
            row = QHBoxLayout()
            line = QLineEdit(url)
            line.setReadOnly(True)
            line.setCursorPosition(0)
            row.addWidget(line, 1)
            row.addWidget(button(tr("gui.ocr.save_link"),
                                 functools.partial(add_link, _full(url)), "link"))
            layout.addLayout(row)
    if handles:
        layout.addWidget(muted(tr("gui.ocr.handles", handles=", ".join(handles[:20]))))
    if text.strip():
        box = QPlainTextEdit(text)
        box.setReadOnly(True)
        box.setMaximumHeight(160)
        box.hide()
        toggle = button(tr("gui.ocr.show_text"))
        toggle.setCheckable(True)
        toggle.toggled.connect(box.setVisible)
        layout.addWidget(toggle)
        layout.addWidget(box)
