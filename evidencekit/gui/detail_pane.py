"""The detail pane for one item: its picture (blurred until the user asks), the capture
details, each part with its SHA-256 and trusted-timestamp status, the custody events that
concern it, and editors for the title, notes and tags.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from evidencekit.errors import EvidenceKitError
from evidencekit.gui import similar_panel, text_panel
from evidencekit.gui.accessibility import name_controls
from evidencekit.gui.item_list import kind_icon, kind_label, number_label, short_time
from evidencekit.gui.link_capture_widgets import page_state_banner, resource_strip
from evidencekit.gui.messages import show_error
from evidencekit.gui.previews import PreviewBox, make_preview
from evidencekit.gui.session import VaultSession
from evidencekit.gui.theme import icon, mono_family, scaled_font
from evidencekit.gui.widgets import button, card, heading, muted, para, primary
from evidencekit.i18n import catalogue, current_language, tr
from evidencekit.model import Item, ItemKind
from evidencekit.timefmt import display_source

__all__ = ["DetailPane", "event_label", "timestamp_text", "import_warnings"]

log = logging.getLogger(__name__)

_SHOWN_METADATA = ("url", "final_url", "status", "server_ip", "fetched_at", "page_title",
                   "original_name", "original_path", "media_type", "when", "where", "who")
_TIME_METADATA = frozenset({"fetched_at", "when"})


def metadata_text(item: Item) -> str:
    """Everything recorded about the item, labelled in the reader's language (the same
    groups and labels as the PDF bundle), never raw JSON keys."""
    from evidencekit.bundle.metadata_view import metadata_groups
    from evidencekit.bundle.styles import Labels

    try:
        groups = metadata_groups(item, Labels(current_language()))
    except (KeyError, TypeError, ValueError) as exc:
        log.info("metadata view failed: %s", type(exc).__name__)
        return json.dumps(item.metadata, ensure_ascii=False, indent=2)
    out: list[str] = []
    for group in groups:
        out.append(f"[{group.title}]")
        for row in group.rows:
            text = "\n    ".join((f"{ln.prefix} " if ln.prefix else "") + ln.text
                                  for ln in row.lines)
            out.append(f"  {row.label}: {text}")
        out.append("")
    return "\n".join(out).strip() or "—"


def import_warnings(item: Item) -> list[str]:
    """The item's import warnings in the GUI's words (catalogue keys in its metadata)."""
    keys = item.metadata.get("warnings") or []
    if not isinstance(keys, list):
        return []
    return [tr(str(k)) for k in keys if isinstance(k, str) and k in catalogue("en")]


def event_label(kind: str) -> str:
    key = f"gui.event.{kind}"
    return tr(key) if key in catalogue("en") else kind


def timestamp_text(ts: dict[str, Any] | None) -> str:
    if not ts:
        return tr("gui.detail.ts_waiting")
    return tr("gui.detail.ts_done", time=short_time(str(ts.get("time", ""))),
              tsa=str(ts.get("tsa") or ts.get("url") or "?"))


def utc_text(iso_text: str) -> str:
    """``2026-11-20 19:27:16 UTC`` from an ISO 8601 time (seconds, no fraction)."""
    try:
        dt = datetime.fromisoformat(iso_text)
    except ValueError:
        return iso_text
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%d %H:%M:%S UTC")


def _human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


class DetailPane(QScrollArea):
    """Shows one item; emits ``fetch_requested(number)`` for links saved offline."""

    fetch_requested = Signal(int)
    open_item_requested = Signal(int)
    add_link_requested = Signal(str)

    def __init__(self, session: VaultSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.item: Item | None = None
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(380)
        self.preview: QLabel | None = None
        self.reveal_button: Any = None
        session.pictures_changed.connect(self._picture_changed)
        self.show_item(None)

    # -- building --------------------------------------------------------------------

    def show_item(self, item: Item | None) -> None:
        # Showing the same item again (a note or tag added, the title changed) keeps the
        # reader where they were instead of jumping to the top.
        same = item is not None and self.item is not None and item.number == self.item.number
        keep = self.verticalScrollBar().value() if same else 0
        self.item = item
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 4, 12, 12)
        layout.setSpacing(14)
        self.preview = None
        self.warning_box: QWidget | None = None
        self.other_preview: PreviewBox | None = None
        self.reveal_button = None
        if item is None:
            layout.addStretch(1)
            hint = muted(tr("gui.detail.nothing"))
            hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(hint)
            layout.addStretch(2)
        else:
            self._header(layout, item)
            if (flag := page_state_banner(item)) is not None:
                layout.addWidget(flag)
            self._picture_section(layout, item)
            if (strip := resource_strip(self.session.vault, item)) is not None:
                layout.addWidget(strip)
            if item.state == "pending":
                self._pending(layout, item)
            self._warnings(layout, item)
            self._details(layout, item)
            similar_panel.add_copies_section(layout, self.session, item,
                                             self.open_item_requested.emit)
            text_panel.add_text_section(layout, item, self.add_link_requested.emit)
            if item.parts:
                self._parts(layout, item)
            self._custody(layout, item)
            if item.state != "deleted":
                self._notes(layout, item)
                self._tags(layout, item)
                row = QHBoxLayout()
                row.addStretch(1)
                row.addWidget(button(tr("gui.detail.delete"), self._delete, "trash"))
                layout.addLayout(row)
            layout.addStretch(1)
        self.setWidget(body)
        name_controls(body)
        self._restore_scroll(keep)

    def _restore_scroll(self, value: int) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(value)
        # The new body is laid out on the next turn of the event loop; set it again then.
        QTimer.singleShot(0, lambda: bar.setValue(value))

    def _header(self, layout: QVBoxLayout, item: Item) -> None:
        top = QHBoxLayout()
        glyph = QLabel()
        glyph.setPixmap(icon(kind_icon(item)).pixmap(QSize(28, 28)))
        top.addWidget(glyph)
        top.addWidget(muted(f"{number_label(item.number)} · {kind_label(item.kind)}"), 1)
        layout.addLayout(top)
        self.title_edit = QLineEdit(item.title)
        self.title_edit.setAccessibleName(tr("gui.incident.item_title"))
        self.title_edit.setFont(scaled_font(self.font().family(), 14, bold=True))
        self.title_edit.setMinimumHeight(40)
        self.title_edit.setEnabled(item.state != "deleted")
        self.title_edit.setCursorPosition(0)
        self.title_edit.editingFinished.connect(self._save_title)
        layout.addWidget(self.title_edit)

    def _picture_section(self, layout: QVBoxLayout, item: Item) -> None:
        if item.kind == ItemKind.INCIDENT and item.parts:
            text = QPlainTextEdit()
            text.setReadOnly(True)
            text.setMinimumHeight(140)
            try:
                text.setPlainText(self.session.vault.read_part_bytes(item, 0).decode(
                    "utf-8", "replace"))
            except EvidenceKitError as exc:
                text.setPlainText(exc.message())
            layout.addWidget(text)
            return
        if not self.session.has_picture(item):
            if item.kind != ItemKind.LINK:
                self.other_preview = make_preview(self.session.vault, item,
                                                  item.number in self.session.revealed)
                if self.other_preview is not None:
                    layout.addWidget(self.other_preview)
            return
        frame, inner = card()
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(220)
        inner.addWidget(self.preview)
        row = QHBoxLayout()
        self.reveal_note = muted("")
        row.addWidget(self.reveal_note, 1)
        self.reveal_button = button("", self._toggle_reveal)
        row.addWidget(self.reveal_button)
        inner.addLayout(row)
        layout.addWidget(frame)
        self._update_picture()

    def _warnings(self, layout: QVBoxLayout, item: Item) -> None:
        """What the import noticed (a GPS position, a wrong extension, an empty or damaged
        file), said plainly next to the item."""
        texts = import_warnings(item)
        if not texts:
            return
        frame, inner = card("WarnBanner")
        title = heading(tr("gui.warn.title"), 12)
        inner.addWidget(title)
        for text in texts:
            inner.addWidget(para(f"• {text}"))
        self.warning_box = frame
        layout.addWidget(frame)

    def _pending(self, layout: QVBoxLayout, item: Item) -> None:
        frame, inner = card("WarnBanner")
        inner.addWidget(para(tr("gui.detail.pending")))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(primary(tr("gui.detail.fetch_now"),
                              lambda: self.fetch_requested.emit(item.number)))
        inner.addLayout(row)
        layout.addWidget(frame)

    def _details(self, layout: QVBoxLayout, item: Item) -> None:
        layout.addWidget(heading(tr("gui.detail.details"), 13))
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setHorizontalSpacing(16)

        def row(label: str, value: str) -> None:
            if len(value) > 36 and " " not in value:  # URLs, paths: scroll, never widen
                line = QLineEdit(value)
                line.setReadOnly(True)
                line.setFrame(False)
                line.setStyleSheet("background: transparent; border: none; padding: 0;")
                line.setCursorPosition(0)
                line.setToolTip(value)
                form.addRow(muted(label), line)
                return
            v = para(value)
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(muted(label), v)

        row(tr("gui.detail.captured"), short_time(item.captured_at, item.timezone))
        row(tr("gui.detail.captured_utc"), utc_text(item.captured_at_utc))
        if item.source:
            row(tr("gui.detail.source"), display_source(item.kind, item.source))
        for key in _SHOWN_METADATA:
            value = item.metadata.get(key)
            if value not in (None, "", [], {}):
                # times as people read them (local, with zone), never raw ISO 8601
                shown = (short_time(str(value), item.timezone) if key in _TIME_METADATA
                         else str(value))
                row(tr(f"gui.meta.{key}"), shown or str(value))
        if item.deletion:
            row(tr("gui.detail.deleted"), str(item.deletion.get("reason", "")))
        layout.addLayout(form)
        all_meta = QPlainTextEdit(metadata_text(item))
        all_meta.setReadOnly(True)
        all_meta.setFont(scaled_font(mono_family(), 9))
        all_meta.setMaximumHeight(180)
        all_meta.hide()
        toggle = button(tr("gui.detail.all_metadata"))
        toggle.setCheckable(True)
        toggle.toggled.connect(all_meta.setVisible)
        layout.addWidget(toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(all_meta)

    def _parts(self, layout: QVBoxLayout, item: Item) -> None:
        layout.addWidget(heading(tr("gui.detail.parts"), 13))
        mono = scaled_font(mono_family(), 10)
        for part in item.parts:
            frame, inner = card()
            inner.setSpacing(4)
            inner.addWidget(para(f"{part.name} · {part.media_type} · {_human_size(part.size)}"))
            digest = QLabel(f"SHA-256\n{part.sha256[:32]}\n{part.sha256[32:]}")
            digest.setFont(mono)
            digest.setWordWrap(True)
            digest.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            inner.addWidget(digest)
            inner.addWidget(muted(timestamp_text(part.timestamp)))
            layout.addWidget(frame)

    def _custody(self, layout: QVBoxLayout, item: Item) -> None:
        layout.addWidget(heading(tr("gui.detail.custody"), 13))
        try:
            events = self.session.events_for(item)
        except EvidenceKitError as exc:
            layout.addWidget(para(exc.message()))
            return
        for event in events:
            line = para(f"{short_time(event.at)}  ·  {event_label(event.kind)}  ·  "
                        f"{tr('gui.detail.record', seq=event.seq)}")
            line.setToolTip(event.hash)
            layout.addWidget(line)

    def _notes(self, layout: QVBoxLayout, item: Item) -> None:
        layout.addWidget(heading(tr("gui.detail.notes"), 13))
        for note in item.notes:
            frame, inner = card()
            inner.addWidget(para(note.text))
            inner.addWidget(muted(short_time(note.at)))
            layout.addWidget(frame)
        self.note_edit = QPlainTextEdit()
        self.note_edit.setPlaceholderText(tr("gui.detail.note_placeholder"))
        self.note_edit.setFixedHeight(90)
        layout.addWidget(self.note_edit)
        row = QHBoxLayout()
        row.addStretch(1)
        self.note_button = button(tr("gui.detail.add_note"), self._add_note)
        row.addWidget(self.note_button)
        layout.addLayout(row)

    def _tags(self, layout: QVBoxLayout, item: Item) -> None:
        layout.addWidget(heading(tr("gui.detail.tags"), 13))
        row = QHBoxLayout()
        self.tags_edit = QLineEdit(", ".join(item.tags))
        self.tags_edit.setPlaceholderText(tr("gui.detail.tags_placeholder"))
        self.tags_edit.returnPressed.connect(self._save_tags)
        row.addWidget(self.tags_edit, 1)
        self.tags_button = button(tr("gui.detail.save_tags"), self._save_tags)
        row.addWidget(self.tags_button)
        layout.addLayout(row)

    # -- pictures --------------------------------------------------------------------

    def _picture_changed(self, number: int) -> None:
        if self.item is not None and number == self.item.number:
            self._update_picture()

    def _update_picture(self) -> None:
        if self.item is None or self.preview is None:
            return
        number = self.item.number
        revealed = number in self.session.revealed
        pics = self.session.pictures(number)
        if pics is None:
            self.preview.setText(tr("gui.detail.loading"))
        else:
            image = pics.sharp_preview if revealed and pics.sharp_preview else pics.preview
            pixmap = QPixmap.fromImage(image)
            width = max(200, self.viewport().width() - 90)
            if pixmap.width() > width or pixmap.height() > 380:
                pixmap = pixmap.scaled(QSize(width, 380), Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation)
            self.preview.setPixmap(pixmap)
        self.reveal_button.setText(tr("gui.detail.blur_again" if revealed else
                                      "gui.detail.reveal"))
        self.reveal_button.setIcon(icon("eye_off" if revealed else "eye"))
        self.reveal_note.setText(tr("gui.detail.revealed_note" if revealed else
                                    "gui.detail.blurred_note"))

    def _toggle_reveal(self) -> None:
        if self.item is not None:
            number = self.item.number
            self.session.reveal(number, number not in self.session.revealed)

    # -- editing ---------------------------------------------------------------------

    def _apply(self, updated: Item) -> None:
        self.session.replace_item(updated)
        self.show_item(updated)

    def _save_title(self) -> None:
        if self.item is None or self.title_edit.text().strip() == self.item.title:
            return
        try:
            self._apply(self.session.vault.set_title(self.item.number,
                                                     self.title_edit.text().strip()))
        except EvidenceKitError as exc:
            show_error(self, exc)

    def _add_note(self) -> None:
        if self.item is None:
            return
        text = self.note_edit.toPlainText()
        try:
            self._apply(self.session.vault.add_note(self.item.number, text))
        except EvidenceKitError as exc:
            show_error(self, exc)

    def _save_tags(self) -> None:
        if self.item is None:
            return
        tags = [t.strip() for t in self.tags_edit.text().replace("，", ",").split(",")]
        try:
            self._apply(self.session.vault.set_tags(self.item.number, tags))
        except EvidenceKitError as exc:
            show_error(self, exc)

    def _delete(self) -> None:
        if self.item is None:
            return
        reason, ok = QInputDialog.getText(self, tr("gui.detail.delete"),
                                          tr("gui.detail.delete_reason"))
        if not ok:
            return
        try:
            self.session.vault.delete_item(self.item.number, reason)
        except EvidenceKitError as exc:
            show_error(self, exc)
            return
        self.session.refresh()
        self.show_item(None)
