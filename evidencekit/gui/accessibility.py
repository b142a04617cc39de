"""Accessibility: every control gets an accessible name (its text, its form label, its
placeholder or tooltip) for screen readers, and the text size keys (Ctrl + / Ctrl − /
Ctrl 0) of every window.

:func:`name_controls` names the controls of a window or panel that have no name yet (called
when one is shown or rebuilt; an application-wide event filter crashed QtWebEngine's page
renderer); :func:`unnamed_controls` lists what is still unnamed, for the tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from evidencekit.i18n import tr

__all__ = ["name_controls", "accessible_name_for", "unnamed_controls", "CONTROLS",
           "add_zoom_shortcuts", "spoken_name"]

log = logging.getLogger(__name__)

CONTROLS: tuple[type, ...] = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox,
                              QPlainTextEdit, QTextEdit, QAbstractItemView)


def _form_label(widget: QWidget) -> str:
    """The text of the label shown just before ``widget`` (its form label, or the heading
    above a list), found by walking the layouts of its window in order."""
    window = widget.window()
    last = ""

    def walk(layout: QLayout) -> str | None:
        nonlocal last
        if isinstance(layout, QFormLayout):
            for row in range(layout.rowCount()):
                for role in (QFormLayout.ItemRole.LabelRole, QFormLayout.ItemRole.FieldRole,
                             QFormLayout.ItemRole.SpanningRole):
                    item = layout.itemAt(row, role)
                    if item is not None and (found := visit(item)) is not None:
                        return found
            return None
        for i in range(layout.count()):
            item = layout.itemAt(i)
            if item is not None and (found := visit(item)) is not None:
                return found
        return None

    def visit(item: QLayoutItem) -> str | None:
        nonlocal last
        w = item.widget()
        if w is widget:
            return last
        if isinstance(w, QLabel) and w.text().strip() and w.pixmap().isNull():
            last = w.text().strip()
        elif w is not None and (inner := w.layout()) is not None:
            return walk(inner)
        sub = item.layout()
        return walk(sub) if sub is not None else None

    top = window.layout()
    if top is None:
        return ""
    return walk(top) or ""


def accessible_name_for(widget: QWidget) -> str:
    """The best name a person would give this control."""
    text = ""
    if isinstance(widget, QAbstractButton):
        text = widget.text().replace("&", "").replace("\n", " ")
        parent = widget.parentWidget()
        if not text and isinstance(parent, QLineEdit):  # a line edit's own icon button
            text = tr("gui.a11y.field_button",
                      field=parent.accessibleName() or parent.placeholderText())
    elif isinstance(widget, QComboBox):
        text = _form_label(widget) or widget.currentText()
    elif isinstance(widget, QLineEdit):
        text = _form_label(widget) or widget.placeholderText()
    elif isinstance(widget, QPlainTextEdit | QTextEdit):
        text = _form_label(widget) or widget.placeholderText()
    else:
        text = _form_label(widget)
    return (text or widget.toolTip() or widget.windowTitle()).strip()


def spoken_name(widget: QWidget) -> str:
    """What a screen reader says for ``widget`` (Qt derives it from a button's text or a
    label's buddy when no accessible name is set)."""
    if widget.accessibleName():
        return widget.accessibleName()
    iface = QAccessible.queryAccessibleInterface(widget)
    return iface.text(QAccessible.Text.Name) if iface is not None else ""


def _foreign(widget: QWidget) -> bool:
    """Qt WebEngine's own widgets (the page renderer): never touched."""
    for w in (widget, widget.window()):
        name = w.metaObject().className()
        if "WebEngine" in name or "RenderWidgetHost" in name:
            return True
    return False


def _name(widget: QWidget) -> None:
    # A button's name follows its text by itself (and stays right when the text changes):
    # only controls that would otherwise be silent get a fixed name.
    if not isinstance(widget, CONTROLS) or widget.accessibleName():
        return
    if isinstance(widget, QAbstractButton) and widget.text().strip():
        return
    if not _foreign(widget):
        name = accessible_name_for(widget)
        if name:
            widget.setAccessibleName(name)


def name_controls(root: QWidget) -> None:
    """Name every control of ``root`` that would otherwise be silent (call it when a
    window or a rebuilt panel is shown; hidden pages are named too)."""
    if _foreign(root):
        return
    _name(root)
    for child in root.findChildren(QWidget):
        _name(child)


def unnamed_controls(window: QWidget) -> list[str]:
    """Visible controls of ``window`` without an accessible name."""
    out = []
    for w in window.findChildren(QWidget):
        if isinstance(w, CONTROLS) and w.isVisible() and not spoken_name(w).strip():
            if type(w).__name__ in ("QToolBarExtension", "QScrollBar"):
                continue
            parent = w.parentWidget()
            out.append(f"{type(w).__name__}[{w.objectName() or '-'}] in "
                       f"{type(parent).__name__ if parent else '-'}"
                       f"[{parent.objectName() if parent else ''}] tip={w.toolTip()!r}")
    return out


def add_zoom_shortcuts(widget: QWidget, zoom: Callable[[int], None]) -> None:
    """Ctrl + (also Ctrl =) larger, Ctrl − smaller, Ctrl 0 back to normal."""
    for keys, step in (("Ctrl++", 1), ("Ctrl+=", 1), ("Ctrl+-", -1), ("Ctrl+0", 0)):
        shortcut = QShortcut(QKeySequence(keys), widget)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(lambda s=step: zoom(s))
