"""Unlock: the right passphrase opens the main window, a wrong one gives a calm message."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from evidencekit.i18n import tr
from tests.support.gui_demo import PASSPHRASE


def test_wrong_passphrase_shows_calm_message(qtbot, controller, demo_vault: Path) -> None:
    controller.settings.set("vault_path", str(demo_vault))
    controller.start()
    window = controller.unlock
    assert window is not None and controller.wizard is None
    window.passphrase.setText("not the passphrase")
    qtbot.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.message.isVisible(), timeout=10000)
    text = window.message.text()
    assert tr("error.wrong_passphrase") in text
    assert tr("gui.unlock.wrong_hint") in text
    assert controller.session is None and controller.main is None
    assert window.unlock_button.isEnabled()

    window.passphrase.setText(PASSPHRASE)
    qtbot.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.main is not None, timeout=10000)
    assert controller.session is not None and len(controller.session.items()) == 6


def test_wrong_passphrase_in_korean(qtbot, controller, demo_vault: Path) -> None:
    controller.change_language("ko")
    window = controller.show_unlock(demo_vault)
    window.passphrase.setText("틀린 암호입니다")
    window.unlock()
    qtbot.waitUntil(lambda: window.message.isVisible(), timeout=10000)
    assert "암호가 맞지 않아요" in window.message.text()
    assert "한/영" in window.message.text()


def test_recovery_key_mode_and_format_error(qtbot, controller, demo_vault: Path) -> None:
    window = controller.show_unlock(demo_vault)
    window.toggle_mode()
    assert window.recovery.isVisibleTo(window) and not window.passphrase.isVisibleTo(window)
    window.recovery.setText("AAAAA-BBBBB")
    window.unlock()
    qtbot.waitUntil(lambda: window.message.isVisible(), timeout=10000)
    assert controller.session is None


def test_verify_without_vault(qtbot, controller, demo_vault: Path) -> None:
    window = controller.show_unlock(demo_vault)
    window.verify_requested.emit()
    assert controller.verify_windows and controller.verify_windows[-1].isVisible()
