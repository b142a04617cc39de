"""Copies of the same picture in the GUI: the "also in 자료 #3, #17" row of the detail
pane, and the dialog that lists every group of items holding the same picture (a click
shows the item). The copies are found again only when the items change."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidencekit.gui.session import VaultSession
from evidencekit.gui.widgets import button, button_row, dialog_layout, heading, link, muted
from evidencekit.i18n import tr
from evidencekit.model import Item

if TYPE_CHECKING:  # numpy is loaded when copies are first looked for, not at start
    from evidencekit.similar.copies import CopyMap

__all__ = ["copies_for", "add_copies_section", "GroupsDialog", "show_groups", "apply_filter",
           "check_older"]

log = logging.getLogger(__name__)

_cache: dict[int, tuple[tuple[Any, ...], CopyMap]] = {}


def _signature(items: list[Item]) -> tuple[Any, ...]:
    return tuple((i.number, i.state, id(i.metadata.get("pdq"))) for i in items)


def copies_for(session: VaultSession) -> CopyMap:
    """The copies among the session's items (kept until the items change)."""
    from evidencekit.similar.copies import find_copies

    items = session.items()
    sig = _signature(items)
    cached = _cache.get(id(session))
    if cached is not None and cached[0] == sig:
        return cached[1]
    found = find_copies(items)
    _cache.clear()  # one open vault at a time
    _cache[id(session)] = (sig, found)
    return found


def add_copies_section(layout: QVBoxLayout, session: VaultSession, item: Item,
                       open_item: Callable[[int], None]) -> None:
    """"Same picture also in" with a link per other item; nothing when there is none."""
    if item.state != "active":
        return
    copies = copies_for(session).copies_of(item.number)
    if not copies:
        return
    layout.addWidget(heading(tr("gui.similar.heading"), 13))
    row = QHBoxLayout()
    row.setSpacing(6)
    row.addWidget(muted(tr("gui.similar.also_in")))
    for c in copies[:12]:
        b = link(tr("gui.similar.item_cut" if c.cropped else "gui.similar.item",
                    number=c.number), functools.partial(open_item, c.number))
        b.setToolTip(tr("gui.similar.distance_cut" if c.cropped else "gui.similar.distance",
                        distance=c.distance))
        row.addWidget(b)
    if len(copies) > 12:
        row.addWidget(muted(tr("gui.similar.more", count=len(copies) - 12)))
    row.addStretch(1)
    layout.addLayout(row)


class GroupsDialog(QDialog):
    """Every group of items holding the same picture; choosing an item shows it."""

    def __init__(self, session: VaultSession, open_item: Callable[[int], None],
                 parent: QWidget | None = None) -> None:
        from evidencekit.similar.copies import needs_hash

        super().__init__(parent)
        self.setWindowTitle(tr("gui.similar.groups_title"))
        self.resize(560, 460)
        layout = dialog_layout(self)
        layout.addWidget(heading(tr("gui.similar.groups_title")))
        items = {i.number: i for i in session.items()}
        found = copies_for(session)
        waiting = sum(1 for i in items.values() if needs_hash(i))
        self.list = QListWidget()
        for n, group in enumerate(found.groups, start=1):
            head = QListWidgetItem(tr("gui.similar.group", n=n, count=len(group)))
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = head.font()
            font.setBold(True)
            head.setFont(font)
            self.list.addItem(head)
            for number in group:
                item = items.get(number)
                title = (item.title or item.source) if item else ""
                entry = QListWidgetItem(f"   {tr('gui.similar.item', number=number)}  {title}")
                entry.setData(Qt.ItemDataRole.UserRole, number)
                self.list.addItem(entry)
        if found.groups:
            layout.addWidget(muted(tr("gui.similar.groups_hint")))
            layout.addWidget(self.list, 1)
        else:
            layout.addWidget(muted(tr("gui.similar.no_groups")))
            layout.addStretch(1)
        if waiting:
            layout.addWidget(muted(tr("gui.similar.waiting", count=waiting)))

        def chosen(entry: QListWidgetItem) -> None:
            number = entry.data(Qt.ItemDataRole.UserRole)
            if isinstance(number, int):
                open_item(number)

        self.list.itemActivated.connect(chosen)
        self.list.itemClicked.connect(chosen)
        layout.addLayout(button_row(button(tr("gui.similar.close"), self.accept)))


def show_groups(window: Any) -> None:
    """The main window's "Same pictures" action."""
    GroupsDialog(window.session, window.select_item, window).exec()


def apply_filter(session: VaultSession, query: Any) -> Any:
    """The filter bar's "Same picture" choice: every item of every group of copies."""
    from evidencekit.gui.item_list import COPIES

    if getattr(query, "kind", None) != COPIES:
        return query
    members = frozenset(n for g in copies_for(session).groups for n in g)
    return dataclasses.replace(query, kind=None, numbers=members)


def check_older(window: Any) -> None:
    """The main window's "Check older items" action: the background job also reads the
    text and perceptual hashes of items stored before this session."""
    count = window.background.include_older()
    window.notify(tr("gui.similar.older_started", count=count) if count
                  else tr("gui.similar.older_none"))
