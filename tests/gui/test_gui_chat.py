"""The chat view and chat import in the application (offscreen): a dropped Telegram export
folder becomes one chat item and opens its view; search, reveal per message, selecting a
range and marking it as key messages (logged); a dropped folder of ordinary files is
still imported file by file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QLabel

from evidencekit.gui.chat_view import ChatView
from tests.support import chat_exports as ce


def _drop(window, folder: Path) -> None:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    event = QDropEvent(QPointF(200, 300), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def _views() -> list[ChatView]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, ChatView)
            and w.isVisible()]


def test_dropped_export_folder_opens_chat_view(qtbot, main_window, tmp_path: Path,
                                               artifacts: Path) -> None:
    before = len(main_window.session.items())
    folder = tmp_path / "ChatExport_2024-08-27"
    ce.telegram_json_export(folder, 60, photos=4)
    _drop(main_window, folder)
    qtbot.waitUntil(lambda: len(main_window.session.items()) == before + 1, timeout=20000)
    qtbot.waitUntil(lambda: bool(_views()), timeout=10000)
    view = _views()[-1]
    item = main_window.session.items()[-1]
    assert item.kind == "chat" and view.item.number == item.number
    total = len(view.model.messages)
    assert total == 65 and view.model.rowCount() == 65

    # search narrows the rows; clearing restores them
    view.set_search("deepfake_admin")
    assert 0 < view.model.rowCount() < total
    assert all("deepfake_admin" in view.model.message(r).text
               for r in range(view.model.rowCount()))
    view.set_search("")
    assert view.model.rowCount() == total

    # a message with a photo: blurred until revealed, for that message only
    row = next(r for r in range(total) if any(
        x.kind == "photo" and x.part is not None for x in view.model.message(r).media))
    view.table.setCurrentIndex(view.model.index(row, 0))
    pictures = [w for w in view.pictures_box.findChildren(QLabel) if w.pixmap()
                and not w.pixmap().isNull()]
    assert pictures and all(not p.property("revealed") for p in pictures)
    view.reveal_current(True)
    shown = [w for w in view.pictures_box.findChildren(QLabel) if w.property("revealed")]
    assert shown
    assert view.model.message(row).id in view.revealed and len(view.revealed) == 1
    other = next(r for r in range(row + 1, total) if any(
        x.kind == "photo" and x.part is not None for x in view.model.message(r).media))
    view.table.setCurrentIndex(view.model.index(other, 0))
    assert not view.reveal_button.isChecked()
    qtbot.waitUntil(lambda: not [w for w in view.pictures_box.findChildren(QLabel)
                                 if w.property("revealed")], timeout=3000)

    # select a range and mark it: logged in the custody log with the note
    view.select_rows(10, 14)
    ids = view.selected_ids()
    assert len(ids) == 5
    view.mark(ids, "위협 메시지")
    vault = main_window.session.vault
    event = vault.events()[-1]
    assert event.kind == "chat_messages_selected" and event.body["messages"] == ids
    assert event.body["note"] == "위협 메시지"
    view.key_only.setChecked(True)
    assert view.model.rowCount() == 5
    assert view.model.data(view.model.index(0, 0)) == "★"
    view.key_only.setChecked(False)
    view.table.setCurrentIndex(view.model.index(row, 0))
    view.grab().save(str(artifacts / "chat-view.png"))
    # the view forgets the transcript when the vault locks
    main_window.session.lock()
    qtbot.waitUntil(lambda: not _views(), timeout=5000)
    assert view.model.messages == []


def test_dropped_plain_folder_still_imports_files(qtbot, main_window, tmp_path: Path) -> None:
    before = len(main_window.session.items())
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(ce.jpeg_bytes(1))
    (folder / "b.jpg").write_bytes(ce.jpeg_bytes(2))
    _drop(main_window, folder)
    qtbot.waitUntil(lambda: len(main_window.session.items()) == before + 2, timeout=20000)
    assert {i.kind for i in main_window.session.items()[before:]} == {"file"}


def test_import_dialog_kakaotalk_file(qtbot, main_window, tmp_path: Path) -> None:
    from evidencekit.gui import chat_flow

    path = tmp_path / "KakaoTalk_Chat.txt"
    ce.kakaotalk_export(path, "android-ko")
    dialog = chat_flow.import_chat_action(main_window)
    assert not dialog.ok.isEnabled()
    dialog.choose(path)
    dialog.zone.setCurrentText("Asia/Tokyo")
    before = len(main_window.session.items())
    dialog.ok.click()
    qtbot.waitUntil(lambda: len(main_window.session.items()) == before + 1, timeout=20000)
    item = main_window.session.items()[-1]
    assert item.kind == "chat" and item.timezone == "Asia/Tokyo"
    qtbot.waitUntil(lambda: bool(_views()), timeout=10000)
    view = _views()[-1]
    assert "Asia/Tokyo" in view.model.headerData(2, Qt.Orientation.Horizontal)
    view.close()
