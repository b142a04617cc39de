"""Export from the GUI gives a bundle that verify accepts; the verify screen shows valid
(green) and tampered (red) bundles."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from evidencekit.bundle.verify import verify_bundle
from evidencekit.gui import item_flows
from evidencekit.gui.export_dialog import ExportDialog
from evidencekit.gui.verify_view import VerifyWindow
from evidencekit.i18n import tr
from evidencekit.vault.identity import short_fingerprint


def _export(qtbot, main_window, out: Path, blur: bool = False) -> ExportDialog:  # type: ignore[no-untyped-def]
    dialog = item_flows.export(main_window)
    assert isinstance(dialog, ExportDialog)
    qtbot.waitExposed(dialog)
    dialog.out.setText(str(out))
    dialog.case_title.setText("텔레그램 합성 사진 사건 (demo)")
    dialog.blur.setChecked(blur)
    # untick the pending link: it has no parts yet
    for i in range(dialog.items.count()):
        entry = dialog.items.item(i)
        if entry.data(Qt.ItemDataRole.UserRole) == 6:
            entry.setCheckState(Qt.CheckState.Unchecked)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.export_result is not None, timeout=120000)
    return dialog


def test_export_produces_a_bundle_that_verify_accepts(qtbot, main_window,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "bundle.pdf"
    dialog = _export(qtbot, main_window, out)
    result = dialog.export_result
    assert result is not None and out.is_file()
    assert result.items == [1, 2, 3, 4, 5]
    assert dialog.done_box.isVisible()
    shown = "".join(ch for ch in dialog.fingerprint.text() if ch.isalnum()).lower()
    assert main_window.session.fingerprint.replace(":", "").lower() in shown
    assert result.sha256 in shown
    report = verify_bundle(out, expect_fingerprint=main_window.session.fingerprint)
    assert report.ok, [c.name for c in report.failures]
    assert report.fingerprint == main_window.session.fingerprint
    events = [e.kind for e in main_window.session.vault.events()]
    assert "exported" in events


def test_export_can_be_cancelled(qtbot, main_window, tmp_path: Path) -> None:
    out = tmp_path / "cancelled.pdf"
    dialog = item_flows.export(main_window)
    dialog.out.setText(str(out))
    dialog.start()
    dialog._cancel()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=60000)
    if dialog.export_result is None:
        assert not out.exists()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cancelled")]


def test_verify_screen_valid_and_invalid(qtbot, main_window, tmp_path: Path) -> None:
    out = tmp_path / "bundle.pdf"
    _export(qtbot, main_window, out)
    window = VerifyWindow()
    qtbot.addWidget(window)
    window.show()
    window.verify(out)
    qtbot.waitUntil(lambda: window.report is not None, timeout=60000)
    # intact, but nobody confirmed the signer yet: the amber answer, never "all holds"
    assert window.report.intact and window.report.exit_code == 10
    assert window.result_lines()[0] == tr("verify_trust.gui.state_unconfirmed")
    # the fingerprint the holder gave (short form) confirms it
    window.expect.setText(short_fingerprint(main_window.session.fingerprint))
    window.report = None
    window._again()
    qtbot.waitUntil(lambda: window.report is not None, timeout=60000)
    assert window.report.ok
    assert window.result_lines()[0] == tr("verify_trust.gui.state_ok")
    window.grab().save(str(tmp_path / "verify-ok.png"))

    data = bytearray(out.read_bytes())
    middle = len(data) // 2
    data[middle] ^= 0x5A
    bad = tmp_path / "tampered.pdf"
    bad.write_bytes(bytes(data))
    window.report = None
    window.verify(bad)
    qtbot.waitUntil(lambda: window.report is not None, timeout=60000)
    assert not window.report.ok
    lines = window.result_lines()
    assert lines[0] == tr("verify_trust.gui.state_bad") and len(lines) > 1


def test_verify_screen_not_a_pdf(qtbot, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"this is not a pdf at all")
    window = VerifyWindow()
    qtbot.addWidget(window)
    window.verify(junk)
    qtbot.waitUntil(lambda: window.report is not None, timeout=30000)
    assert not window.report.ok


def test_verify_screen_trusted_roots_in_settings(qtbot, main_window, tmp_path: Path) -> None:
    """A root added on the verify screen is saved in the settings and confirms the signer;
    removing it brings the amber answer back."""
    from cryptography.hazmat.primitives import serialization

    from evidencekit.settings import Settings

    out = tmp_path / "bundle.pdf"
    _export(qtbot, main_window, out)
    cert = main_window.session.vault.identity()[1]
    pem_file = tmp_path / "holder.pem"
    pem_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    settings = Settings(tmp_path / "settings.json")
    window = VerifyWindow(settings=settings)
    qtbot.addWidget(window)
    window.verify(out)
    qtbot.waitUntil(lambda: window.report is not None, timeout=60000)
    assert window.report.exit_code == 10
    # the trust settings are folded away until opened; the button counts the roots
    assert not window.roots_area.isVisibleTo(window)
    assert "0" in window.trust_toggle.text()
    window.trust_toggle.click()
    assert window.roots_area.isVisibleTo(window)
    junk = tmp_path / "junk.pem"
    junk.write_text("no certificate")
    assert not window.roots.add_file(junk) and window.roots.error.isVisibleTo(window)
    window.report = None
    assert window.roots.add_file(pem_file)  # saved, and the bundle checked again
    qtbot.waitUntil(lambda: window.report is not None, timeout=60000)
    assert window.report.exit_code == 0
    assert tr("verify_lead.trust_toggle", signers=1, tsas=0) == window.trust_toggle.text()
    assert window.result_lines()[0] == tr("verify_trust.gui.state_ok")
    assert len(Settings.load(tmp_path / "settings.json").get("trusted_roots")) == 1
    window.report = None
    window.roots.remove(0)
    qtbot.waitUntil(lambda: window.report is not None, timeout=60000)
    assert window.report.exit_code == 10
    assert Settings.load(tmp_path / "settings.json").get("trusted_roots") == []
