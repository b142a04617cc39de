"""The signing fingerprint in the GUI: the short form in the status bar and in the settings
dialog (with the full SHA-256 and the kind of certificate), and on the recovery sheet."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel

from evidencekit.gui.identity_panel import identity_box
from evidencekit.vault.identity import format_fingerprint, short_fingerprint
from evidencekit.vault.identity_import import load_pkcs12
from tests.support.identity_certs import P12_PASSPHRASE, good_p12


def test_status_bar_and_settings_show_short_fingerprint(qtbot, controller, main_window,
                                                        artifacts: Path) -> None:
    fp = controller.session.fingerprint
    short = short_fingerprint(fp)
    status = main_window.findChild(QLabel, "HolderStatus")
    assert status is not None
    assert short[:17] in status.text()
    assert short in status.toolTip() and format_fingerprint(fp) in status.toolTip()
    dialog = controller.open_settings()
    qtbot.waitExposed(dialog)
    shown = dialog.findChild(QLabel, "ShortFingerprint")
    assert shown is not None and shown.text().replace("\n", " ") == short
    full = dialog.findChild(QLabel, "FullFingerprint")
    assert full is not None and full.text().replace("\n", "") == format_fingerprint(fp)
    texts = " ".join(w.text() for w in dialog.findChildren(QLabel))
    assert "your vault's own certificate" in texts.lower()
    dialog.grab().save(str(artifacts / "settings-identity.png"))
    dialog.reject()


def test_identity_box_for_a_centre_certificate(qtbot) -> None:
    data, _leaf, _root = good_p12()
    ident = load_pkcs12(data, P12_PASSPHRASE)
    box = identity_box(ident.cert)
    qtbot.addWidget(box)
    texts = " ".join(w.text() for w in box.findChildren(QLabel))
    assert "Certificate issued by Test Centre Root" in texts
    assert "Counsellor Lee" in texts


def test_recovery_sheet_has_short_fingerprint(qtbot, tmp_path: Path) -> None:
    from evidencekit.gui.recovery_sheet import recovery_document

    fp = "ab" * 32
    text = recovery_document("ABCDE-FGHIJ-KLMNO-PQRST-UVWXY-Z2345-67ABC-DEFGH", fp,
                             tmp_path).toPlainText()
    assert short_fingerprint(fp) in text
    assert format_fingerprint(fp) in text
