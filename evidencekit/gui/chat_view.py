"""The chat view: a chat export's messages, one row each, with senders and local times
(the zone named), search, media shown blurred unless revealed for that one message, and
marking messages (or ranges) as key messages with a note (logged in the chain of custody
by the callback the window gives).

The transcript is decrypted into memory only; the view holds it until it closes, and the
window closes it when the vault locks. The table is a light model over the message list,
so a 100,000-message chat opens at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from evidencekit.capture.chat.selection import key_ids
from evidencekit.capture.chat.transcript import Message, Transcript
from evidencekit.errors import EvidenceKitError
from evidencekit.gui.thumbnails import make_pictures
from evidencekit.i18n import current_language, tr
from evidencekit.model import Item

__all__ = ["ChatView", "ChatModel", "local_time_text"]

log = logging.getLogger(__name__)

COLUMNS = ("key", "id", "time", "sender", "text", "media")
_PICTURE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp")
MAX_THUMBS_PER_MESSAGE = 6

PartReader = Callable[[int], bytes]
Selector = Callable[[list[str], str], Item]


def local_time_text(value: str | None, zone: Any, lang: str | None = None) -> str:
    """``2024년 8월 27일 오후 3:15:02`` (Korean) or ``2024-08-27 15:15:02`` in ``zone``."""
    if not value:
        return "—"
    try:
        dt = datetime.fromisoformat(value).astimezone(zone)
    except ValueError:
        return value
    if (lang or current_language()) == "ko":
        half = "오후" if dt.hour >= 12 else "오전"
        hour = dt.hour % 12 or 12
        return f"{dt.year}년 {dt.month}월 {dt.day}일 {half} {hour}:{dt.minute:02d}:{dt.second:02d}"
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def _zone(name: str) -> Any:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class ChatModel(QAbstractTableModel):
    """Rows are positions in the transcript (filtered by search / key messages)."""

    def __init__(self, item: Item, transcript: Transcript) -> None:
        super().__init__()
        self.item = item
        self.messages = transcript.messages
        self.zone = _zone(item.timezone)
        self.keys = key_ids(item)
        self.rows: list[int] = list(range(len(self.messages)))
        self._folded: list[str] | None = None
        self._headers = [tr(f"gui.chat.col.{c}") for c in COLUMNS]
        self._headers[2] = tr("gui.chat.col.time_zone", zone=item.timezone)

    # -- filtering ------------------------------------------------------------------------
    def apply(self, query: str, key_only: bool) -> None:
        needle = query.strip().casefold()
        if needle and self._folded is None:
            self._folded = [m.search_text() for m in self.messages]
        self.beginResetModel()
        rows = range(len(self.messages))
        if key_only:
            rows = [i for i in rows if self.messages[i].id in self.keys]  # type: ignore[assignment]
        if needle:
            folded = self._folded or []
            rows = [i for i in rows if needle in folded[i]]  # type: ignore[assignment]
        self.rows = list(rows)
        self.endResetModel()

    def set_keys(self, keys: dict[str, str]) -> None:
        self.keys = keys
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 0))

    def message(self, row: int) -> Message:
        return self.messages[self.rows[row]]

    # -- Qt model -----------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008,N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008,N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        m = self.message(index.row())
        col = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == "key":
                return "★" if m.id in self.keys else ""
            if col == "id":
                return m.id
            if col == "time":
                if m.time_flag:
                    return tr("gui.chat.time_unparsed", text=m.time_text)
                return local_time_text(m.time_utc, self.zone)
            if col == "sender":
                return m.sender or tr("gui.chat.system")
            if col == "text":
                first = m.text.split("\n", 1)[0]
                return first[:300] + ("…" if len(first) > 300 or "\n" in m.text else "")
            if col == "media":
                present = sum(1 for x in m.media if x.gap is None and x.kind != "thumbnail")
                gaps = sum(1 for x in m.media if x.gap is not None)
                bits = []
                if present:
                    bits.append(tr("gui.chat.media_count", count=present))
                if gaps:
                    bits.append(tr("gui.chat.gap_count", count=gaps))
                return " · ".join(bits)
        if role == Qt.ItemDataRole.ToolTipRole and col == "time":
            return f"{m.time_utc or '—'} (UTC)\n{m.time_text}"
        if role == Qt.ItemDataRole.ToolTipRole and col == "sender" and m.sender_id:
            return m.sender_id
        return None


class ChatView(QDialog):
    """The messages of one chat item."""

    def __init__(self, item: Item, transcript: Transcript, read_part: PartReader,
                 select: Selector | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("gui.chat.title", number=item.number, name=item.title))
        self.resize(1100, 760)
        self.item = item
        self._read_part = read_part
        self._select = select
        self.revealed: set[str] = set()  # message ids whose pictures are shown clearly
        self.model = ChatModel(item, transcript)

        info = item.metadata.get("chat") or {}
        counts = info.get("counts") or {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        summary = QLabel(tr("gui.chat.summary", messages=counts.get("messages", 0),
                            media=counts.get("media", 0), gaps=counts.get("gaps", 0),
                            zone=item.timezone))
        summary.setWordWrap(True)
        layout.addWidget(summary)

        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("gui.chat.search"))
        self.search.setClearButtonEnabled(True)
        self.key_only = QCheckBox(tr("gui.chat.key_only"))
        self.count = QLabel()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.key_only)
        bar.addWidget(self.count)
        layout.addLayout(bar)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._filter)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.key_only.toggled.connect(lambda _on: self._filter())

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in zip(range(len(COLUMNS)), (28, 70, 210, 130, 420, 110), strict=True):
            self.table.setColumnWidth(col, width)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())

        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.pictures_row = QHBoxLayout()
        self.pictures_box = QWidget()
        self.pictures_box.setLayout(self.pictures_row)
        self.reveal_button = QPushButton(tr("gui.chat.reveal"))
        self.reveal_button.setCheckable(True)
        self.reveal_button.toggled.connect(self._toggle_reveal)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.detail, 1)
        pic_bar = QHBoxLayout()
        pic_bar.addWidget(self.pictures_box, 1)
        pic_bar.addWidget(self.reveal_button)
        lower_layout.addLayout(pic_bar)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setSizes([480, 220])
        layout.addWidget(splitter, 1)

        buttons = QHBoxLayout()
        self.mark_button = QPushButton(tr("gui.chat.mark"))
        self.mark_button.clicked.connect(self._ask_mark)
        self.mark_button.setEnabled(select is not None)
        close = QPushButton(tr("gui.chat.close"))
        close.clicked.connect(self.close)
        buttons.addWidget(self.mark_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self._update_count()
        self._show_current()

    # -- filtering ------------------------------------------------------------------------
    def _filter(self) -> None:
        self.model.apply(self.search.text(), self.key_only.isChecked())
        self._update_count()
        self._show_current()

    def set_search(self, text: str) -> None:
        """Search now (what typing does after a short pause)."""
        self.search.setText(text)
        self._timer.stop()
        self._filter()

    def _update_count(self) -> None:
        self.count.setText(tr("gui.chat.shown", shown=len(self.model.rows),
                              total=len(self.model.messages)))

    # -- the current message ------------------------------------------------------------
    def current_message(self) -> Message | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.rows):
            return None
        return self.model.message(index.row())

    def select_rows(self, first: int, last: int) -> None:
        """Select table rows ``first``..``last`` (as a drag or shift-click would)."""
        self.table.clearSelection()
        self.table.setCurrentIndex(self.model.index(first, 0))
        for row in range(first, last + 1):
            self.table.selectionModel().select(
                self.model.index(row, 0),
                self.table.selectionModel().SelectionFlag.Select
                | self.table.selectionModel().SelectionFlag.Rows)

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.message(r).id for r in rows]

    def _picture_parts(self, m: Message) -> list[int]:
        out = []
        for x in m.media:
            if x.part is None or x.gap is not None or not 0 <= x.part < len(self.item.parts):
                continue
            mt = self.item.parts[x.part].media_type.split(";")[0].strip().lower()
            if mt in _PICTURE_TYPES:
                out.append(x.part)
        return out[:MAX_THUMBS_PER_MESSAGE]

    def _show_current(self) -> None:
        m = self.current_message()
        while self.pictures_row.count():
            taken = self.pictures_row.takeAt(0)
            w = taken.widget() if taken is not None else None
            if w is not None:
                w.deleteLater()
        if m is None:
            self.detail.setPlainText("")
            self.reveal_button.setEnabled(False)
            return
        lines = [f"{tr('gui.chat.col.id')}: {m.id}",
                 f"{tr('gui.chat.col.time')}: {local_time_text(m.time_utc, self.model.zone)} "
                 f"({self.item.timezone}) · {m.time_utc or '—'} UTC · {m.time_text}",
                 f"{tr('gui.chat.col.sender')}: {m.sender or tr('gui.chat.system')} "
                 f"{m.sender_id}".rstrip()]
        if m.forwarded_from:
            lines.append(tr("gui.chat.forwarded", name=m.forwarded_from))
        if m.reply_to:
            lines.append(tr("gui.chat.reply", id=m.reply_to))
        if m.edited_utc or m.edited_text:
            lines.append(tr("gui.chat.edited", time=m.edited_utc or m.edited_text))
        note = self.model.keys.get(m.id)
        if m.id in self.model.keys:
            lines.append(tr("gui.chat.key_note", note=note or "—"))
        lines.append("")
        lines.append(m.text)
        for x in m.media:
            if x.gap is not None:
                lines.append(tr("gui.chat.gap_line", kind=x.kind, reason=_gap(x.gap)))
            else:
                lines.append(f"[{x.kind}] {x.path} · SHA-256 {x.sha256}")
        self.detail.setPlainText("\n".join(lines))
        parts = self._picture_parts(m)
        self.reveal_button.blockSignals(True)
        self.reveal_button.setChecked(m.id in self.revealed)
        self.reveal_button.blockSignals(False)
        self.reveal_button.setEnabled(bool(parts))
        for part in parts:
            label = QLabel()
            label.setObjectName("ChatPicture")
            try:
                pics = make_pictures(self._read_part(part), m.id in self.revealed)
            except EvidenceKitError as exc:
                label.setText(exc.message())
                pics = None
            if pics is not None:
                image = pics.sharp_thumb if m.id in self.revealed and pics.sharp_thumb \
                    else pics.thumb
                label.setPixmap(QPixmap.fromImage(image))
                label.setProperty("revealed", m.id in self.revealed)
            elif not label.text():
                label.setText(tr("gui.chat.no_picture"))
            self.pictures_row.addWidget(label)
        self.pictures_row.addStretch(1)

    def _toggle_reveal(self, on: bool) -> None:
        m = self.current_message()
        if m is None:
            return
        if on:
            self.revealed.add(m.id)
        else:
            self.revealed.discard(m.id)
        self._show_current()

    def reveal_current(self, on: bool = True) -> None:
        self.reveal_button.setChecked(on)

    # -- key messages ---------------------------------------------------------------------
    def _ask_mark(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        note, ok = QInputDialog.getText(self, tr("gui.chat.mark"),
                                        tr("gui.chat.mark_note", count=len(ids)))
        if ok:
            self.mark(ids, note)

    def mark(self, ids: list[str], note: str) -> None:
        """Mark ``ids`` as key messages with ``note`` (through the window's callback)."""
        if self._select is None or not ids:
            return
        self.item = self._select(ids, note)
        self.model.set_keys(key_ids(self.item))
        self._show_current()

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        self.model.beginResetModel()
        self.model.messages = []
        self.model.rows = []
        self.model.endResetModel()
        super().closeEvent(event)


def _gap(gap: str) -> str:
    key = f"chat.gap.{gap}"
    return tr(key) if gap.isidentifier() else gap
