"""GUI side of the hardening work: header problems shown in a dialog at unlock (and
repaired only on request)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from evidencekit.i18n import tr
from evidencekit.vault import Vault
from tests.support.gui_demo import PASSPHRASE


def _swap_recovery_wrap(vault: Path, tmp_path: Path) -> None:
    other, _ = Vault.create(tmp_path / "other", PASSPHRASE, "someone")
    other.close()
    doc = json.loads((vault / "vault.json").read_text())
    foreign = json.loads((tmp_path / "other" / "vault.json").read_text())
    doc["wrapped_master_key"]["recovery"] = foreign["wrapped_master_key"]["recovery"]
    (vault / "vault.json").write_text(json.dumps(doc))


def _unlock(qtbot, controller, demo_vault: Path):  # type: ignore[no-untyped-def]
    window = controller.show_unlock(demo_vault)
    window.passphrase.setText(PASSPHRASE)
    window.unlock()
    qtbot.waitUntil(lambda: getattr(window, "header_box", None) is not None, timeout=10000)
    return window


def test_header_problem_dialog_and_repair(qtbot, controller, demo_vault: Path,
                                          tmp_path: Path, artifacts: Path) -> None:
    _swap_recovery_wrap(demo_vault, tmp_path)
    window = _unlock(qtbot, controller, demo_vault)
    box = window.header_box
    assert box is not None
    assert tr("hardening.gui.problem.file_recovery") in box.text()
    assert controller.main is None  # the answer comes first
    box.grab().save(str(artifacts / "hardening-header-dialog.png"))
    repair = next(b for b in box.buttons() if b.text() == tr("hardening.gui.header_repair"))
    repair.click()
    qtbot.waitUntil(lambda: controller.main is not None, timeout=10000)
    controller.session.lock()
    with Vault.open(demo_vault, passphrase=PASSPHRASE, writable=False) as v:
        assert v.header_problems == []
        assert v.events()[-1].kind == "header_repaired"


def test_header_problem_dialog_later_changes_nothing(qtbot, controller, demo_vault: Path,
                                                     tmp_path: Path) -> None:
    _swap_recovery_wrap(demo_vault, tmp_path)
    before = (demo_vault / "vault.json").read_bytes()
    window = _unlock(qtbot, controller, demo_vault)
    box = window.header_box
    later = next(b for b in box.buttons()
                 if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole)
    later.click()
    qtbot.waitUntil(lambda: controller.main is not None, timeout=10000)
    assert (demo_vault / "vault.json").read_bytes() == before


def _qt_conf() -> Path:
    import os

    return Path(os.environ["XDG_CONFIG_HOME"]) / "QtProject.conf"


def test_file_dialog_leaves_no_history(qtbot, tmp_path: Path) -> None:
    """The attack: after the program 'forgot' the folder, the dialog's destructor (run
    later by deleteLater) wrote it back into QtProject.conf. The file is read after the
    dialog is destroyed and every pending deletion has run."""
    from PySide6.QtCore import QCoreApplication, QEvent, QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog

    from evidencekit.gui import file_dialogs

    secret = tmp_path / "evidence-of-abuse-folder"
    secret.mkdir()

    def accept() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QFileDialog) and w.isVisible():
                w.accept()
                if not w.isVisible():
                    return
        QTimer.singleShot(50, accept)

    QTimer.singleShot(50, accept)
    chosen = file_dialogs.save_file(None, "save the bundle", secret / "bundle.pdf")
    assert chosen == secret / "bundle.pdf"
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    conf = _qt_conf()
    text = conf.read_text(encoding="utf-8", errors="replace") if conf.exists() else ""
    assert "evidence-of-abuse-folder" not in text
    assert "lastVisited" not in text and "history=" not in text


def test_do_not_remember_where_my_vault_is(qtbot, controller, settings, demo_vault: Path
                                           ) -> None:
    """With the option on, unlocking a vault elsewhere leaves no trace of its folder in
    settings.json, and the next start does not find it."""
    from evidencekit.gui.settings_dialog import SettingsDialog
    from evidencekit.settings import Settings

    dialog = SettingsDialog(settings, None)
    dialog.forget_vault.setChecked(True)
    dialog.save()
    window = controller.show_unlock(demo_vault)
    window.passphrase.setText(PASSPHRASE)
    window.unlock()
    qtbot.waitUntil(lambda: controller.main is not None, timeout=10000)
    assert controller.settings.vault_path == demo_vault  # this session still knows it
    text = settings.path.read_text(encoding="utf-8")
    assert str(demo_vault) not in text and demo_vault.name not in text
    assert Settings.load(settings.path).vault_path != demo_vault
    assert Settings.load(settings.path).remember_vault is False


def test_recovery_sheet_never_beside_the_vault(tmp_path: Path) -> None:
    from evidencekit.gui.wizard import pdf_place_problem

    vault = tmp_path / "data" / "EvidenceKit" / "vault"
    vault.mkdir(parents=True)
    assert pdf_place_problem(vault / "key.pdf", vault) == "beside"
    assert pdf_place_problem(vault.parent / "key.pdf", vault) == "beside"
    assert pdf_place_problem(tmp_path / "key.pdf", vault) == "same_disk"


def test_wizard_recommends_printing(qtbot, controller) -> None:
    from evidencekit.gui.wizard import FirstRunWizard

    wizard = controller.show_wizard()
    assert isinstance(wizard, FirstRunWizard)
    texts = [w.text() for w in wizard.findChildren(type(wizard.finish_button))]
    assert texts.index(tr("gui.wizard.print")) < texts.index(tr("gui.wizard.save_pdf"))


def test_rekey_from_the_desktop(qtbot, controller, main_window, demo_vault: Path,
                                artifacts: Path) -> None:
    from evidencekit.errors import WrongSecretError
    from evidencekit.gui.rekey_dialog import RekeyDialog

    session = controller.session
    before = [(i.number, i.sha256) for i in session.items()]
    dialog = RekeyDialog(session, main_window)
    dialog.show()
    dialog.pass1.setText("a new passphrase for everything")
    dialog.pass2.setText("a new passphrase for everything")
    dialog.start()
    qtbot.waitUntil(lambda: dialog.key_label.isVisible(), timeout=60000)
    dialog.grab().save(str(artifacts / "hardening-rekey-dialog.png"))
    assert dialog.recovery_key.count("-") == 7
    assert session.is_open and session.vault.writable
    assert [(i.number, i.sha256) for i in session.items()] == before
    assert session.vault.events()[-1].kind == "vault_rekeyed"
    dialog.accept()
    assert dialog.recovery_key == ""
    session.lock()
    import pytest

    with pytest.raises(WrongSecretError):
        Vault.open(demo_vault, passphrase=PASSPHRASE, writable=False)
