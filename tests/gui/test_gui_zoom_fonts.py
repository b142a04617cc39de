"""Ctrl + / Ctrl − scale every text, also the labels with a size of their own (the item's
title, fingerprints, the recovery key, the wizard's introduction): none stays fixed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget

from evidencekit.gui.theme import scaled_font, set_display, text_scale


def _own_sizes(root: QWidget) -> dict[tuple[str, str], float]:
    """Point sizes of the visible labels and fields whose size is not the application's."""
    base = QApplication.font().pointSizeF()
    sizes: dict[tuple[str, str], float] = {}
    for w in root.findChildren(QWidget):
        if not isinstance(w, QLabel | QLineEdit) or not w.isVisibleTo(root):
            continue
        size = w.font().pointSizeF()
        if abs(size - base) > 0.01:
            key = (type(w).__name__, w.accessibleName() or w.objectName()
                   or (w.text()[:20] if isinstance(w, QLabel) else ""))
            sizes.setdefault(key, size)
    return sizes


def test_fixed_sizes_follow_ctrl_plus(qtbot, controller, main_window) -> None:  # type: ignore[no-untyped-def]
    main_window.detail.show_item(main_window.session.item(1))
    QApplication.processEvents()
    before = _own_sizes(main_window)
    title = main_window.detail.title_edit.font().pointSizeF()
    assert before, "no label with a size of its own on the main window"

    main_window.activateWindow()
    qtbot.waitUntil(main_window.isActiveWindow)
    QTest.keyClick(main_window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: controller.main is not None and controller.main is not main_window)
    bigger = controller.main
    factor = controller.settings.get("text_scale")
    assert factor > 1.1
    bigger.detail.show_item(bigger.session.item(1))
    QApplication.processEvents()
    assert bigger.detail.title_edit.font().pointSizeF() >= title * factor - 0.05
    after = _own_sizes(bigger)
    grown = {k: (before[k], after[k]) for k in before.keys() & after.keys()}
    assert grown, (before, after)
    stuck = {k: v for k, v in grown.items() if v[1] < v[0] * factor - 0.05}
    assert not stuck, stuck


def test_wizard_and_verify_fonts_scale(qtbot, controller) -> None:  # type: ignore[no-untyped-def]
    wizard = controller.show_wizard()
    QApplication.processEvents()
    normal = _own_sizes(wizard)
    assert normal
    wizard.close()
    set_display(1.5)
    try:
        assert text_scale() == 1.5
        wizard = controller.show_wizard()
        QApplication.processEvents()
        large = _own_sizes(wizard)
        for key, size in normal.items():
            if key in large:
                assert large[key] >= size * 1.5 - 0.05, (key, size, large[key])
        assert scaled_font("Monospace", 10).pointSizeF() == 15
    finally:
        set_display(1.0)
        wizard.close()
