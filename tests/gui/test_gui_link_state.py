"""A link whose page was gone when captured (410) is flagged in the detail pane, in the
GUI's own wording (해요체); a page that was there gets no flag."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from evidencekit.gui import item_flows
from evidencekit.i18n import set_language
from tests.support.links_servers import LinkServers


@pytest.fixture
def servers(tmp_path: Path):  # type: ignore[no-untyped-def]
    with LinkServers(tmp_path) as s:
        yield s


def _capture(qtbot, main_window, url: str):  # type: ignore[no-untyped-def]
    dialog = item_flows.add_link(main_window, url)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.outcome is not None or dialog.job is None, timeout=60000)
    assert dialog.outcome is not None and dialog.outcome.fetched
    return dialog.outcome.item


def test_gone_page_is_flagged_in_the_detail_pane(qtbot, main_window, servers,  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 artifacts: Path) -> None:
    set_language("ko")
    monkeypatch.setattr(item_flows, "FETCH_OPTIONS", {"timeout": 20, "render": False})
    item = _capture(qtbot, main_window, servers.http.url("/gone"))
    main_window.detail.show_item(main_window.session.item(item.number))
    flag = main_window.detail.findChild(QLabel, "PageStateFlag")
    assert flag is not None
    assert "이미 페이지가 없었어요" in flag.text() and "410 Gone" in flag.text()
    main_window.detail.grab().save(str(artifacts / "gui-link-gone.png"))
    ok = _capture(qtbot, main_window, servers.http.url("/ko"))
    main_window.detail.show_item(main_window.session.item(ok.number))
    assert main_window.detail.findChild(QLabel, "PageStateFlag") is None


def test_pictures_the_page_loaded_are_shown_blurred(qtbot, main_window, servers,  # type: ignore[no-untyped-def]
                                                    artifacts: Path) -> None:
    from evidencekit.capture.links import capture_link

    set_language("ko")
    # Rendering runs in its own child process, so it can run from a GUI test too.
    new = capture_link(servers.https.url("/site"), ca_file=servers.ca_file, timeout=10,
                       settle_seconds=3)
    assert new.metadata["rendering"]["status"] == "ok", new.metadata["rendering"]
    item = main_window.session.vault.add_item(new)
    main_window.detail.show_item(item)
    pictures = main_window.detail.findChildren(QLabel, "PagePicture")
    assert len(pictures) == 6  # a, b, lazy, fetched, framed, poster
    assert all(not p.pixmap().isNull() and p.pixmap().width() <= 120 for p in pictures)
    assert any("lazy.png" in p.toolTip() for p in pictures)
    main_window.detail.grab().save(str(artifacts / "gui-link-pictures.png"))
