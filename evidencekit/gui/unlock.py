"""The unlock screen: passphrase (or the recovery key), a calm message when it does not
fit, and ways out that need no vault: verify a bundle received, open another vault folder,
create a new vault. Opening (Argon2id) runs on a worker thread.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from evidencekit.errors import EvidenceKitError, WrongSecretError
from evidencekit.gui import file_dialogs
from evidencekit.gui.messages import show_error
from evidencekit.gui.theme import icon
from evidencekit.gui.widgets import PassphraseField, card, heading, link, muted, para, primary
from evidencekit.gui.workers import JobHost
from evidencekit.i18n import tr
from evidencekit.vault import Vault

__all__ = ["UnlockWindow"]

log = logging.getLogger(__name__)


class UnlockWindow(QWidget):
    """Asks for the passphrase; emits ``unlocked(vault, used_recovery_key)``."""

    unlocked = Signal(object, bool)
    verify_requested = Signal()
    create_requested = Signal()
    folder_changed = Signal(object)  # Path

    def __init__(self, folder: Path, jobs: JobHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self.folder = folder
        self.jobs = jobs
        self.busy = False
        self.setWindowTitle(tr("gui.app.title"))
        self.setMinimumSize(640, 560)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 30, 40, 24)
        outer.addStretch(1)
        box, inner = card()
        box.setMinimumWidth(540)
        box.setMaximumWidth(640)
        logo = QLabel()
        logo.setPixmap(icon("app").pixmap(QSize(56, 56)))
        inner.addWidget(logo, 0, Qt.AlignmentFlag.AlignHCenter)
        inner.addWidget(heading(tr("gui.unlock.title"), 20), 0, Qt.AlignmentFlag.AlignHCenter)
        self.folder_label = muted(str(folder))
        self.folder_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        inner.addWidget(self.folder_label)
        inner.addSpacing(8)
        self.pass_label = para(tr("gui.unlock.passphrase"))
        inner.addWidget(self.pass_label)
        self.passphrase = PassphraseField()
        self.passphrase.returnPressed.connect(self.unlock)
        inner.addWidget(self.passphrase)
        self.recovery_label = para(tr("gui.unlock.recovery_label"))
        self.recovery = QLineEdit()
        self.recovery.setMinimumHeight(38)
        self.recovery.setPlaceholderText("XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX")
        self.recovery.returnPressed.connect(self.unlock)
        inner.addWidget(self.recovery_label)
        inner.addWidget(self.recovery)
        self.recovery_label.hide()
        self.recovery.hide()
        self.message = QLabel()
        self.message.setObjectName("CalmText")
        self.message.setWordWrap(True)
        self.message.hide()
        inner.addWidget(self.message)
        row = QHBoxLayout()
        self.mode_link = link(tr("gui.unlock.use_recovery"), self.toggle_mode)
        row.addWidget(self.mode_link)
        row.addStretch(1)
        self.unlock_button = primary(tr("gui.unlock.open"), self.unlock)
        row.addWidget(self.unlock_button)
        inner.addLayout(row)

        center = QHBoxLayout()
        center.addStretch(1)
        center.addWidget(box, 3)
        center.addStretch(1)
        outer.addLayout(center)
        outer.addStretch(1)
        links = QHBoxLayout()
        links.addWidget(link(tr("gui.unlock.verify"), self.verify_requested.emit))
        links.addStretch(1)
        links.addWidget(link(tr("gui.unlock.other_folder"), self._choose_folder))
        links.addWidget(link(tr("gui.unlock.create"), self.create_requested.emit))
        outer.addLayout(links)
        self.passphrase.setFocus()

    def toggle_mode(self) -> None:
        recovery = not self.recovery_label.isVisibleTo(self)
        self.recovery_label.setVisible(recovery)
        self.recovery.setVisible(recovery)
        self.pass_label.setVisible(not recovery)
        self.passphrase.setVisible(not recovery)
        self.mode_link.setText(tr("gui.unlock.use_passphrase" if recovery else
                                  "gui.unlock.use_recovery"))
        self.message.hide()
        (self.recovery if recovery else self.passphrase).setFocus()

    def _choose_folder(self) -> None:
        folder = file_dialogs.choose_folder(self, tr("gui.unlock.other_folder"), self.folder)
        if folder is not None:
            self.folder = folder
            self.folder_label.setText(str(folder))
            self.message.hide()
            self.folder_changed.emit(folder)

    def unlock(self) -> None:
        if self.busy:
            return
        recovery = self.recovery_label.isVisibleTo(self)
        secret = self.recovery.text().strip() if recovery else self.passphrase.text()
        if not secret:
            self._calm(tr("gui.unlock.empty"))
            return
        folder = self.folder
        self.busy = True
        self.unlock_button.setEnabled(False)
        self.unlock_button.setText(tr("gui.unlock.opening"))
        self.message.hide()

        def work(_p: object, _c: object) -> Vault:
            if recovery:
                return Vault.open(folder, recovery_key=secret)
            return Vault.open(folder, passphrase=secret)

        self.jobs.start(work, name="unlock", on_done=lambda v: self._opened(v, recovery),
                        on_error=self._failed)

    def _reset_button(self) -> None:
        self.busy = False
        self.unlock_button.setEnabled(True)
        self.unlock_button.setText(tr("gui.unlock.open"))

    def _opened(self, vault: object, recovery: bool) -> None:
        self._reset_button()
        self.passphrase.clear()
        self.recovery.clear()
        if isinstance(vault, Vault) and vault.header_problems:
            self._ask_header(vault, recovery)
            return
        self.unlocked.emit(vault, recovery)

    def _ask_header(self, vault: Vault, recovery: bool) -> None:
        """Say which header file was changed and offer to put back the authentic one; the
        main window opens after the answer either way."""
        lines = [tr("hardening.gui.header_intro")]
        for key, _params in vault.header_problems:
            lines.append("• " + tr("hardening.gui.problem." + key.rsplit(".", 1)[-1]))
        lines.append("")
        lines.append(tr("hardening.gui.header_repair_question"))
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("hardening.gui.header_title"))
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText("\n".join(lines))
        repair = box.addButton(tr("hardening.gui.header_repair"),
                               QMessageBox.ButtonRole.AcceptRole)
        box.addButton(tr("hardening.gui.header_later"), QMessageBox.ButtonRole.RejectRole)
        self.header_box: QMessageBox | None = box

        def finished() -> None:
            if box.clickedButton() is repair and vault.writable:
                try:
                    vault.repair_header()
                except EvidenceKitError as exc:
                    show_error(None, exc)
            self.header_box = None
            box.deleteLater()
            self.unlocked.emit(vault, recovery)

        box.finished.connect(finished)
        box.open()

    def _failed(self, exc: EvidenceKitError) -> None:
        self._reset_button()
        if isinstance(exc, WrongSecretError) or exc.key in (
                "error.recovery_key_format", "error.recovery_key_typo"):
            hint = tr("gui.unlock.wrong_hint")
            self._calm(f"{exc.message()}\n{hint}")
            self.passphrase.edit.selectAll()
            return
        show_error(self, exc)

    def _calm(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
