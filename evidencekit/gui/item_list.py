"""The item grid: a model over the session's items, a filter proxy (text, kind, tag, date),
a delegate that draws each item as a card with its picture — blurred unless revealed —
and the filter bar above it.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from evidencekit.gui.filters import DATE_CHOICES, Query, all_tags, date_range, matches
from evidencekit.gui.session import VaultSession
from evidencekit.gui.theme import COLORS, icon
from evidencekit.gui.thumbnails import THUMB_SIZE
from evidencekit.i18n import tr
from evidencekit.model import Item, ItemKind
from evidencekit.timefmt import gui_time
from evidencekit.timefmt import short_time as compact_time

__all__ = ["ItemModel", "ItemFilter", "ItemDelegate", "ItemGrid", "FilterBar", "ITEM_ROLE",
           "kind_label", "short_time", "number_label", "elide_lines"]

log = logging.getLogger(__name__)

ITEM_ROLE = int(Qt.ItemDataRole.UserRole) + 1
CARD = QSize(THUMB_SIZE[0] + 28, THUMB_SIZE[1] + 112)
_Index = QModelIndex | QPersistentModelIndex


def kind_label(kind: str) -> str:
    return tr(f"gui.kind.{kind}") if kind in ItemKind.ALL else kind


def kind_icon(item: Item) -> str:
    if item.state == "pending":
        return "pending"
    return {"file": "file", "screenshot": "screenshot", "link": "link",
            "incident": "incident", "chat": "chat"}.get(item.kind, "file")


def short_time(iso_text: str, zone: str | None = None) -> str:
    """``2024년 8월 27일 오후 3:15 KST``: local time, always with its zone."""
    return gui_time(iso_text, zone) if iso_text else ""


def elide_lines(text: str, fm: QFontMetrics, width: int, max_lines: int) -> list[str]:
    """``text`` wrapped into at most ``max_lines`` lines of ``width`` pixels, the last one
    ending in "…" when something is left out (never cut off without a sign)."""
    words = text.replace("\n", " ").split(" ")
    lines: list[str] = []
    current = ""
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if fm.horizontalAdvance(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        if len(lines) == max_lines - 1:
            rest = " ".join(words[index:])
            lines.append(fm.elidedText(rest, Qt.TextElideMode.ElideRight, width))
            return lines
        # A word wider than the line (Korean without spaces, a URL): break it by width.
        while fm.horizontalAdvance(word) > width and len(lines) < max_lines - 1:
            cut = len(word)
            while cut > 1 and fm.horizontalAdvance(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        if len(lines) == max_lines - 1 and fm.horizontalAdvance(word) > width:
            rest = " ".join([word, *words[index + 1:]])
            lines.append(fm.elidedText(rest, Qt.TextElideMode.ElideRight, width))
            return lines
        current = word
    if current:
        lines.append(current)
    return lines[:max_lines]


def number_label(number: int) -> str:
    """``자료 #4``: an item's number, never a bare ``#4`` (that could be a record)."""
    return tr("gui.item.number", number=number)


class ItemModel(QAbstractListModel):
    """The session's items, newest first."""

    def __init__(self, session: VaultSession) -> None:
        super().__init__()
        self.session = session
        self._items: list[Item] = []
        session.items_changed.connect(self.reload)
        session.pictures_changed.connect(self._picture_changed)
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._items = sorted(self.session.items(), key=lambda i: -i.number)
        self.endResetModel()

    def _picture_changed(self, number: int) -> None:
        row = self.row_of(number)
        if row >= 0:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._items):
            return None
        item = self._items[index.row()]
        if role == ITEM_ROLE:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{number_label(item.number)} · {kind_label(item.kind)}\n{item.title}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{kind_label(item.kind)} {item.number}: {item.title}"
        return None

    def row_of(self, number: int) -> int:
        for row, item in enumerate(self._items):
            if item.number == number:
                return row
        return -1


