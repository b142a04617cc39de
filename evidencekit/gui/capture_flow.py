"""Screen capture from the main window: the whole screen, a window, a dragged region
(over a frozen screenshot), or a picture on the clipboard.

The program's own windows are hidden while the screen is grabbed (``capture.screen.grab``
runs on the GUI thread, as it must); storing the capture runs on a worker thread.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QInputDialog, QWidget

from evidencekit.capture.screen import Screenshot, ScreenTarget, grab, screenshot_item
from evidencekit.errors import CaptureError, EvidenceKitError
from evidencekit.gui.item_flows import save_new_item
from evidencekit.gui.messages import show_error, show_info
from evidencekit.gui.region_overlay import RegionOverlay
from evidencekit.gui.safety import watch_window
from evidencekit.i18n import tr
from evidencekit.model import ItemKind, NewItem, PartInput

if TYPE_CHECKING:
    from evidencekit.gui.main_window import MainWindow

__all__ = ["capture_screen", "capture_region", "capture_window", "paste_image",
           "store_screenshot", "hide_windows", "list_windows"]

log = logging.getLogger(__name__)

#: Overlays kept alive while open.
_overlays: set[RegionOverlay] = set()


def hide_windows() -> Callable[[], None]:
    """Hide every visible window of the program; return a function showing them again."""
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    for w in shown:
        w.hide()
    QApplication.processEvents()

    def restore() -> None:
        for w in shown:
            try:
                w.show()
            except RuntimeError:  # deleted meanwhile (locked, quick exit)
                continue
        if shown:
            shown[-1].raise_()
            shown[-1].activateWindow()

    return restore


def store_screenshot(window: MainWindow, shot: Screenshot) -> None:
    """Save a capture as an item (worker thread) and select it."""
    save_new_item(window, screenshot_item(shot), "gui.capture.saved")


def _grab(window: MainWindow, target: ScreenTarget) -> None:
    try:
        shot = grab(target, hide=hide_windows)
    except EvidenceKitError as exc:
        show_error(window, exc)
        return
    store_screenshot(window, shot)


def capture_screen(window: MainWindow) -> None:
    _grab(window, ScreenTarget.all_screens())


def capture_region(window: MainWindow, frozen: Screenshot | None = None) -> RegionOverlay | None:
    """Freeze the desktop and let the user drag a region over it.

    ``frozen`` replaces the live grab (tests feed a synthetic desktop picture).
    """
    restore: Callable[[], None] | None = None
    if frozen is None:
        hidden: list[Callable[[], None]] = []

        def hide() -> None:
            hidden.append(hide_windows())
            return None

        try:
            frozen = grab(ScreenTarget.all_screens(), hide=hide)
        except EvidenceKitError as exc:
            for r in hidden:
                r()
            show_error(window, exc)
            return None
        restore = hidden[0] if hidden else None
    overlay = RegionOverlay(frozen)
    watch_window(overlay)
    _overlays.add(overlay)

    def finished(shot: object) -> None:
        _overlays.discard(overlay)
        if restore is not None:
            restore()
        if isinstance(shot, Screenshot):
            store_screenshot(window, shot)

    overlay.chosen.connect(finished)
    overlay.cancelled.connect(lambda: finished(None))
    overlay.open()
    return overlay


def list_windows(own_titles: set[str]) -> list[str]:
    """Titles of the visible windows of other programs (X11, through xdotool)."""
    platform = QGuiApplication.platformName()
    if platform != "xcb":
        raise CaptureError("capture.screen.window_unsupported", system=platform)
    tool = shutil.which("xdotool")
    if tool is None:
        raise CaptureError("capture.screen.window_needs_xdotool")

    def run(*args: str) -> str:
        try:
            done = subprocess.run(  # noqa: S603 - fixed tool, no shell
                [tool, *args], capture_output=True, timeout=5, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CaptureError("capture.screen.window_lookup_failed", reason=str(exc)) from None
        return done.stdout.decode("utf-8", "replace")

    titles: list[str] = []
    for wid in run("search", "--onlyvisible", "--name", ".").split():
        name = run("getwindowname", wid).strip()
        if name and name not in own_titles and name not in titles:
            titles.append(name)
    return titles


def capture_window(window: MainWindow) -> None:
    own = {w.windowTitle() for w in QApplication.topLevelWidgets()}
    try:
        titles = list_windows(own)
    except CaptureError as exc:
        show_error(window, exc)
        return
    if not titles:
        show_info(window, tr("gui.action.capture_window"), tr("gui.capture.no_windows"))
        return
    title, ok = QInputDialog.getItem(window, tr("gui.action.capture_window"),
                                     tr("gui.capture.choose_window"), titles, 0, False)
    if ok and title:
        _grab(window, ScreenTarget.window(title))


def paste_image(window: MainWindow, parent: QWidget | None = None) -> None:
    """Keep the picture on the clipboard as an item (it is then treated as evidence)."""
    image = QGuiApplication.clipboard().image()
    if image.isNull():
        show_info(parent or window, tr("gui.action.paste_image"), tr("gui.capture.no_image"))
        return
    window.session.remember_clipboard_image(image)
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")  # type: ignore[call-overload]
    buf.close()
    when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
    new = NewItem(kind=ItemKind.SCREENSHOT, title=tr("gui.capture.clipboard_title", when=when),
                  source="clipboard",
                  parts=[PartInput("clipboard.png", "image/png", data=bytes(data.data()))],
                  metadata={"target": {"kind": "clipboard"},
                            "image": {"width": image.width(), "height": image.height()}})
    save_new_item(window, new, "gui.capture.saved")
