"""First run: the wizard creates a vault, shows the recovery key once, and opens it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from evidencekit.gui.app import is_vault
from evidencekit.gui.strength import strength
from evidencekit.gui.wizard import PAGE_KEY, PAGE_NAME, PAGE_PASS, PAGE_PLACE, new_vault_folder
from evidencekit.vault import Vault

NEW_PASSPHRASE = "violet harbour lantern 7"


def test_first_run_creates_vault(qtbot, controller, tmp_path: Path) -> None:
    controller.start()
    wizard = controller.wizard
    assert wizard is not None, "no vault anywhere: the wizard comes first"
    qtbot.mouseClick(wizard.start_button, Qt.MouseButton.LeftButton)
    assert wizard.stack.currentIndex() == PAGE_PLACE
    usb = tmp_path / "usb-stick"
    usb.mkdir()
    (usb / "holiday.jpg").write_bytes(b"not empty")  # a used stick: a sub-folder is made
    wizard.set_chosen_folder(usb)
    assert wizard.folder == usb / "EvidenceKit"
    qtbot.mouseClick(wizard.place_next, Qt.MouseButton.LeftButton)
    assert wizard.stack.currentIndex() == PAGE_NAME
    assert not wizard.name_next.isEnabled()
    wizard.name_edit.setText("지은 (가명)")  # QTest cannot type Hangul
    qtbot.mouseClick(wizard.name_next, Qt.MouseButton.LeftButton)
    assert wizard.stack.currentIndex() == PAGE_PASS
    wizard.pass1.setText(NEW_PASSPHRASE)
    wizard.pass2.setText(NEW_PASSPHRASE + "x")
    assert not wizard.create_button.isEnabled(), "confirmation must match"
    wizard.pass2.setText(NEW_PASSPHRASE)
    assert wizard.create_button.isEnabled()
    assert wizard.meter.value() >= 3
    qtbot.mouseClick(wizard.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.stack.currentIndex() == PAGE_KEY, timeout=15000)

    key = wizard.recovery_key
    assert re.fullmatch(r"([A-Z0-9]{5}-){7}[A-Z0-9]{5}", key)
    assert key.replace("-", "") in wizard.key_label.text().replace("-", "").replace("\n", "")
    assert wizard.pass1.text() == "" and wizard.pass2.text() == ""
    pdf = tmp_path / "recovery.pdf"
    wizard.save_pdf_to(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        flat = "".join(ch for ch in text if ch.isalnum())
        assert key.replace("-", "") in flat

    assert not wizard.finish_button.isEnabled(), "the user must say she kept the key"
    wizard.kept_check.setChecked(True)
    qtbot.mouseClick(wizard.finish_button, Qt.MouseButton.LeftButton)
    assert controller.main is not None and controller.session is not None
    assert controller.session.holder == "지은 (가명)"
    assert is_vault(usb / "EvidenceKit")
    assert controller.settings.get("vault_path") == str(usb / "EvidenceKit")

    controller.lock()
    assert controller.unlock is not None
    vault = Vault.open(usb / "EvidenceKit", recovery_key=key, writable=False)
    vault.close()


def test_wizard_language_switch(qtbot, controller) -> None:
    controller.start()
    first = controller.wizard
    assert first is not None
    first.lang_buttons["ko"].click()
    qtbot.waitUntil(lambda: controller.wizard is not first)
    assert controller.wizard is not None
    assert "시작" in controller.wizard.start_button.text()
    assert controller.settings.language == "ko"


def test_new_vault_folder_never_reuses_a_used_one(tmp_path: Path) -> None:
    target = tmp_path / "stick"
    assert new_vault_folder(target) == target
    target.mkdir()
    (target / "x").write_text("x")
    assert new_vault_folder(target) == target / "EvidenceKit"
    (target / "EvidenceKit").mkdir()
    (target / "EvidenceKit" / "y").write_text("y")
    assert new_vault_folder(target) == target / "EvidenceKit-2"


@pytest.mark.parametrize(("text", "low", "high"), [
    ("short", 0, 0), ("password", 1, 1), ("aaaaaaaaaaaa", 1, 1),
    ("violet harbour lantern 7", 3, 4), ("보라색 항구의 등불 일곱", 4, 4),
])
def test_strength_meter(text: str, low: int, high: int) -> None:
    assert low <= strength(text) <= high
