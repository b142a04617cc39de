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
