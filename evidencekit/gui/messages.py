"""Dialogs that tell the user something: errors (the EvidenceKitError's own message in the
current language), information and questions. They never block the event loop (``open()``
rather than ``exec()``), so jobs keep running and tests can look at them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from evidencekit.errors import EvidenceKitError
from evidencekit.i18n import catalogue, tr

__all__ = ["show_error", "show_info", "ask", "last_message", "error_text", "error_detail"]

log = logging.getLogger(__name__)

#: The last message shown (title, text), for tests and the log window.
_last: list[tuple[str, str]] = []


def last_message() -> tuple[str, str] | None:
    return _last[-1] if _last else None


def error_text(exc: BaseException) -> str:
    if isinstance(exc, EvidenceKitError):
        return exc.message()
    return tr("error.unexpected", kind=type(exc).__name__)


def error_detail(exc: BaseException) -> str:
    """The raw detail behind "자세히": the formal English message with its library reason
    (OpenSSL text, HTTP errors), which the GUI's own wording leaves out."""
    if isinstance(exc, EvidenceKitError):
        if not exc.params:
            return ""
        raw = catalogue("en").get(exc.key, exc.key)
        try:
            return raw.format(**exc.params)
        except (KeyError, IndexError, ValueError):
            return raw
    return f"{type(exc).__name__}: {exc}"


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
         detail: str = "") -> QMessageBox:
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(text)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if detail:
        box.setInformativeText(detail)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.button(QMessageBox.StandardButton.Ok).setText(tr("gui.common.ok"))
    _last.append((title, text if not detail else f"{text}\n{detail}"))
    del _last[:-20]
    return box


def show_error(parent: QWidget | None, exc: BaseException, title: str | None = None
               ) -> QMessageBox:
    """Show ``exc`` to the user (its catalogue message) without blocking."""
    text = error_text(exc)
    box = _box(parent, QMessageBox.Icon.Warning, title or tr("gui.error.title"), text)
    detail = error_detail(exc)
    if detail and detail != text:
        box.setDetailedText(detail)
    box.open()
    return box


def show_info(parent: QWidget | None, title: str, text: str, detail: str = "") -> QMessageBox:
    box = _box(parent, QMessageBox.Icon.Information, title, text, detail)
    box.open()
    return box


def ask(parent: QWidget | None, title: str, text: str, yes: str, no: str,
        on_yes: Callable[[], None]) -> QMessageBox:
    """A yes/no question; ``on_yes`` runs only when the user confirms."""
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(no, QMessageBox.ButtonRole.RejectRole)

    def finished() -> None:
        if box.clickedButton() is yes_button:
            on_yes()

    box.finished.connect(finished)
    box.open()
    return box
