"""The signing identity as the GUI shows it: who signs, the signing fingerprint in full and
in its short form (for reading aloud over the phone or writing on paper), and whether the
certificate is the vault's own or issued by a support centre."""

from __future__ import annotations

from cryptography import x509
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QVBoxLayout

from evidencekit.gui.theme import mono_family
from evidencekit.gui.widgets import heading, muted
from evidencekit.i18n import tr
from evidencekit.vault.identity import fingerprint, format_fingerprint, short_fingerprint
from evidencekit.vault.identity_import import common_name, is_self_signed

__all__ = ["identity_box", "status_text"]


def status_text(fp: str) -> str:
    """The short fingerprint's first three groups, for the status bar."""
    return " ".join(short_fingerprint(fp).split()[:3]) + " …"


def _mono(text: str, size: int = 11) -> QLabel:
    label = QLabel(text)
    label.setFont(QFont(mono_family(), size))
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
