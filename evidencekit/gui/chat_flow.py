"""Chat exports in the application: the "chat export" action (a folder or a file, the
zone for exports without one), a dropped folder recognised as a chat export, and opening
a chat item's :class:`~evidencekit.gui.chat_view.ChatView`.

Imports run on a worker thread through ``window.run_job``; the view is closed when the
vault locks.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QLineEdit, QWidget

from evidencekit.capture.chat.importer import DEFAULT_ZONE, import_chat
from evidencekit.capture.chat.selection import select_messages
from evidencekit.capture.chat.transcript import load_transcript
from evidencekit.errors import EvidenceKitError, InputError
from evidencekit.gui import file_dialogs
from evidencekit.gui.chat_view import ChatView
from evidencekit.gui.messages import show_error, show_info
from evidencekit.gui.widgets import button, button_row, dialog_layout, para, primary
from evidencekit.i18n import tr
from evidencekit.model import Item, local_zone_name

__all__ = ["ChatImportDialog", "import_chat_action", "import_chat_path", "open_chat_view",
           "is_chat"]

log = logging.getLogger(__name__)

ZONES = ("Asia/Seoul", "Asia/Tokyo", "UTC", "Europe/Berlin", "America/New_York",
         "America/Los_Angeles", "Australia/Sydney")


class _Window(Protocol):
    """What the flows need from the main window (no import of MainWindow)."""

    session: Any

    def run_job(self, text: str, fn: Any, on_done: Any, *, cancellable: bool = ...,
                on_error: Any = ...) -> Any: ...

    def select_item(self, number: int) -> None: ...

    def notify(self, text: str, msecs: int = 8000) -> None: ...


def is_chat(item: Item | None) -> bool:
    return item is not None and item.kind == "chat" and item.state == "active"


class ChatImportDialog(QDialog):
    """Choose the export (folder or file), its zone and a title."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("gui.chat.import_title"))
        self.path: Path | None = None
        layout = dialog_layout(self)
        layout.addWidget(para(tr("gui.chat.import_intro")))
        self.chosen = QLabel(tr("gui.chat.nothing_chosen"))
        self.chosen.setWordWrap(True)
        layout.addWidget(self.chosen)
        layout.addLayout(button_row(button(tr("gui.chat.choose_folder"), self._folder),
                                    button(tr("gui.chat.choose_file"), self._file)))
        form = QFormLayout()
        self.zone = QComboBox()
        self.zone.setEditable(True)
        zones = list(dict.fromkeys([DEFAULT_ZONE, local_zone_name(), *ZONES]))
        self.zone.addItems([z for z in zones if "/" in z or z == "UTC"])
        self.title = QLineEdit()
        form.addRow(tr("gui.chat.zone"), self.zone)
        form.addRow(tr("gui.chat.title_label"), self.title)
        layout.addLayout(form)
        layout.addWidget(para(tr("gui.chat.zone_help")))
        self.ok = primary(tr("gui.chat.import_button"), self.accept)
        self.ok.setEnabled(False)
        layout.addLayout(button_row(button(tr("gui.chat.cancel"), self.reject), self.ok))

    def choose(self, path: Path) -> None:
        self.path = path
        self.chosen.setText(tr("gui.chat.chosen", path=str(path)))
        self.ok.setEnabled(True)

    def _folder(self) -> None:
        folder = file_dialogs.choose_folder(self, tr("gui.chat.choose_folder"))
        if folder is not None:
            self.choose(folder)

    def _file(self) -> None:
        path = file_dialogs.open_file(self, tr("gui.chat.choose_file"))
        if path is not None:
            self.choose(path)


def import_chat_action(window: _Window) -> ChatImportDialog:
    dialog = ChatImportDialog(window)  # type: ignore[arg-type]

    def accepted() -> None:
        if dialog.path is not None:
            import_chat_path(window, dialog.path, zone=dialog.zone.currentText().strip(),
                             title=dialog.title.text())

    dialog.accepted.connect(accepted)
    dialog.open()
    return dialog


def import_chat_path(window: _Window, path: Path, *, zone: str = DEFAULT_ZONE,
                     title: str | None = None, fallback: Any = None) -> None:
    """Import ``path`` as a chat export on a worker thread. With ``fallback``, a path that
    is no chat export is handed to it (a dropped folder of ordinary files)."""
    vault = window.session.vault

    def work(progress: Any, cancel: Any) -> Any:
        try:
            return import_chat(vault, path, zone=zone, title=title or None,
                               progress=progress, cancel=cancel)
        except InputError as exc:
            if fallback is not None and exc.key in ("chat.not_a_chat",
                                                    "chat.no_chat_in_folder"):
                return None
            raise

    def done(result: Any) -> None:
        if result is None:
            fallback([path])
            return
        item, prepared = result
        window.session.refresh()
        window.select_item(item.number)
        c = prepared.summary
        window.notify(tr("gui.chat.imported", number=item.number, messages=c["messages"],
                         gaps=c["gaps"]))
        if prepared.warnings:
            lines = [f"• {w.file}: {tr(w.key, **w.params)}" for w in prepared.warnings[:15]]
            show_info(window, tr("gui.chat.import_title"),  # type: ignore[arg-type]
                      tr("gui.chat.imported_with_problems", count=len(prepared.warnings)),
                      "\n".join(lines))
        open_chat_view(window, item.number)

    window.run_job(tr("gui.chat.importing"), work, done)


def open_chat_view(window: _Window, number: int) -> ChatView | None:
    """Open the chat view of item ``number`` (closed again when the vault locks)."""
    session = window.session
    try:
        vault = session.vault
        item = vault.item(number)
        transcript = load_transcript(vault, item)
    except EvidenceKitError as exc:
        show_error(window, exc)  # type: ignore[arg-type]
        return None

    def read_part(index: int) -> bytes:
        return bytes(session.vault.read_part_bytes(item, index))

    def select(ids: list[str], note: str) -> Item:
        updated: Item = select_messages(session.vault, number, ids, note)
        session.replace_item(updated)
        return updated

    view = ChatView(item, transcript, read_part, select if vault.writable else None,
                    window)  # type: ignore[arg-type]
    session.locked.connect(view.close)
    view.show()
    return view
