"""The trusted root certificates of the verify screen, kept in the user's settings.

Two lists, one widget each: the roots that confirm a signer (settings key
``trusted_roots``): a bundle whose signer certificate chains to one of them (a support
centre's own CA, or a certificate the holder handed over in person) counts as confirmed;
and the roots of time-stamp authorities trusted besides the public ones (settings key
``trusted_tsa_roots``, what ``verify --tsa-ca`` gives on the command line). Adding reads a
PEM or DER file, removing takes one out. Nothing here decides trust by itself:
``verify_bundle`` does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from asn1crypto import pem
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from evidencekit.gui import file_dialogs
from evidencekit.gui.widgets import button, heading, link, muted, para, signer_name
from evidencekit.i18n import tr
from evidencekit.settings import Settings
from evidencekit.vault.identity import fingerprint, short_fingerprint

__all__ = ["TrustedRoots", "root_texts_from_file", "SIGNER_ROOTS", "TSA_ROOTS"]

log = logging.getLogger(__name__)


def root_texts_from_file(data: bytes) -> list[str]:
    """Every certificate in ``data`` (PEM with one or more, or one DER) as PEM text;
    raises ``ValueError`` when there is none."""
    if pem.detect(data):
        certs = x509.load_pem_x509_certificates(data)
    else:
        certs = [x509.load_der_x509_certificate(data)]
    if not certs:
        raise ValueError("no certificate")
    return [c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certs]


def _describe(text: str) -> tuple[str, str]:
    cert = x509.load_pem_x509_certificate(text.encode("ascii"))
    return signer_name(cert.subject.rfc4514_string()), short_fingerprint(fingerprint(cert))


#: (settings key, title key, explanation key) of the two lists.
SIGNER_ROOTS = ("trusted_roots", "verify_trust.gui.roots", "verify_trust.gui.roots_text")
TSA_ROOTS = ("trusted_tsa_roots", "verify_weak.gui.tsa_roots", "verify_weak.gui.tsa_roots_text")


class TrustedRoots(QWidget):
    """Lists, adds and removes the trusted roots of one list (``kind``: :data:`SIGNER_ROOTS`
    or :data:`TSA_ROOTS`); ``changed`` is called after each edit."""

    def __init__(self, settings: Settings, changed: Callable[[], None] | None = None,
                 parent: QWidget | None = None,
                 kind: tuple[str, str, str] = SIGNER_ROOTS) -> None:
        super().__init__(parent)
        self.settings = settings
        self.changed = changed
        self.setting, title_key, text_key = kind
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(heading(tr(title_key), 13))
        layout.addWidget(muted(tr(text_key)))
        self.rows = QVBoxLayout()
        layout.addLayout(self.rows)
        self.error = para("")
        self.error.hide()
        layout.addWidget(self.error)
        row = QHBoxLayout()
        row.addWidget(button(tr("verify_trust.gui.roots_add"), self._choose))
        row.addStretch(1)
        layout.addLayout(row)
        self.refresh()

    def roots(self) -> list[str]:
        return list(self.settings.get(self.setting))

    def refresh(self) -> None:
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        roots = self.roots()
        if not roots:
            self.rows.addWidget(muted(tr("verify_trust.gui.roots_none")))
        for index, text in enumerate(roots):
            try:
                name, short = _describe(text)
            except ValueError:
                name, short = "?", ""
            box = QWidget()
            line = QHBoxLayout(box)
            line.setContentsMargins(0, 0, 0, 0)
            label = QLabel(f"{name}  ·  {short}")
            label.setWordWrap(True)
            line.addWidget(label, 1)
            line.addWidget(link(tr("verify_trust.gui.roots_remove"), self._remover(index)))
            self.rows.addWidget(box)

    def _remover(self, index: int) -> Callable[[], None]:
        return lambda: self.remove(index)

    def _choose(self) -> None:
        path = file_dialogs.open_file(self, tr("verify_trust.gui.roots_add"),
                                      "Certificates (*.pem *.crt *.cer *.der)")
        if path is not None:
            self.add_file(path)

    def add_file(self, path: Path) -> bool:
        """Add the certificates of ``path``; False (and a message) when there are none."""
        try:
            texts = root_texts_from_file(path.read_bytes())
        except (OSError, ValueError):
            self.error.setText(tr("verify_trust.gui.roots_bad"))
            self.error.show()
            return False
        self.error.hide()
        roots = self.roots()
        roots.extend(t for t in texts if t not in roots)
        try:
            self.settings.set(self.setting, roots)
        except ValueError:
            self.error.setText(tr("verify_trust.gui.roots_bad"))
            self.error.show()
            return False
        self.settings.save()
        self.refresh()
        if self.changed is not None:
            self.changed()
        return True

    def remove(self, index: int) -> None:
        roots = self.roots()
        if 0 <= index < len(roots):
            del roots[index]
            self.settings.set(self.setting, roots)
            self.settings.save()
            self.refresh()
            if self.changed is not None:
                self.changed()
