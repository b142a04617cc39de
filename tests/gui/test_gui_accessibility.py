"""Accessibility: every control has an accessible name, Ctrl + / Ctrl − scale the text,
a high-contrast option, and capture → export works by keyboard alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from evidencekit.gui.accessibility import name_controls, unnamed_controls
from evidencekit.gui.export_dialog import ExportDialog
from evidencekit.gui.theme import COLORS, set_display


@pytest.fixture(autouse=True)
def _normal_display():  # type: ignore[no-untyped-def]
    yield
    set_display(1.0, False)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        from evidencekit.gui.theme import apply_theme

        apply_theme(app)


def _shown(qtbot, widget: QWidget) -> QWidget:  # type: ignore[no-untyped-def]
    widget.show()
    qtbot.waitExposed(widget)
    QApplication.processEvents()
    return widget


def test_every_control_has_an_accessible_name(qtbot, controller, main_window,  # type: ignore[no-untyped-def]
                                              demo_vault: Path) -> None:
    main_window.select_item(1)
    QApplication.processEvents()
    assert not unnamed_controls(main_window), unnamed_controls(main_window)
    from evidencekit.gui import item_flows

    dialog = item_flows.export(main_window)
    qtbot.waitExposed(dialog)
    assert not unnamed_controls(dialog), unnamed_controls(dialog)
    dialog.close()
    settings = controller.open_settings()
    QApplication.processEvents()
    assert not unnamed_controls(settings), unnamed_controls(settings)
    settings.reject()
    from evidencekit.gui.verify_view import VerifyWindow

    verify = controller.open_verify()
    assert isinstance(verify, VerifyWindow)
    assert not unnamed_controls(verify), unnamed_controls(verify)
    verify.close()


def test_wizard_and_unlock_named(qtbot, controller, demo_vault: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = controller.show_wizard()
    for page in range(wizard.stack.count()):
        wizard.stack.setCurrentIndex(page)
        QApplication.processEvents()
        assert not unnamed_controls(wizard), (page, unnamed_controls(wizard))
    unlock = controller.show_unlock(demo_vault)
    QApplication.processEvents()
    assert not unnamed_controls(unlock), unnamed_controls(unlock)


def test_text_size_keys(qtbot, controller, main_window) -> None:  # type: ignore[no-untyped-def]
    base = QApplication.font().pointSizeF()
    main_window.activateWindow()
    qtbot.waitUntil(main_window.isActiveWindow)
    QTest.keyClick(main_window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: controller.main is not None and controller.main is not main_window)
    assert controller.settings.get("text_scale") > 1.0
    assert QApplication.font().pointSizeF() > base
    bigger = controller.main
    bigger.activateWindow()
    qtbot.waitUntil(bigger.isActiveWindow)
    QTest.keyClick(bigger, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: controller.main is not bigger)
    controller.main.activateWindow()
    qtbot.waitUntil(controller.main.isActiveWindow)
    QTest.keyClick(controller.main, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: controller.settings.get("text_scale") == 1.0)
    assert abs(QApplication.font().pointSizeF() - base) < 0.01


def test_high_contrast(qtbot, controller, main_window) -> None:  # type: ignore[no-untyped-def]
    normal_text = COLORS["text"]
    dialog = controller.open_settings()
    dialog.high_contrast.setChecked(True)
    dialog.save()
    qtbot.waitUntil(lambda: COLORS["text"] == "#000000")
    assert COLORS["window"] == "#ffffff" and normal_text != "#000000"
    assert "#000000" in QApplication.instance().styleSheet()  # type: ignore[union-attr]
    assert controller.settings.get("high_contrast") is True


def test_export_by_keyboard_alone(qtbot, controller, main_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    main_window.activateWindow()
    QTest.keyClick(main_window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(main_window.findChildren(ExportDialog)))
    dialog = main_window.findChildren(ExportDialog)[-1]
    qtbot.waitExposed(dialog)
    # Tab reaches the file name and the start button.
    chain = []
    widget: QWidget = dialog
    for _ in range(80):
        widget = widget.nextInFocusChain()
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible():
            chain.append(widget)
    assert dialog.out in chain and dialog.export_button in chain
    dialog.out.setFocus()
    dialog.out.selectAll()
    out = tmp_path / "keyboard.pdf"
    QTest.keyClicks(dialog.out, str(out))
    QTest.keyClick(dialog.out, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: out.exists() and dialog.job is None, timeout=120_000)
    assert out.read_bytes().startswith(b"%PDF")


def test_checker_finds_a_silent_control(qtbot, controller) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLineEdit, QToolButton, QVBoxLayout

    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    silent = QToolButton()
    layout.addWidget(silent)
    edit = QLineEdit()
    edit.setPlaceholderText("주소")
    layout.addWidget(edit)
    bare = QLineEdit()
    layout.addWidget(bare)
    window.show()
    name_controls(window)
    assert edit.accessibleName() == "주소"
    # An icon with no text and no tooltip, a field with no label: reported.
    assert len(unnamed_controls(window)) == 2
