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
