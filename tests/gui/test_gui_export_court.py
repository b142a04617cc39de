"""The export dialog's court fields: statement fields, zone, and the GPS warning."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from evidencekit.capture.files import import_file
from evidencekit.gui import item_flows
from evidencekit.gui.export_dialog import ExportDialog
from evidencekit.i18n import tr
from tests.support.bundle_tools import manifest_of, pdftotext
from tests.support.court_vault import gps_jpeg


def test_export_dialog_warns_about_gps_and_passes_the_statement(  # type: ignore[no-untyped-def]
        qtbot, main_window, tmp_path: Path, artifacts: Path) -> None:
    photo = tmp_path / "phone.jpg"
    photo.write_bytes(gps_jpeg())
    added = main_window.session.vault.add_item(import_file(photo))
    main_window.session.refresh()
    dialog = item_flows.export(main_window)
    assert isinstance(dialog, ExportDialog)
    qtbot.waitExposed(dialog)
    assert dialog.located_chosen() == [added.number]
    note = dialog.location_note.text()
    assert f"Item #{added.number}" in note and note == tr(
        "court.gui.location_shown", items=f"Item #{added.number}")
    assert dialog.hide_location.isVisible()
    dialog.hide_location.setChecked(True)
    assert "원본 파일" in tr("court.gui.location_hidden", "ko", items="자료 #1")
    assert dialog.location_note.text() == tr("court.gui.location_hidden",
                                             items=f"Item #{added.number}")
    dialog.grab().save(str(artifacts / "gui-export-dialog-court.png"))
    for i in range(dialog.items.count()):  # the photo only (the demo's link is pending)
        entry = dialog.items.item(i)
        if entry.data(Qt.ItemDataRole.UserRole) != added.number:
            entry.setCheckState(Qt.CheckState.Unchecked)
    assert dialog.located_chosen() == [added.number]
    dialog.declaration["case_number"].setText("2024-서울-777")
    dialog.declaration["recipient"].setText("서울경찰청")
    dialog.out.setText(str(tmp_path / "b.pdf"))
    dialog.lang.setCurrentIndex(dialog.lang.findData("ko"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.export_result is not None, timeout=120000)
    manifest = manifest_of(tmp_path / "b.pdf", tmp_path)
    assert manifest["statement"]["case_number"] == "2024-서울-777"
    assert manifest["statement"]["role"] == ""
    assert manifest["options"]["hide_location"] is True
    assert manifest["options"]["zone"] == "Asia/Seoul"
    text = pdftotext(tmp_path / "b.pdf")
    assert "37.55575" not in text and "2024-서울-777" in text


def test_no_gps_no_warning(qtbot, main_window) -> None:  # type: ignore[no-untyped-def]
    dialog = item_flows.export(main_window)
    qtbot.waitExposed(dialog)
    assert dialog.located_chosen() == []
    assert not dialog.location_note.isVisible() and not dialog.hide_location.isVisible()
