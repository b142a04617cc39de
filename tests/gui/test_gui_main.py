"""The main window: items, blurred thumbnails and reveal, filters, drop, notes and tags."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageFilter
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage

from evidencekit.gui.filters import Query, matches
from evidencekit.gui.session import VaultSession
from evidencekit.gui.thumbnails import blur
from evidencekit.model import ItemKind
from tests.support.gui_demo import busy_picture, png_bytes


def qimage_to_pil(image: QImage) -> Image.Image:
    from PySide6.QtCore import QBuffer, QIODevice

    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return Image.open(io.BytesIO(bytes(buf.data().data()))).convert("L")


def laplacian_energy(im: Image.Image) -> float:
    """Mean absolute Laplacian: high for sharp detail, low for blur."""
    grey = im.convert("L")
    kernel = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128)
    lap = grey.filter(kernel)
    hist = lap.histogram()
    total = sum(hist)
    return sum(abs(v - 128) * n for v, n in enumerate(hist)) / total


def wait_pictures(qtbot, session: VaultSession, number: int, sharp: bool = False):  # type: ignore[no-untyped-def]
    def ready() -> bool:
        pics = session.pictures(number)
        return pics is not None and (not sharp or pics.sharp_thumb is not None)

    qtbot.waitUntil(ready, timeout=10000)
    return session.pictures(number)


def test_main_window_lists_demo_items(main_window) -> None:
    assert main_window.grid.source.rowCount() == 6
    assert main_window.grid.proxy.rowCount() == 6
    for name in ("capture_screen", "capture_region", "capture_window", "add_link",
                 "import_files", "incident", "export"):
        action = main_window.actions_by_name[name]
        assert action.text() and not action.shortcut().isEmpty(), name
    assert "1" in main_window.ts_label.text() or main_window.ts_label.text()


def test_thumbnails_blurred_by_default_and_reveal(qtbot, main_window) -> None:
    session = main_window.session
    original = busy_picture(800, 500, 1)
    pics = wait_pictures(qtbot, session, 1)
    assert pics.sharp_thumb is None and pics.sharp_preview is None
    blurred = qimage_to_pil(pics.thumb)
    sharp_reference = original.copy()
    sharp_reference.thumbnail((blurred.width, blurred.height))
    e_blur, e_sharp = laplacian_energy(blurred), laplacian_energy(sharp_reference)
    assert e_blur < e_sharp / 8, (e_blur, e_sharp)
    assert laplacian_energy(qimage_to_pil(pics.preview)) < e_sharp / 8

    main_window.select_item(1)
    assert main_window.detail.item is not None and main_window.detail.item.number == 1
    qtbot.mouseClick(main_window.detail.reveal_button, Qt.MouseButton.LeftButton)
    pics = wait_pictures(qtbot, session, 1, sharp=True)
    assert 1 in session.revealed
    revealed = qimage_to_pil(pics.sharp_thumb)
    assert laplacian_energy(revealed) > 4 * e_blur

    qtbot.mouseClick(main_window.detail.reveal_button, Qt.MouseButton.LeftButton)
    assert 1 not in session.revealed and session.pictures(1).sharp_thumb is None

    session.reveal(2)
    wait_pictures(qtbot, session, 2, sharp=True)
    session.lock()
    assert session.revealed == set() and session.picture_count() == 0


def test_blur_function_removes_detail() -> None:
    im = busy_picture(400, 300, 7)
    out = blur(im, (200, 150))
    ref = im.copy()
    ref.thumbnail((200, 150))
    assert laplacian_energy(out) < laplacian_energy(ref) / 8


def test_pictures_never_touch_the_disk(qtbot, main_window, tmp_path: Path) -> None:
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    session = main_window.session
    for n in (1, 2, 3):
        wait_pictures(qtbot, session, n)
    session.reveal(1)
    wait_pictures(qtbot, session, 1, sharp=True)
    after = {p for p in tmp_path.rglob("*") if p.is_file()}
    new = [p for p in after - before if "demo-vault" not in str(p)]
    assert not new, new


def test_dropped_files_become_items(qtbot, main_window, tmp_path: Path) -> None:
    drop_dir = tmp_path / "from-phone"
    drop_dir.mkdir()
    (drop_dir / "사진 1.png").write_bytes(png_bytes(busy_picture(300, 200, 9)))
    (drop_dir / "chat.txt").write_text("합성 데모 대화\n", encoding="utf-8")
    (drop_dir / "empty.bin").write_bytes(b"")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in sorted(drop_dir.iterdir())])
    event = QDropEvent(QPointF(200, 300), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    main_window.dropEvent(event)
    qtbot.waitUntil(lambda: len(main_window.session.items()) == 9, timeout=20000)
    titles = {i.title for i in main_window.session.items()}
    assert {"사진 1.png", "chat.txt", "empty.bin"} <= titles
    assert main_window.grid.source.rowCount() == 9


def test_dropped_link_opens_link_dialog(qtbot, main_window) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl("https://t.me/example_room/456")])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    main_window.dropEvent(event)
    from evidencekit.gui.link_dialog import LinkDialog

    dialogs = main_window.findChildren(LinkDialog)
    assert dialogs and dialogs[-1].url.text() == "https://t.me/example_room/456"
    dialog = dialogs[-1]
    dialog.fetch_later.setChecked(True)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=10000)
    assert dialog.outcome.item.state == "pending"
    assert "#7" in dialog.result_label.text()


def test_filters(main_window) -> None:
    bar = main_window.filter_bar
    bar.search.setText("텔레그램")
    assert main_window.grid.proxy.rowCount() == 3  # two screenshots + the incident ("where")
    bar.search.setText("")
    bar.kind.setCurrentIndex(bar.kind.findData(ItemKind.INCIDENT))
    assert main_window.grid.proxy.rowCount() == 1
    bar.kind.setCurrentIndex(0)
    bar.tag.setCurrentIndex(bar.tag.findData("합성"))
    assert main_window.grid.proxy.rowCount() == 1
    bar.tag.setCurrentIndex(0)
    bar.date.setCurrentIndex(bar.date.findData("today"))
    assert main_window.grid.proxy.rowCount() == 0  # the demo items are from 2024
    bar.date.setCurrentIndex(0)
    assert main_window.grid.proxy.rowCount() == 6


def test_filter_rules(main_window) -> None:
    item = main_window.session.item(1)
    assert matches(item, Query(text="대화방 화면"))
    assert matches(item, Query(text="친구가"))  # the note
    assert not matches(item, Query(text="nothing like this"))


def test_notes_tags_title(qtbot, main_window) -> None:
    main_window.select_item(3)
    pane = main_window.detail
    pane.note_edit.setPlainText("상담 센터에 보여 줌")
    qtbot.mouseClick(pane.note_button, Qt.MouseButton.LeftButton)
    item = main_window.session.vault.item(3)
    assert [n.text for n in item.notes] == ["상담 센터에 보여 줌"]
    main_window.detail.tags_edit.setText("profile, 증거")
    qtbot.mouseClick(main_window.detail.tags_button, Qt.MouseButton.LeftButton)
    assert main_window.session.vault.item(3).tags == ["profile", "증거"]
    main_window.detail.title_edit.setText("새 제목")
    main_window.detail.title_edit.editingFinished.emit()
    assert main_window.session.vault.item(3).title == "새 제목"
    events = [e.kind for e in main_window.session.events_for(item)]
    assert {"note_added", "tags_changed", "title_changed"} <= set(events)


@pytest.mark.parametrize("number", [5])
def test_incident_text_shown_in_detail(main_window, number: int) -> None:
    main_window.select_item(number)
    from PySide6.QtWidgets import QPlainTextEdit

    texts = [w.toPlainText() for w in main_window.detail.findChildren(QPlainTextEdit)]
    assert any("합성된 사진" in t for t in texts)
