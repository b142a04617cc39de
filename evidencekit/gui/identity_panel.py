"""The signing identity as the GUI shows it: who signs, the signing fingerprint in full and
in its short form (for reading aloud over the phone or writing on paper), and whether the
certificate is the vault's own or issued by a support centre; and the two steps of getting
a support centre's certificate (save a request, bring in the certificate or a .p12 file).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from evidencekit.errors import EvidenceKitError, InputError
from evidencekit.gui import file_dialogs
from evidencekit.gui.messages import show_error, show_info
from evidencekit.gui.session import VaultSession
from evidencekit.gui.theme import mono_family, scaled_font
from evidencekit.gui.widgets import (
    PassphraseField,
    button,
    button_row,
    dialog_layout,
    heading,
    muted,
    primary,
)
from evidencekit.i18n import catalogue, tr
from evidencekit.vault.identity import fingerprint, format_fingerprint, short_fingerprint
from evidencekit.vault.identity_import import common_name, is_self_signed

__all__ = ["IdentityPanel", "identity_box", "status_text", "set_holder_status"]

log = logging.getLogger(__name__)

_P12 = (".p12", ".pfx")


def status_text(fp: str) -> str:
    """The short fingerprint's first three groups, for the status bar."""
    return " ".join(short_fingerprint(fp).split()[:3]) + " …"


def set_holder_status(label: QLabel, holder: str, fp: str) -> None:
    """The status bar's signer label: name, start of the short form; all of it as tip."""
    label.setText(tr("gui.status.holder", holder=holder, fingerprint=status_text(fp)))
    label.setToolTip(f"{tr('identity.gui.settings_short')}: {short_fingerprint(fp)}\n"
                     f"{tr('identity.gui.settings_full')}: {format_fingerprint(fp)}")


def _mono(text: str, size: int = 11) -> QLabel:
    label = QLabel(text)
    label.setFont(scaled_font(mono_family(), size))
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def identity_box(cert: x509.Certificate) -> QFrame:
    """A framed block: signer, short fingerprint, SHA-256 fingerprint, kind."""
    frame = QFrame()
    frame.setObjectName("IdentityBox")
    outer = QVBoxLayout(frame)
    outer.setContentsMargins(0, 8, 0, 0)
    outer.addWidget(heading(tr("identity.gui.settings_title"), 14))
    form = QFormLayout()
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    fp = fingerprint(cert)
    holder = QLabel(common_name(cert.subject))
    holder.setTextFormat(Qt.TextFormat.PlainText)
    form.addRow(tr("identity.gui.settings_holder"), holder)
    groups = short_fingerprint(fp).split()
    short = _mono(" ".join(groups[:6]) + "\n" + " ".join(groups[6:]), 13)
    short.setObjectName("ShortFingerprint")
    form.addRow(tr("identity.gui.settings_short"), short)
    text = format_fingerprint(fp)
    full = _mono(text[:48] + "\n" + text[48:], 10)  # 16 bytes a line
    full.setObjectName("FullFingerprint")
    form.addRow(tr("identity.gui.settings_full"), full)
    outer.addLayout(form)
    if is_self_signed(cert):
        outer.addWidget(muted(tr("identity.gui.settings_self")))
    else:
        outer.addWidget(muted(tr("identity.gui.settings_ca", issuer=common_name(cert.issuer))))
    return frame


def _gui_error(exc: EvidenceKitError) -> EvidenceKitError:
    """The GUI's wording (해요체) of an identity error, when the catalogue has one."""
    gui_key = exc.key.replace("identity.", "identity.gui.err.", 1)
    if exc.key.startswith("identity.") and gui_key in catalogue("en"):
        return InputError(gui_key, **exc.params)
    return exc


class P12PassphraseDialog(QDialog):
    """Asks for the passphrase of a .p12 file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("identity.gui.p12_title"))
        layout = dialog_layout(self)
        layout.addWidget(heading(tr("identity.gui.p12_title"), 16))
        layout.addWidget(muted(tr("identity.gui.p12_text")))
        self.field = PassphraseField()
        self.field.returnPressed.connect(self.accept)
        layout.addWidget(self.field)
        layout.addLayout(button_row(button(tr("gui.common.cancel"), self.reject),
                                    primary(tr("gui.common.ok"), self.accept)))


def ask_p12_passphrase(parent: QWidget | None) -> str | None:
    """The passphrase the user typed, or None when cancelled."""
    dialog = P12PassphraseDialog(parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.field.edit.text()
    finally:
        dialog.field.edit.clear()
        dialog.deleteLater()


class IdentityPanel(QFrame):
    """:func:`identity_box` plus the buttons that change the identity of the open vault."""

    def __init__(self, session: VaultSession,
                 on_changed: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.session = session
        self.on_changed = on_changed
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._box = identity_box(session.vault.identity()[1])
        self._layout.addWidget(self._box)
        row = QHBoxLayout()
        self.request_button = button(tr("identity.gui.save_request"), self.save_request)
        self.import_button = button(tr("identity.gui.import"), self.import_certificate)
        row.addWidget(self.request_button)
        row.addWidget(self.import_button)
        row.addStretch(1)
        self._layout.addLayout(row)

    def save_request(self) -> None:
        from evidencekit.vault.atomic import write_atomic
        from evidencekit.vault.identity_import import make_request

        path = file_dialogs.save_file(self, tr("identity.gui.save_request"),
                                      Path.home() / "evidencekit-request.csr",
                                      tr("identity.gui.request_filter"))
        if path is None:
            return
        try:
            vault = self.session.vault
            write_atomic(path, make_request(vault.identity()[0], vault.holder), mode=0o644)
        except EvidenceKitError as exc:
            show_error(self, exc)
            return
        show_info(self, tr("identity.gui.request_saved_title"),
                  tr("identity.gui.request_saved_text", name=path.name))

    def import_certificate(self) -> None:
        from evidencekit.vault.identity_import import load_issued_certificate, load_pkcs12

        path = file_dialogs.open_file(self, tr("identity.gui.import"),
                                      tr("identity.gui.import_filter"))
        if path is None:
            return
        try:
            vault = self.session.vault
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InputError("identity.file_missing", path=path.name) from exc
            if path.suffix.lower() in _P12:
                secret = ask_p12_passphrase(self)
                if secret is None:
                    return
                ident = load_pkcs12(data, secret)
                key, cert, chain, how = ident.key, ident.cert, ident.chain, "pkcs12_import"
            else:
                key = vault.identity()[0]
                cert, chain = load_issued_certificate(data, key)
                how = "certificate_installed"
            if fingerprint(cert) == vault.fingerprint:
                raise InputError("identity.install_same")
            vault.replace_identity(key, cert, chain, how=how)
        except EvidenceKitError as exc:
            show_error(self, _gui_error(exc))
            return
        self._changed(cert)

    def _changed(self, cert: x509.Certificate) -> None:
        fp = fingerprint(cert)
        self.session.fingerprint = fp
        self.session.holder = common_name(cert.subject)
        old = self._box
        self._box = identity_box(cert)
        self._layout.replaceWidget(old, self._box)
        old.hide()
        old.setParent(None)
        old.deleteLater()
        for top in QApplication.topLevelWidgets():
            label = top.findChild(QLabel, "HolderStatus")
            if label is not None:
                set_holder_status(label, self.session.holder, fp)
        log.info("signing identity changed from the settings")
        show_info(self, tr("identity.gui.changed_title"),
                  tr("identity.gui.changed_text", issuer=common_name(cert.issuer),
                     short=short_fingerprint(fp)))
        if self.on_changed is not None:
            self.on_changed()
