"""Finishing touches a person notices: an empty vault does not claim trusted times, a
disabled field looks disabled, a notice never draws over the status bar, times in the
incident form carry their zone."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel

from evidencekit.gui.incident_dialog import IncidentDialog
from evidencekit.i18n import set_language, tr
from evidencekit.vault import Vault


def test_empty_vault_status_and_notice(qtbot, controller, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    set_language("ko")
    vault, _key = Vault.create(tmp_path / "v", "correct horse battery", "지은")
    window = controller.open_session(vault, False)
    assert window.ts_label.text() == tr("gui.status.no_items")
    assert "모든 자료" not in window.ts_label.text()
    long = "자료 #12(으)로 저장했어요. " * 20
    window.resize(900, 600)
    window.notify(long, 60_000)
    qtbot.waitUntil(lambda: window.notice.isVisible())
    # One line, inside the status bar, ending in … with the whole text as tooltip.
    assert window.notice.text().endswith("…") and window.notice.full_text() == long
    assert window.notice.toolTip() == long
    assert not window.status_box.isVisible()
    bar = window.statusBar()
    assert window.notice.geometry().bottom() <= bar.height()
    assert window.statusBar().currentMessage() == ""
    window._end_notice()
    assert window.status_box.isVisible() and not window.notice.isVisible()


def test_incident_date_field(qtbot, controller, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, _key = Vault.create(tmp_path / "v", "correct horse battery", "지은")
    window = controller.open_session(vault, False)
    dialog = IncidentDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    enabled_look = dialog.when.palette().color(dialog.when.foregroundRole())
    assert not dialog.when.isEnabled()
    disabled = dialog.when.grab().toImage()
    dialog.know_when.setChecked(True)
    enabled = dialog.when.grab().toImage()
    y = disabled.height() // 2
    # The field's own background, not only its text colour, tells it is switched off.
    assert disabled.pixelColor(6, y) != enabled.pixelColor(6, y), \
        "a disabled date field must look different"
    assert enabled_look.isValid()
    text = dialog.when.text()
    assert text.split()[-1].isalpha() or "UTC" in text or "+" in text, text


def test_import_warnings_in_gui(qtbot, main_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from evidencekit.gui import item_flows
    from evidencekit.gui.messages import last_message
    from tests.support.capture_files import camera_exif, jpeg_bytes, pdf_bytes

    set_language("ko")
    folder = tmp_path / "phone"
    folder.mkdir()
    (folder / "서울.jpg").write_bytes(jpeg_bytes(exif=camera_exif()))
    (folder / "사진.jpg").write_bytes(pdf_bytes())
    (folder / "빈 파일.bin").write_bytes(b"")
    (folder / "보통.txt").write_text("평범한 메모\n", encoding="utf-8")
    before = len(main_window.session.items())
    item_flows.import_paths(main_window, sorted(folder.iterdir()))
    qtbot.waitUntil(lambda: len(main_window.session.items()) == before + 4, timeout=20000)
    qtbot.waitUntil(lambda: (last_message() or ("", ""))[1].count("•") >= 3, timeout=5000)
    title, text = last_message()  # type: ignore[misc]
    # The batch summary names each file with what was noticed.
    assert "그중 3개는 확인해 둘 점이 있어요" in text
    assert "서울.jpg" in text and "찍은 장소(GPS 위치)" in text
    assert "사진.jpg" in text and "확장자" in text
    assert "빈 파일.bin" in text and "빈 파일(0바이트)" in text
    assert "보통.txt" not in text
    # Next to the item: the GPS warning says plainly where the picture was taken.
    gps = next(i for i in main_window.session.items() if i.title == "서울.jpg")
    main_window.select_item(gps.number)
    pane = main_window.detail
    qtbot.waitUntil(lambda: getattr(pane, "warning_box", None) is not None)
    box = pane.warning_box
    assert box is not None
    shown = " ".join(label.text() for label in box.findChildren(QLabel))
    assert "이 사진에는 찍은 장소(GPS 위치)가 들어 있어요" in shown
    assert "습니다" not in shown
    plain = next(i for i in main_window.session.items() if i.title == "보통.txt")
    main_window.select_item(plain.number)
    assert pane.warning_box is None


def test_note_and_tags_keep_scroll_position(qtbot, main_window) -> None:  # type: ignore[no-untyped-def]
    main_window.resize(1000, 600)
    main_window.select_item(1)
    pane = main_window.detail
    qtbot.waitUntil(lambda: pane.verticalScrollBar().maximum() > 100, timeout=5000)
    bar = pane.verticalScrollBar()
    bar.setValue(bar.maximum())
    where = bar.value()
    assert where > 100
    pane.note_edit.setPlainText("스크롤 위치를 지키는지 보는 메모")
    pane._add_note()
    qtbot.waitUntil(lambda: abs(pane.verticalScrollBar().value() - where) < 60)
    pane.tags_edit.setText("텔레그램, 새 태그")
    pane._save_tags()
    qtbot.waitUntil(lambda: abs(pane.verticalScrollBar().value() - where) < 80)
    # Another item starts at the top.
    main_window.select_item(2)
    qtbot.waitUntil(lambda: pane.verticalScrollBar().value() == 0)


def test_new_item_selected_even_when_filtered(qtbot, main_window) -> None:  # type: ignore[no-untyped-def]
    from evidencekit.gui import item_flows
    from evidencekit.model import NewItem, PartInput

    main_window.filter_bar.search.setText("이런 제목은 없어요")
    qtbot.waitUntil(lambda: main_window.grid.proxy.rowCount() == 0)
    new = NewItem(kind="incident", title="새로 쓴 기록", source="",
                  parts=[PartInput(name="incident.txt", media_type="text/plain",
                                   data="지금 쓴 내용".encode())])
    item_flows.save_new_item(main_window, new, "gui.incident.saved")
    qtbot.waitUntil(lambda: main_window.detail.item is not None
                    and main_window.detail.item.title == "새로 쓴 기록", timeout=10000)
    current = main_window.grid.current_item()
    assert current is not None and current.title == "새로 쓴 기록"
    assert main_window.filter_bar.search.text() == ""


def test_all_recorded_information_is_labelled(main_window) -> None:  # type: ignore[no-untyped-def]
    from evidencekit.gui.detail_pane import metadata_text

    set_language("ko")
    for item in main_window.session.items():
        text = metadata_text(item)
        assert "{" not in text and '"' not in text.split(":")[0], text
        assert "capture_method" not in text and "window_system" not in text, text


def test_english_wizard_shows_english_chosen(qtbot, controller) -> None:  # type: ignore[no-untyped-def]
    set_language("en")
    wizard = controller.show_wizard()
    qtbot.waitExposed(wizard)
    ko, en = wizard.lang_buttons["ko"], wizard.lang_buttons["en"]
    assert en.isChecked() and not ko.isChecked()
    ko.setFocus()  # focus alone must not look like the chosen language
    qtbot.wait(20)
    mid_en = en.grab().toImage()
    mid_ko = ko.grab().toImage()
    y = mid_en.height() // 2
    # The chosen button is filled with the accent colour; the other stays light.
    assert mid_en.pixelColor(6, y).lightness() < 150
    assert mid_ko.pixelColor(6, y).lightness() > 200


def test_export_list_shows_whole_rows(qtbot, main_window) -> None:  # type: ignore[no-untyped-def]
    from evidencekit.gui.export_dialog import ExportDialog

    dialog = ExportDialog(main_window, None, [])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    view = dialog.items
    inner = view.viewport().height()
    row = view.sizeHintForRow(0)
    shown = min(view.count(), 6)
    # The viewport holds a whole number of rows (within a pixel or two of rounding).
    assert abs(inner - shown * row) <= 3, (inner, row, shown)
