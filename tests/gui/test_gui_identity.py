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


def _panel(dialog):  # type: ignore[no-untyped-def]
    from evidencekit.gui.identity_panel import IdentityPanel

    panel = dialog.findChild(IdentityPanel)
    assert panel is not None
    return panel


def test_save_request_and_install_certificate_from_settings(
        qtbot, controller, main_window, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cryptography import x509 as cx509

    from evidencekit.gui import file_dialogs
    from evidencekit.gui.messages import last_message
    from evidencekit.org.ca import init_ca, issue

    session = controller.session
    old_fp = session.fingerprint
    dialog = controller.open_settings()
    qtbot.waitExposed(dialog)
    panel = _panel(dialog)
    csr = tmp_path / "req.csr"
    monkeypatch.setattr(file_dialogs, "save_file", lambda *a, **k: csr)
    panel.save_request()
    assert last_message() is not None and "req.csr" in last_message()[1]
    assert cx509.load_pem_x509_csr(csr.read_bytes()).is_signature_valid
    init_ca(tmp_path / "ca", "Busan Centre", "centre passphrase")
    cert = tmp_path / "cert.pem"
    cert.write_bytes(issue(tmp_path / "ca", "centre passphrase", csr.read_bytes()).pem())
    monkeypatch.setattr(file_dialogs, "open_file", lambda *a, **k: cert)
    panel.import_certificate()
    title, text = last_message() or ("", "")
    assert title == "Signing certificate changed" and "Busan Centre Root CA" in text
    assert session.fingerprint != old_fp
    assert short_fingerprint(session.fingerprint) in text
    status = main_window.findChild(QLabel, "HolderStatus")
    assert short_fingerprint(session.fingerprint)[:17] in status.text()
    shown = panel.findChild(QLabel, "ShortFingerprint")
    assert shown.text().replace("\n", " ") == short_fingerprint(session.fingerprint)
    assert session.vault.events()[-1].kind == "identity_changed"
    # the same file again: already installed, said in the GUI's words
    panel.import_certificate()
    assert "already the one your bundles are signed with" in (last_message() or ("", ""))[1]
    dialog.reject()


def test_p12_from_settings_wrong_then_right_passphrase(
        qtbot, controller, main_window, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from evidencekit.gui import file_dialogs, identity_panel
    from evidencekit.gui.messages import last_message

    data, leaf, _root = good_p12()
    p12 = tmp_path / "centre.p12"
    p12.write_bytes(data)
    dialog = controller.open_settings()
    panel = _panel(dialog)
    monkeypatch.setattr(file_dialogs, "open_file", lambda *a, **k: p12)
    monkeypatch.setattr(identity_panel, "ask_p12_passphrase", lambda parent: "wrong")
    before = controller.session.fingerprint
    panel.import_certificate()
    assert "doesn't open the certificate file" in (last_message() or ("", ""))[1]
    assert controller.session.fingerprint == before
    monkeypatch.setattr(identity_panel, "ask_p12_passphrase", lambda parent: None)
    panel.import_certificate()  # cancelled: nothing happens
    assert controller.session.fingerprint == before
    monkeypatch.setattr(identity_panel, "ask_p12_passphrase", lambda parent: P12_PASSPHRASE)
    panel.import_certificate()
    from evidencekit.vault.identity import fingerprint

    assert controller.session.fingerprint == fingerprint(leaf)
    dialog.reject()


def test_p12_passphrase_dialog(qtbot) -> None:  # type: ignore[no-untyped-def]
    from evidencekit.gui.identity_panel import P12PassphraseDialog

    dialog = P12PassphraseDialog()
    qtbot.addWidget(dialog)
    assert dialog.field.edit.echoMode() == dialog.field.edit.EchoMode.Password
