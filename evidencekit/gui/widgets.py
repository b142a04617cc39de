"""Small building blocks shared by the windows: headings, wrapping paragraphs, buttons,
cards, a passphrase field with a show/hide switch, a job progress panel.

Every label that holds a sentence wraps (``setWordWrap``), so Korean text, which is often
longer on screen than English, is never clipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from evidencekit.gui.theme import heading_font, icon
from evidencekit.i18n import tr

__all__ = [
    "heading",
    "para",
    "WrapLabel",
    "ElidedLabel",
    "fit_rows",
    "muted",
    "primary",
    "button",
    "link",
    "card",
    "PassphraseField",
    "JobPanel",
    "dialog_layout",
    "button_row",
    "signer_name",
]


def signer_name(subject: str) -> str:
    """The common name (CN) of an RFC 4514 subject, or the subject itself."""
    for part in subject.split(","):
        key, _, value = part.partition("=")
        if key.strip().upper() == "CN" and value.strip():
            return value.strip()
    return subject


def breakable(text: str, long_word: int = 24) -> str:
    """``text`` with U+200B after the separators of its long words (see WrapLabel)."""
    if len(text) <= long_word:
        return text
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) > long_word and "\u200b" not in word:
            words[i] = re.sub(r"([/\\,&?])(?=.)", "\\1\u200b", word)
    return " ".join(words)


class WrapLabel(QLabel):
    """A word-wrapped plain-text label whose size hint is the height its text really needs
    at its preferred width. Qt's own hint for a wrapping label guesses a width and a height
    that do not go together, so a label placed with an alignment (centred) was cut."""

    #: Words longer than this (a folder path, a URL, a distinguished name) get invisible
    #: break opportunities (U+200B) after "/", "\\", "," and "&", so they wrap instead of
    #: pushing the window wider or being cut. Fingerprints are left whole.
    LONG_WORD = 24

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802
        super().setText(breakable(text, self.LONG_WORD))

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        if not self.wordWrap() or self.textFormat() != Qt.TextFormat.PlainText \
                or not self.text():
            return hint
        fm = self.fontMetrics()
        margins = self.contentsMargins()
        extra = margins.left() + margins.right() + 2 * self.margin() + 2
        one_line = max(fm.horizontalAdvance(line) for line in self.text().split("\n")) + extra
        width = max(hint.width(), min(one_line, fm.averageCharWidth() * 64))
        return QSize(width, max(hint.height(), self.heightForWidth(width)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = super().minimumSizeHint()
        if self.wordWrap() and self.textFormat() == Qt.TextFormat.PlainText and self.text():
            return QSize(hint.width(), max(hint.height(), self.fontMetrics().height()))
        return hint


class ElidedLabel(QLabel):
    """One line that ends in "…" when it is wider than its room (never cut silently)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802
        self._full = text
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: object) -> None:  # noqa: N802
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._elide()

    def _elide(self) -> None:
        room = max(10, self.contentsRect().width())
        super().setText(self.fontMetrics().elidedText(
            self._full.replace("\n", " "), Qt.TextElideMode.ElideRight, room))


def fit_rows(view: QAbstractItemView, rows: int) -> None:
    """Make a list exactly ``rows`` rows tall (or as many as it has, at least 3), so the
    last visible row is never cut in half; it scrolls by whole rows."""
    count = view.model().rowCount() if view.model() is not None else 0
    shown = max(3, min(rows, count or 3))
    row = view.sizeHintForRow(0) if count else view.fontMetrics().lineSpacing() + 12
    spacing = view.spacing() if isinstance(view, QListView) else 0
    frame = 2 * view.frameWidth()
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
    view.setFixedHeight(shown * (row + 2 * spacing) + frame + 2)