class ItemFilter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.query = Query()

    def set_query(self, query: Query) -> None:
        self.beginFilterChange()
        self.query = query
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: _Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        item = model.data(model.index(row, 0, parent), ITEM_ROLE)
        return isinstance(item, Item) and matches(item, self.query)


class ItemDelegate(QStyledItemDelegate):
    """Draws one item as a card: picture (blurred by default), title, kind and time."""

    def __init__(self, session: VaultSession) -> None:
        super().__init__()
        self.session = session

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:  # noqa: N802
        return CARD

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        item = index.data(ITEM_ROLE)
        if not isinstance(item, Item):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect.adjusted(6, 6, -6, -6)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        path = QPainterPath()
        path.addRoundedRect(rect, 10, 10)
        painter.fillPath(path, QColor(COLORS["accent_soft"] if selected else COLORS["card"]))
        painter.setPen(QPen(QColor(COLORS["accent"] if selected else COLORS["border"]),
                            2 if selected else 1))
        painter.drawPath(path)

        pic_rect = QRect(rect.x() + 8, rect.y() + 8, rect.width() - 16, THUMB_SIZE[1])
        self._picture(painter, pic_rect, item)

        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        fm = QFontMetrics(font)
        text_rect = QRect(rect.x() + 10, pic_rect.bottom() + 8, rect.width() - 20,
                          fm.lineSpacing() * 2)
        painter.setPen(QColor(COLORS["text"]))
        title_lines = elide_lines(item.title or number_label(item.number), fm,
                                  text_rect.width(), 2)
        for n, line in enumerate(title_lines):
            painter.drawText(QRect(text_rect.x(), text_rect.y() + n * fm.lineSpacing(),
                                   text_rect.width(), fm.lineSpacing()),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), line)
        small = QFont(option.font)
        small.setPointSize(max(8, small.pointSize() - 2))
        painter.setFont(small)
        painter.setPen(QColor(COLORS["muted"]))
        sfm = QFontMetrics(small)
        kind = tr("gui.item.pending") if item.state == "pending" else kind_label(item.kind)
        lines = (f"{number_label(item.number)} · {kind}",
                 compact_time(item.captured_at, item.timezone))
        for n, line in enumerate(lines):
            meta_rect = QRect(text_rect.x(), text_rect.bottom() + 7 + n * sfm.lineSpacing(),
                              text_rect.width(), sfm.lineSpacing())
            painter.drawText(meta_rect, int(Qt.AlignmentFlag.AlignLeft),
                             sfm.elidedText(line, Qt.TextElideMode.ElideRight,
                                            meta_rect.width()))
        painter.restore()

    def _picture(self, painter: QPainter, rect: QRect, item: Item) -> None:
        clip = QPainterPath()
        clip.addRoundedRect(rect, 8, 8)
        painter.fillPath(clip, QColor(COLORS["blur_bg"]))
        if self.session.has_picture(item):
            pics = self.session.pictures(item.number)
            if pics is not None:
                revealed = item.number in self.session.revealed and pics.sharp_thumb is not None
                image: QImage = pics.sharp_thumb if revealed and pics.sharp_thumb else pics.thumb
                target = QRect(0, 0, image.width(), image.height())
                target.moveCenter(rect.center())
                painter.save()
                painter.setClipPath(clip)
                painter.drawImage(target, image)
                painter.restore()
                badge = "eye" if revealed else "eye_off"
                painter.drawPixmap(rect.right() - 30, rect.y() + 6,
                                   icon(badge).pixmap(QSize(24, 24)))
                return
        glyph = icon(kind_icon(item)).pixmap(QSize(48, 48))
        painter.drawPixmap(rect.center().x() - 24, rect.center().y() - 24, glyph)


