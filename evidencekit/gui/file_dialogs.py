"""File and folder choosers that leave no trace of where evidence came from or went.

The desktop's native dialogs (GTK, the portal) add every chosen file to the system's
"recent files" list, and Qt's own dialog remembers visited folders in
``QtProject.conf``. Here Qt's own dialog is always used, and its history and last visited
folder are removed again as soon as it closes.

Order matters: Qt's dialog writes its state (``history``, ``lastVisited``) from its
destructor. A dialog left to ``deleteLater`` is destroyed after we cleaned up, writing the
folder back; so the dialog is destroyed *now* (``shiboken6.delete``) and the history
removed after that.
"""

from __future__ import annotations

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

__all__ = [
    "forget_dialog_history",
    "open_files",
    "open_file",
    "save_file",
    "choose_folder",
]

log = logging.getLogger(__name__)

_OPTIONS = QFileDialog.Option.DontUseNativeDialog


def forget_dialog_history() -> None:
    """Remove the folders Qt's file dialog remembered (history, last visited)."""
    settings = QSettings(QSettings.Scope.UserScope, "QtProject")
    settings.beginGroup("FileDialog")
    for key in ("history", "lastVisited"):
        settings.remove(key)
    settings.endGroup()
    settings.sync()


def _dialog(parent: QWidget | None, title: str, folder: Path | None) -> QFileDialog:
    dialog = QFileDialog(parent, title, str(folder or Path.home()))
    dialog.setOptions(_OPTIONS)
    dialog.setHistory([])
    return dialog


def _run(dialog: QFileDialog) -> list[str]:
    try:
        if dialog.exec() != QFileDialog.DialogCode.Accepted:
            return []
        return list(dialog.selectedFiles())
    finally:
        dialog.setHistory([])
        dialog.hide()
        shiboken6.delete(dialog)  # its destructor saves the state: let it happen now
        forget_dialog_history()


def open_files(parent: QWidget | None, title: str) -> list[Path]:
    dialog = _dialog(parent, title, None)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return [Path(p) for p in _run(dialog)]


def open_file(parent: QWidget | None, title: str, name_filter: str = "") -> Path | None:
    dialog = _dialog(parent, title, None)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    if name_filter:
        dialog.setNameFilter(name_filter)
    chosen = _run(dialog)
    return Path(chosen[0]) if chosen else None


def save_file(parent: QWidget | None, title: str, suggested: Path,
              name_filter: str = "") -> Path | None:
    """Ask where to save; the dialog opens in ``suggested``'s folder (a bare file name
    suggests no folder)."""
    folder = suggested.parent if suggested.parent != Path() else None
    dialog = _dialog(parent, title, folder)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.selectFile(suggested.name)
    if name_filter:
        dialog.setNameFilter(name_filter)
    chosen = _run(dialog)
    return Path(chosen[0]) if chosen else None


def choose_folder(parent: QWidget | None, title: str, start: Path | None = None
                  ) -> Path | None:
    dialog = _dialog(parent, title, start)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    chosen = _run(dialog)
    return Path(chosen[0]) if chosen else None