def keep_entries_whole(combo: QComboBox) -> None:
    """A drop-down never narrower than its longest entry ("Korean and English", "한국어와
    영어"), at any text size: its minimum is set in widths of "x", which Qt scales with
    the font."""
    fm = combo.fontMetrics()
    widest = max((fm.horizontalAdvance(combo.itemText(i)) for i in range(combo.count())),
                 default=0)
    combo.setMinimumContentsLength(-(-widest // max(1, fm.horizontalAdvance("x"))) + 1)
    combo.setSizeAdjustPolicy(
        QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)


def heading(text: str, size: int = 18) -> QLabel:
    label = WrapLabel(text)
    label.setObjectName("Heading")
    label.setFont(heading_font(size))
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def para(text: str, rich: bool = False) -> QLabel:
    label = WrapLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


def muted(text: str) -> QLabel:
    label = para(text)
    label.setProperty("muted", True)
    return label


def primary(text: str, slot: Callable[[], object] | None = None) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName("Primary")
    b.setCursor(Qt.CursorShape.PointingHandCursor)
    if slot is not None:
        b.clicked.connect(slot)
    return b


def button(text: str, slot: Callable[[], object] | None = None,
           icon_name: str | None = None) -> QPushButton:
    b = QPushButton(text)
    if icon_name:
        b.setIcon(icon(icon_name))
    if slot is not None:
        b.clicked.connect(slot)
    return b


def link(text: str, slot: Callable[[], object] | None = None) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName("Link")
    b.setCursor(Qt.CursorShape.PointingHandCursor)
    b.setFlat(True)
    if slot is not None:
        b.clicked.connect(slot)
    return b


def dialog_layout(dialog: QWidget, spacing: int = 14) -> QVBoxLayout:
    """The outer layout every dialog uses (same margins everywhere)."""
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(28, 24, 28, 20)
    layout.setSpacing(spacing)
    return layout


def button_row(*buttons: QPushButton) -> QHBoxLayout:
    """A dialog's bottom row: the buttons pushed to the right, in the order given."""
    row = QHBoxLayout()
    row.addStretch(1)
    for b in buttons:
        row.addWidget(b)
    return row


def card(name: str = "Card") -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName(name)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(24, 20, 24, 20)
    layout.setSpacing(12)
    return frame, layout


class PassphraseField(QWidget):
    """A passphrase line edit with a show/hide button."""

    textChanged = Signal(str)
    returnPressed = Signal()

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setAccessibleName(placeholder or tr("gui.unlock.passphrase"))
        self.edit.setMinimumHeight(38)
        self.toggle = QToolButton()
        self.toggle.setObjectName("Small")
        self.toggle.setCheckable(True)
        self.toggle.setIcon(icon("eye"))
        self.toggle.setToolTip(tr("gui.common.show_passphrase"))
        self.toggle.toggled.connect(self._toggle)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.toggle)
        self.edit.textChanged.connect(self.textChanged)
        self.edit.returnPressed.connect(self.returnPressed)

    def _toggle(self, shown: bool) -> None:
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else
                              QLineEdit.EchoMode.Password)
        self.toggle.setIcon(icon("eye_off" if shown else "eye"))

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt naming
        self.edit.setText(text)

    def clear(self) -> None:
        self.edit.clear()

    def setFocus(self) -> None:  # type: ignore[override]  # noqa: N802
        self.edit.setFocus()


class JobPanel(QFrame):
    """A quiet strip showing one running job: what it does, a progress bar, Cancel."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 10, 16, 10)
        row.setSpacing(14)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(12)
        self.bar.setMinimumWidth(220)
        self.cancel = button(tr("gui.common.cancel"), self.cancel_requested.emit)
        row.addWidget(self.label, 2)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel)
        self.hide()

    def start(self, text: str, cancellable: bool = True) -> None:
        self.label.setText(text)
        self.bar.setRange(0, 0)
        self.cancel.setVisible(cancellable)
        self.cancel.setEnabled(True)
        self.show()

    def progress(self, done: int, total: int, text: str | None = None) -> None:
        if total > 0:
            scale = 1000 / total
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(min(done, total) * scale))
        else:
            self.bar.setRange(0, 0)
        if text:
            self.label.setText(text)

    def finish(self) -> None:
        self.hide()
