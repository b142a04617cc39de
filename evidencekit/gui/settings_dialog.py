"""The settings dialog: language, auto-lock, time-stamp authorities, the neutral window
title, and changing the passphrase of the open vault.

Settings are per user (``evidencekit.settings``); the time-stamp authorities are also
written to the open vault, whose own list is what timestamping uses.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from evidencekit.errors import EvidenceKitError, InputError
from evidencekit.gui.identity_panel import IdentityPanel
from evidencekit.gui.messages import show_error, show_info
from evidencekit.gui.session import VaultSession
from evidencekit.gui.strength import strength
from evidencekit.gui.widgets import (
    PassphraseField,
    button,
    button_row,
    dialog_layout,
    heading,
    muted,
    primary,
)
from evidencekit.i18n import tr
from evidencekit.settings import MAX_AUTO_LOCK_MINUTES, Settings

__all__ = ["SettingsDialog", "PassphraseDialog"]

log = logging.getLogger(__name__)


class SettingsDialog(QDialog):
    """Edits the settings; emits ``applied(old_language)`` after saving them."""

    applied = Signal(object)

    def __init__(self, settings: Settings, session: VaultSession | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.session = session
        self.setWindowTitle(tr("gui.action.settings"))
        self.setMinimumWidth(640)
        layout = dialog_layout(self)
        layout.addWidget(heading(tr("gui.settings.title")))
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setVerticalSpacing(12)
        form.setHorizontalSpacing(18)
        self.language = QComboBox()
        self.language.addItem(tr("gui.settings.lang_system"), None)
        self.language.addItem("한국어", "ko")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        form.addRow(tr("gui.settings.language"), self.language)
        self.auto_lock = QComboBox()
        choices = sorted({1, 2, 5, 10, 15, 30, 60, 120, settings.auto_lock_minutes} - {0})
        for minutes in choices:
            if minutes <= MAX_AUTO_LOCK_MINUTES:
                self.auto_lock.addItem(tr("gui.settings.after_minutes", minutes=minutes),
                                       minutes)
        self.auto_lock.addItem(tr("gui.settings.never"), 0)
        self.auto_lock.setCurrentIndex(self.auto_lock.findData(settings.auto_lock_minutes))
        form.addRow(tr("gui.settings.auto_lock"), self.auto_lock)
        self.neutral = QCheckBox(tr("gui.settings.neutral"))
        self.neutral.setChecked(settings.neutral_title)
        self.neutral_text = QLineEdit(str(settings.get("neutral_title_text") or ""))
        self.neutral_text.setPlaceholderText(tr("gui.app.neutral_title"))
        self.neutral_text.setMaxLength(80)
        neutral_row = QVBoxLayout()
        neutral_row.addWidget(self.neutral)
        neutral_row.addWidget(self.neutral_text)
        neutral_row.addWidget(muted(tr("gui.settings.neutral_text")))
        form.addRow(tr("gui.settings.window"), neutral_row)
        self.forget_vault = QCheckBox(tr("hardening.gui.forget_vault"))
        self.forget_vault.setChecked(not settings.remember_vault)
        form.addRow(tr("hardening.gui.privacy"), self.forget_vault)
        self.high_contrast = QCheckBox(tr("gui.settings.high_contrast"))
        self.high_contrast.setChecked(bool(settings.get("high_contrast")))
        display_row = QVBoxLayout()
        display_row.addWidget(self.high_contrast)
        display_row.addWidget(muted(tr("gui.settings.text_size_text")))
        form.addRow(tr("gui.settings.display"), display_row)
        self.tsa = QPlainTextEdit("\n".join(self._current_tsas()))
        self.tsa.setFixedHeight(96)
        tsa_box = QVBoxLayout()
        tsa_box.addWidget(self.tsa)
        tsa_box.addWidget(muted(tr("gui.settings.tsa_text")))
        form.addRow(tr("gui.settings.tsa"), tsa_box)
        layout.addLayout(form)
        if session is not None and session.is_open:
            layout.addWidget(IdentityPanel(session))
            layout.addWidget(button(tr("gui.settings.change_passphrase"),
                                    self._change_passphrase, "lock"), 0,
                             Qt.AlignmentFlag.AlignLeft)
            layout.addWidget(button(tr("hardening.gui.rekey_action"), self._rekey, "lock"), 0,
                             Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        layout.addLayout(button_row(button(tr("gui.common.cancel"), self.reject),
                                    primary(tr("gui.settings.save"), self.save)))

    def _current_tsas(self) -> list[str]:
        stored = self.session.stored_tsa_urls() if self.session is not None else []
        return stored or self.settings.tsa_urls

    def save(self) -> None:
        urls = [u.strip() for u in self.tsa.toPlainText().splitlines() if u.strip()]
        bad = [u for u in urls if not u.startswith(("http://", "https://"))]
        if bad:
            show_error(self, InputError("gui.settings.bad_tsa", url=bad[0]))
            return
        old_language = self.settings.language
        self.settings.set("language", self.language.currentData())
        self.settings.set("auto_lock_minutes", int(self.auto_lock.currentData()))
        self.settings.set("neutral_title", self.neutral.isChecked())
        self.settings.set("neutral_title_text", self.neutral_text.text().strip())
        self.settings.set("remember_vault", not self.forget_vault.isChecked())
        self.settings.set("high_contrast", self.high_contrast.isChecked())
        if urls != self._current_tsas():
            self.settings.set("tsa_urls", urls or None)
            if self.session is not None and self.session.is_open:
                try:
                    self.session.vault.set_setting("tsa_urls", urls)
                except EvidenceKitError as exc:
                    show_error(self, exc)
        self.settings.save()
        self.applied.emit(old_language)
        self.accept()

    def _rekey(self) -> None:
        if self.session is not None:
            from evidencekit.gui.rekey_dialog import RekeyDialog

            RekeyDialog(self.session, self).open()

    def _change_passphrase(self) -> None:
        if self.session is not None:
            PassphraseDialog(self.session, self).open()


class PassphraseDialog(QDialog):
    """Sets a new passphrase (re-wraps the master key on a worker thread)."""

    def __init__(self, session: VaultSession, parent: QWidget | None = None,
                 after_recovery: bool = False) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle(tr("gui.settings.change_passphrase"))
        self.setMinimumWidth(560)
        layout = dialog_layout(self, spacing=12)
        layout.addWidget(heading(tr("gui.passphrase.title")))
        if after_recovery:
            layout.addWidget(muted(tr("gui.passphrase.after_recovery")))
        form = QFormLayout()
        self.pass1 = PassphraseField()
        self.pass2 = PassphraseField()
        form.addRow(tr("gui.passphrase.new"), self.pass1)
        form.addRow(tr("gui.passphrase.again"), self.pass2)
        layout.addLayout(form)
        self.ok_button = primary(tr("gui.passphrase.save"), self._save)
        layout.addLayout(button_row(button(tr("gui.common.cancel"), self.reject),
                                    self.ok_button))

    def _save(self) -> None:
        p1, p2 = self.pass1.text(), self.pass2.text()
        if p1 != p2:
            show_error(self, InputError("error.passphrase_mismatch"))
            return
        if strength(p1) == 0:
            show_error(self, InputError("error.passphrase_short", minimum=8))
            return
        vault = self.session.vault
        self.ok_button.setEnabled(False)

        def work(_p: Any, _c: Any) -> None:
            vault.change_passphrase(p1)

        def done(_r: object) -> None:
            show_info(self.parentWidget(), tr("gui.settings.change_passphrase"),
                      tr("gui.passphrase.done"))
            self.accept()

        def failed(exc: EvidenceKitError) -> None:
            self.ok_button.setEnabled(True)
            show_error(self, exc)

        self.session.jobs.start(work, name="passphrase", on_done=done, on_error=failed)
