"""Safety watchers on every window of the program: Esc pressed twice means quick exit,
and no keyboard or mouse activity for the auto-lock time locks the vault.

The event filter is installed on each of the program's windows and on every widget in
them (new widgets are picked up as they are polished), never on the QApplication: a
Python filter on the application is called for QtWebEngine's internal QtQuick objects
too, and PySide crashes wrapping them (a known PySide issue). A key event travels from
the focused widget up to its window, so Esc is counted only where it starts (the focused
widget: the same event reaching its parents right after is not counted again), and
held-down repeats are ignored.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

__all__ = ["SafetyWatcher", "DOUBLE_ESC_S", "watch_window"]

log = logging.getLogger(__name__)

#: Two Esc presses within this many seconds trigger quick exit.
DOUBLE_ESC_S = 0.8
#: A key event reaches the parents of its widget within one dispatch, well inside this.
_PROPAGATION_S = 0.05

_current: list[SafetyWatcher] = []


def watch_window(widget: QWidget) -> None:
    """Let the running application's watcher see this window's input (if there is one)."""
    if _current:
        _current[-1].watch(widget)


_ACTIVITY = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.MouseButtonDblClick,
}


class SafetyWatcher(QObject):
    """Emits ``quick_exit`` on Esc-Esc and ``idle`` after the auto-lock time."""

    quick_exit = Signal()
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._last_esc = 0.0
        self._last_receiver: QWidget | None = None
        self._last_activity = time.monotonic()
        self._timeout_ms = 0
        self._armed = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._check_idle)
        self._active = True
        _current.append(self)

    def watch(self, widget: QWidget) -> None:
        """Filter the events of ``widget`` and of every widget inside it."""
        widget.installEventFilter(self)
        for child in widget.findChildren(QWidget):
            child.installEventFilter(self)

    def stop(self) -> None:
        """Stop reacting to events (the filters stay, inert, until their widgets go)."""
        self._active = False
        self._timer.stop()
        if self in _current:
            _current.remove(self)

    # -- idle ------------------------------------------------------------------------

    def set_idle_timeout(self, msecs: int) -> None:
        """Lock after ``msecs`` without activity (0 = never). Restarts the count."""
        self._timeout_ms = max(0, int(msecs))
        self._last_activity = time.monotonic()
        self._timer.stop()
        if self._timeout_ms and self._armed:
            self._timer.start(max(20, min(1000, self._timeout_ms // 4)))

    def arm(self, on: bool) -> None:
        """Count idle time only while a vault is open."""
        self._armed = on
        self.set_idle_timeout(self._timeout_ms)

    def _check_idle(self) -> None:
        if not (self._armed and self._timeout_ms):
            return
        if (time.monotonic() - self._last_activity) * 1000 >= self._timeout_ms:
            log.info("idle: locking")
            self._armed = False
            self._timer.stop()
            self.idle.emit()

    # -- events ----------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if not self._active:
            return False
        etype = event.type()
        if etype == QEvent.Type.ChildPolished:
            child = event.child()  # type: ignore[attr-defined]
            if isinstance(child, QWidget):
                self.watch(child)  # its own children were polished before it
            return False
        if etype in _ACTIVITY:
            self._last_activity = time.monotonic()
        if etype == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and \
                event.key() == Qt.Key.Key_Escape and not event.isAutoRepeat() and \
                isinstance(obj, QWidget) and not self._propagated(obj):
            now = time.monotonic()
            if now - self._last_esc <= DOUBLE_ESC_S:
                self._last_esc = 0.0
                self._last_receiver = None
                log.info("Esc pressed twice: quick exit")
                self.quick_exit.emit()
                return True
            self._last_esc = now
            self._last_receiver = obj
        return False

    def _propagated(self, obj: QWidget) -> bool:
        """Whether this is the last counted Esc travelling up to a parent widget."""
        last = self._last_receiver
        if last is None or time.monotonic() - self._last_esc > _PROPAGATION_S:
            return False
        try:
            parent = last.parentWidget()
            while parent is not None:
                if parent is obj:
                    return True
                parent = parent.parentWidget()
        except RuntimeError:  # the widget was deleted meanwhile
            return False
        return False
