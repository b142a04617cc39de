""""Someone may know my passphrase or have a copy": replace every key of the open vault
(``evidencekit.vault.rekey``), then show the new recovery key once, to print.

The vault is re-encrypted on a worker thread and reopened with the new passphrase; the
session takes the reopened vault. Nothing else of the program needs to know.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QProgressBar, QWidget

from evidencekit.errors import EvidenceKitError, InputError
from evidencekit.gui.messages import show_error
from evidencekit.gui.recovery_sheet import print_recovery_sheet
from evidencekit.gui.session import VaultSession
from evidencekit.gui.strength import strength
from evidencekit.gui.theme import mono_family, scaled_font
from evidencekit.gui.widgets import (
    PassphraseField,
    button,
    button_row,
    dialog_layout,
    heading,
    muted,
    para,
    primary,
)
from evidencekit.i18n import tr
from evidencekit.vault import Vault

__all__ = ["RekeyDialog"]

log = logging.getLogger(__name__)


class RekeyDialog(QDialog):
    """Asks for a new passphrase, replaces every key, shows the new recovery key."""

    def __init__(self, session: VaultSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.recovery_key = ""
        self.setWindowTitle(tr("hardening.gui.rekey_title"))
        self.setMinimumWidth(600)
        layout = dialog_layout(self, spacing=12)
        layout.addWidget(heading(tr("hardening.gui.rekey_title")))
        layout.addWidget(para(tr("hardening.gui.rekey_intro")))
        layout.addWidget(muted(tr("hardening.gui.rekey_limits")))
        self.form = QWidget()
        form = QFormLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        self.pass1 = PassphraseField()
        self.pass2 = PassphraseField()
        form.addRow(tr("gui.passphrase.new"), self.pass1)
        form.addRow(tr("gui.passphrase.again"), self.pass2)
        layout.addWidget(self.form)
        self.bar = QProgressBar()
        self.bar.hide()
        layout.addWidget(self.bar)
        self.key_label = QLabel()
        self.key_label.setFont(scaled_font(mono_family(), 16, bold=True))
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.hide()
        layout.addWidget(self.key_label)
        self.after = muted(tr("hardening.gui.rekey_after"))
        self.after.hide()
        layout.addWidget(self.after)
        self.print_button = button(tr("gui.wizard.print"), self._print, "note")
        self.print_button.hide()
        self.ok_button = primary(tr("hardening.gui.rekey_start"), self.start)
        self.cancel_button = button(tr("gui.common.cancel"), self.reject)
        layout.addLayout(button_row(self.print_button, self.cancel_button, self.ok_button))

    def start(self) -> None:
        p1, p2 = self.pass1.text(), self.pass2.text()
        if p1 != p2:
            show_error(self, InputError("error.passphrase_mismatch"))
            return
        if strength(p1) == 0:
            show_error(self, InputError("error.passphrase_short", minimum=8))
            return
        from evidencekit.vault.rekey import rekey

        session = self.session
        vault = session.vault
        folder = vault.folder
        session.picture_jobs.cancel_all()
        session.wipe()
        self.ok_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self.bar.setRange(0, 0)
        self.bar.show()

        def work(progress: Callable[[int, int, str], None], cancel: Any) -> tuple[Vault, str]:
            recovery = rekey(vault, p1, progress=progress)
            return Vault.open(folder, passphrase=p1), recovery

        def progressed(done: int, total: int, _key: str) -> None:
            if total > 0:
                self.bar.setRange(0, 1000)
                self.bar.setValue(int(done * 1000 / total))

        session.jobs.start(work, name="rekey", on_done=self._done, on_error=self._failed,
                           on_progress=progressed)

    def _done(self, result: object) -> None:
        assert isinstance(result, tuple)
        vault, self.recovery_key = result
        self.session.replace_vault(vault)
        self.pass1.clear()
        self.pass2.clear()
        self.bar.hide()
        self.form.hide()
        self.cancel_button.hide()
        groups = self.recovery_key.split("-")
        self.key_label.setText("-".join(groups[:4]) + "-\n" + "-".join(groups[4:]))
        self.key_label.show()
        self.after.show()
        self.print_button.show()
        self.ok_button.setText(tr("gui.common.ok"))
        self.ok_button.clicked.disconnect()
        self.ok_button.clicked.connect(self.accept)
        self.ok_button.setEnabled(True)
        log.info("keys replaced from the desktop app")

    def _failed(self, exc: EvidenceKitError) -> None:
        self.bar.hide()
        self.ok_button.setEnabled(True)
        self.cancel_button.setEnabled(True)
        if not self.session.is_open or not self.session.vault.writable:
            # the vault object was closed by a failed rekey after its commit: reopen
            try:
                self.session.replace_vault(Vault.open(self.session.folder,
                                                      passphrase=self.pass1.text()))
            except EvidenceKitError:
                log.warning("vault could not be reopened after a failed key change")
        show_error(self, exc)

    def _print(self) -> None:
        if self.recovery_key and self.session.is_open:
            print_recovery_sheet(self, self.recovery_key, self.session.fingerprint,
                                 self.session.folder)

    def done(self, result: int) -> None:  # noqa: D401 - QDialog API
        self.recovery_key = ""
        self.key_label.clear()
        super().done(result)
