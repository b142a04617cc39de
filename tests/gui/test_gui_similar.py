"""Copies in the GUI: the detail pane names the other items holding the same picture and
a click shows one; the "Same pictures" dialog lists every group."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QPushButton

from evidencekit.model import NewItem, PartInput
from tests.support.similar_pictures import copies_of, encode, photo


def _add_copies(window) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    img = photo()
    numbers = []
    for name, data in (("bridge.jpg", encode(img, quality=85)),
                       ("bridge-mirrored.jpg", copies_of(img)["mirrored.jpg"])):
        numbers.append(window.session.vault.add_item(NewItem(
            kind="file", title=name, source=name,
            parts=[PartInput(name=name, media_type="image/jpeg", data=data)])).number)
    window.session.refresh()
    return numbers[0], numbers[1]


def test_detail_pane_links_the_copies(qtbot, main_window, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = _add_copies(main_window)
    main_window.select_item(a)
    qtbot.waitUntil(lambda: main_window.detail.item is not None
                    and main_window.detail.item.number == a, timeout=5000)
    pane = main_window.detail.widget()
    labels = [w.text() for w in pane.findChildren(QLabel)]
    assert "Same picture" in labels
    links = [w for w in pane.findChildren(QPushButton) if w.text() == f"Item #{b}"]
    assert len(links) == 1
    main_window.grab().save(str(artifacts / "gui-similar-detail.png"))
    links[0].click()
    qtbot.waitUntil(lambda: main_window.detail.item.number == b, timeout=5000)


def test_detail_pane_labels_a_cut_copy(qtbot, main_window, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    a, plain = _add_copies(main_window)
    cut = main_window.session.vault.add_item(NewItem(
        kind="file", title="bridge-cut.jpg", source="bridge-cut.jpg",
        parts=[PartInput(name="bridge-cut.jpg", media_type="image/jpeg",
                         data=copies_of(photo())["cut_left.jpg"])])).number
    main_window.session.refresh()
    main_window.select_item(a)
    qtbot.waitUntil(lambda: main_window.detail.item is not None
                    and main_window.detail.item.number == a, timeout=5000)
    pane = main_window.detail.widget()
    links = {w.text(): w for w in pane.findChildren(QPushButton)
             if w.text().startswith("Item #")}
    assert set(links) == {f"Item #{plain}", f"Item #{cut} (cut copy)"}, set(links)
    assert "strip off one edge" in links[f"Item #{cut} (cut copy)"].toolTip()
    assert links[f"Item #{plain}"].toolTip().startswith("Difference: ")
    assert "edge" not in links[f"Item #{plain}"].toolTip()
    main_window.detail.ensureWidgetVisible(links[f"Item #{cut} (cut copy)"])
    main_window.grab().save(str(artifacts / "gui-similar-cut.png"))
    links[f"Item #{cut} (cut copy)"].click()
    qtbot.waitUntil(lambda: main_window.detail.item.number == cut, timeout=5000)


def test_groups_dialog_lists_groups(qtbot, main_window) -> None:  # type: ignore[no-untyped-def]
    from evidencekit.gui.similar_panel import GroupsDialog

    a, b = _add_copies(main_window)
    chosen: list[int] = []
    dialog = GroupsDialog(main_window.session, chosen.append, main_window)
    qtbot.addWidget(dialog)
    texts = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert any("2 items" in t for t in texts)
    numbered = [dialog.list.item(i) for i in range(dialog.list.count())
                if dialog.list.item(i).text().strip().startswith(f"Item #{b}")]
    assert len(numbered) == 1
    dialog.list.itemClicked.emit(numbered[0])
    assert chosen == [b]


def test_text_read_in_background_and_links_offered(qtbot, main_window,  # type: ignore[no-untyped-def]
                                                  artifacts: Path) -> None:
    from tests.support.ocr_screens import LINK, SENTENCE, chat_screenshot

    number = main_window.session.vault.add_item(NewItem(
        kind="screenshot", title="채팅 캡처", source="",
        parts=[PartInput("screenshot.png", "image/png", chat_screenshot())])).number
    main_window.session.refresh()
    qtbot.waitUntil(lambda: (number, "ocr") in main_window.background.done, timeout=30000)
    item = main_window.session.item(number)
    assert SENTENCE in item.metadata["ocr"]["text"]
    main_window.select_item(number)
    qtbot.waitUntil(lambda: main_window.detail.item is not None
                    and main_window.detail.item.number == number, timeout=5000)
    main_window.detail.show_item(main_window.session.item(number))
    pane = main_window.detail.widget()
    assert "Text in the picture" in [w.text() for w in pane.findChildren(QLabel)]
    save = [b for b in pane.findChildren(QPushButton) if b.text() == "Save as link"]
    assert save
    main_window.grab().save(str(artifacts / "gui-ocr-detail.png"))
    main_window.detail.add_link_requested.disconnect()  # no link dialog in this test
    with qtbot.waitSignal(main_window.detail.add_link_requested) as blocker:
        save[0].click()
    assert blocker.args == [f"https://{LINK}"]
    # older items are left to `rehash --text`: the demo vault's screenshots were not read
    assert all(n >= main_window.background.first_new for n, _w in main_window.background.done)


def test_report_dialog_makes_a_list(qtbot, main_window, tmp_path: Path,  # type: ignore[no-untyped-def]
                                    monkeypatch, artifacts: Path) -> None:
    from evidencekit.gui import report_dialog

    monkeypatch.setattr(report_dialog, "choose_folder", lambda *_a, **_k: tmp_path)
    dialog = report_dialog.open_report(main_window)
    qtbot.addWidget(dialog)
    dialog.grab().save(str(artifacts / "gui-report-dialog.png"))
    dialog.kinds.button(3).setChecked(True)  # hashes
    assert dialog.kind == "hashes"
    dialog.make.click()
    qtbot.waitUntil(lambda: (tmp_path / "platform-hash-list.pdf").exists(), timeout=30000)
    qtbot.waitUntil(lambda: any(e.kind == "report_exported"
                                for e in main_window.session.vault.events()), timeout=5000)


def test_recheck_results_table(qtbot, main_window) -> None:  # type: ignore[no-untyped-def]
    from evidencekit.gui.report_dialog import RecheckResults
    from evidencekit.reports.recheck import RecheckRow

    rows = [RecheckRow(3, "https://t.me/x/1", "gone", 404, "HTTP 404"),
            RecheckRow(4, "https://example.com/", "changed", 200, "HTTP 200")]
    dialog = RecheckResults(rows, main_window)
    qtbot.addWidget(dialog)
    assert dialog.table.item(0, 1).text() == "Taken down"
    assert dialog.table.item(1, 1).text() == "Online, page changed"
    assert dialog.table.item(1, 3).text() == "https://example.com/"


def test_filter_shows_every_group(qtbot, main_window) -> None:  # type: ignore[no-untyped-def]
    from evidencekit.gui.item_list import COPIES, ITEM_ROLE

    a, b = _add_copies(main_window)
    bar = main_window.filter_bar
    bar.kind.setCurrentIndex(bar.kind.findData(COPIES))
    proxy = main_window.grid.proxy
    shown = {proxy.data(proxy.index(r, 0), ITEM_ROLE).number for r in range(proxy.rowCount())}
    assert shown == {a, b}
    bar.kind.setCurrentIndex(0)
    assert main_window.grid.proxy.rowCount() == main_window.grid.source.rowCount()


def test_check_older_items_in_background(qtbot, main_window) -> None:  # type: ignore[no-untyped-def]
    older = [i.number for i in main_window.session.items() if i.kind == "screenshot"]
    assert older and all(n < main_window.background.first_new for n in older)
    main_window.trigger("check_older")
    assert main_window.background.first_new == 0
    qtbot.waitUntil(lambda: any(n in older for n, _w in main_window.background.done),
                    timeout=60000)
    number = next(n for n, _w in main_window.background.done if n in older)
    item = main_window.session.item(number)
    assert "pdq" in item.metadata or "ocr" in item.metadata
