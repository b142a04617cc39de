"""Region capture over a frozen (synthetic) desktop, and the clipboard picture."""

from __future__ import annotations

import io

from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from evidencekit.capture.screen import Screenshot
from evidencekit.gui import capture_flow
from evidencekit.gui.region_overlay import crop_screenshot
from evidencekit.model import ItemKind, now_utc
from tests.support.gui_demo import busy_picture, png_bytes


def frozen_desktop(width: int, height: int) -> Screenshot:
    """A synthetic desktop: grey, with a pure red square at (100, 80)-(300, 230)."""
    im = busy_picture(width, height, 11)
    im.paste((255, 0, 0), (100, 80, 300, 230))
    return Screenshot(png_bytes(im), {"target": {"kind": "all"}, "timezone": "Asia/Seoul"},
                      width, height, now_utc())


def test_crop_screenshot_is_exact() -> None:
    shot = frozen_desktop(640, 400)
    part = crop_screenshot(shot, (100, 80, 200, 150))
    with Image.open(io.BytesIO(part.png)) as im:
        assert im.size == (200, 150)
        assert im.convert("RGB").getcolors() == [(200 * 150, (255, 0, 0))]
    assert part.metadata["target"] == {"kind": "region", "region": [100, 80, 200, 150]}


def test_region_overlay_makes_an_item_from_a_drag(qtbot, main_window) -> None:
    before = len(main_window.session.items())

    geometry = QGuiApplication.primaryScreen().geometry()
    shot = frozen_desktop(geometry.width(), geometry.height())
    overlay = capture_flow.capture_region(main_window, frozen=shot)
    assert overlay is not None
    qtbot.waitExposed(overlay)
    assert overlay.width() == geometry.width()
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=QPoint(100, 80))
    qtbot.mouseMove(overlay, QPoint(200, 150))
    qtbot.mouseMove(overlay, QPoint(300, 230))
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=QPoint(300, 230))
    assert overlay.image_box() == (100, 80, 200, 150)
    with qtbot.waitSignal(overlay.chosen, timeout=5000):
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(main_window.session.items()) == before + 1, timeout=10000)
    item = max(main_window.session.items(), key=lambda i: i.number)
    assert item.kind == ItemKind.SCREENSHOT
    assert item.metadata["target"]["kind"] == "region"
    data = main_window.session.vault.read_part_bytes(item, 0)
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (200, 150)
        assert im.convert("RGB").getcolors() == [(200 * 150, (255, 0, 0))]


def test_region_overlay_escape_cancels(qtbot, main_window) -> None:
    before = len(main_window.session.items())
    overlay = capture_flow.capture_region(main_window, frozen=frozen_desktop(800, 600))
    assert overlay is not None
    qtbot.waitExposed(overlay)
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=QPoint(50, 50))
    with qtbot.waitSignal(overlay.cancelled, timeout=5000):
        qtbot.keyClick(overlay, Qt.Key.Key_Escape)
    qtbot.wait(200)
    assert len(main_window.session.items()) == before


def test_clipboard_picture_becomes_evidence_and_is_cleared_on_lock(qtbot, controller,
                                                                   main_window) -> None:
    from evidencekit.gui.thumbnails import to_qimage

    clip = QGuiApplication.clipboard()
    clip.setImage(to_qimage(busy_picture(120, 90, 5)))
    before = len(main_window.session.items())
    capture_flow.paste_image(main_window)
    qtbot.waitUntil(lambda: len(main_window.session.items()) == before + 1, timeout=10000)
    controller.lock()
    assert clip.image().isNull(), "evidence must not stay on the clipboard"
