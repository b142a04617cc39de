"""Widgets for a captured web page in the detail pane: the page-state warning.

:func:`page_state_banner` says, in a warning card under the item's title, that the page
was gone when captured (404/410/451), led to a sign-in page, or said its content was
removed (see :mod:`evidencekit.capture.page_state`); None for a page that was there.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import QWidget

from evidencekit.capture.page_state import state_message_key
from evidencekit.gui.widgets import card, para
from evidencekit.i18n import tr
from evidencekit.model import Item, ItemKind

__all__ = ["page_state_banner", "page_state_text"]

log = logging.getLogger(__name__)


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
    return tr(key, status=state.get("status") or "", reason=state.get("reason") or "",
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