class ItemGrid(QListView):
    """The grid of item cards, with a friendly message when there is nothing to show."""

    def __init__(self, session: VaultSession) -> None:
        super().__init__()
        self.setAccessibleName(tr("gui.a11y.items"))
        self.session = session
        self.source = ItemModel(session)
        self.proxy = ItemFilter()
        self.proxy.setSourceModel(self.source)
        self.setModel(self.proxy)
        self.setItemDelegate(ItemDelegate(session))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setGridSize(QSize(CARD.width() + 6, CARD.height() + 6))
        self.setSpacing(4)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMouseTracking(True)
        self.empty_text = tr("gui.main.empty")

    def selected_items(self) -> list[Item]:
        out = []
        for index in self.selectionModel().selectedIndexes():
            item = index.data(ITEM_ROLE)
            if isinstance(item, Item):
                out.append(item)
        return sorted(out, key=lambda i: i.number)

    def current_item(self) -> Item | None:
        item = self.currentIndex().data(ITEM_ROLE)
        return item if isinstance(item, Item) else None

    def select_number(self, number: int) -> None:
        row = self.source.row_of(number)
        if row < 0:
            return
        index = self.proxy.mapFromSource(self.source.index(row))
        if index.isValid():
            self.setCurrentIndex(index)
            self.scrollTo(index)

    def paintEvent(self, event: Any) -> None:  # noqa: N802
        super().paintEvent(event)
        if self.proxy.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(QColor(COLORS["muted"]))
            font = QFont(self.font())
            font.setPointSize(font.pointSize() + 2)
            painter.setFont(font)
            text = self.empty_text if self.source.rowCount() == 0 else tr("gui.main.no_match")
            painter.drawText(self.viewport().rect().adjusted(40, 40, -40, -40),
                             int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap),
                             text)


#: The kind filter's choice "items holding the same picture as another".
COPIES = "copies"


class FilterBar(QWidget):
    """Search text, kind, tag and date filters; emits ``changed(Query)``."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("gui.filter.search"))
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMinimumWidth(220)
        self.kind = QComboBox()
        self.kind.addItem(tr("gui.filter.all_kinds"), None)
        for kind in ItemKind.ALL:
            self.kind.addItem(kind_label(kind), kind)
        self.kind.addItem(tr("gui.similar.filter"), COPIES)  # see similar_panel.apply_filter
        self.tag = QComboBox()
        self.tag.setMinimumContentsLength(8)
        self.tag.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.date = QComboBox()
        for choice in DATE_CHOICES:
            self.date.addItem(tr(f"gui.filter.date.{choice}"), choice)
        self.count = QLabel()
        self.count.setProperty("muted", True)
        row.addWidget(self.search, 3)
        row.addWidget(self.kind, 1)
        row.addWidget(self.tag, 1)
        row.addWidget(self.date, 1)
        row.addWidget(self.count)
        self.set_tags([])
        self.search.textChanged.connect(self._emit)
        self.kind.currentIndexChanged.connect(self._emit)
        self.tag.currentIndexChanged.connect(self._emit)
        self.date.currentIndexChanged.connect(self._emit)

    def set_tags(self, items_or_tags: list[Item] | list[str]) -> None:
        tags = [t for t in items_or_tags if isinstance(t, str)] or all_tags(
            [i for i in items_or_tags if isinstance(i, Item)])
        current = self.tag.currentData()
        self.tag.blockSignals(True)
        self.tag.clear()
        self.tag.addItem(tr("gui.filter.all_tags"), None)
        for tag in tags:
            self.tag.addItem(tag, tag)
        index = self.tag.findData(current) if current else 0
        self.tag.setCurrentIndex(max(0, index))
        self.tag.blockSignals(False)

    def query(self) -> Query:
        since, until = date_range(str(self.date.currentData() or "any"))
        return Query(text=self.search.text(), kind=self.kind.currentData(),
                     tag=self.tag.currentData(), since=since, until=until)

    def _emit(self, *_args: object) -> None:
        self.changed.emit(self.query())

    def reset(self) -> None:
        """Show everything again (a new item must never be hidden by an old search)."""
        for combo in (self.kind, self.tag, self.date):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._emit()

    def set_count(self, shown: int, total: int) -> None:
        self.count.setText(tr("gui.filter.count", shown=shown, total=total))
