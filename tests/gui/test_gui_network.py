"""Links (fetched now, kept when offline, fetched later) and trusted timestamps from the
status bar, against servers on 127.0.0.1 only."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from evidencekit.gui import item_flows
from evidencekit.i18n import tr
from tests.support.links_servers import KO_TITLE, LinkServers
from tests.support.tsa_server import LocalTSA


@pytest.fixture
def servers(tmp_path: Path):  # type: ignore[no-untyped-def]
    with LinkServers(tmp_path) as s:
        yield s


def _dead_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/gone-away"


def _add_link(qtbot, main_window, url: str, *, later: bool = False):  # type: ignore[no-untyped-def]
    dialog = item_flows.add_link(main_window, url)
    if later:
        dialog.fetch_later.setChecked(True)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.outcome is not None or dialog.job is None, timeout=90000)
    return dialog


def test_link_fetched_now(qtbot, main_window, servers,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    # QtWebEngine is kept out of the pytest process (as in test_links_render); the
    # rendering path through the GUI's worker thread runs in tests/support/gui_shots.py.
    monkeypatch.setattr(item_flows, "FETCH_OPTIONS", {"timeout": 20, "render": False})
    dialog = _add_link(qtbot, main_window, servers.http.url("/ko"))
    assert dialog.outcome is not None and dialog.outcome.fetched
    item = dialog.outcome.item
    assert item.title == KO_TITLE
    names = [p.name for p in item.parts]
    assert names[:2] == ["exchange.warc.gz", "summary.json"]
    assert f"#{item.number}" in dialog.result_label.text()
    assert main_window.session.item(item.number) is not None


def test_link_offline_is_kept_and_fetched_later(qtbot, main_window, servers,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(item_flows, "FETCH_OPTIONS", {"timeout": 5, "render": False})
    dialog = _add_link(qtbot, main_window, _dead_url())
    assert dialog.outcome is not None and not dialog.outcome.fetched
    assert dialog.outcome.error is not None
    assert dialog.outcome.item.state == "pending"
    assert tr("gui.link.kept_after_error", number=dialog.outcome.item.number,
              error=dialog.outcome.error.message()) == dialog.result_label.text()

    dialog = _add_link(qtbot, main_window, servers.http.url("/ko"), later=True)
    number = dialog.outcome.item.number
    assert main_window.session.vault.item(number).state == "pending"
    item_flows.fetch_pending(main_window, number)
    qtbot.waitUntil(lambda: main_window.session.vault.item(number).state == "active",
                    timeout=30000)
    assert main_window.session.vault.item(number).parts


def test_bad_link_is_refused_with_its_message(qtbot, main_window) -> None:
    dialog = _add_link(qtbot, main_window, "javascript:alert(1)")
    assert dialog.outcome is None
    assert dialog.result_label.isVisible() and dialog.result_label.text()
    assert dialog.save_button.isEnabled()


def test_get_timestamps_from_the_status_bar(qtbot, main_window, tmp_path: Path) -> None:
    assert main_window.ts_button.isVisible()
    with LocalTSA(tmp_path / "tsa") as tsa:
        main_window.session.vault.set_setting("tsa_urls", [tsa.url])
        # the local TSA's root is in no public trust store: trust it for this vault
        main_window.session.vault.set_setting("tsa_roots_pem", tsa.root_pem.decode())
        tsa.mode = "down"
        item_flows.get_timestamps(main_window)
        qtbot.waitUntil(lambda: not main_window.session.jobs.busy, timeout=30000)
        assert main_window.ts_button.isVisible(), "offline: everything stays waiting"
        tsa.mode = "ok"
        main_window.ts_button.click()
        qtbot.waitUntil(lambda: not main_window.ts_button.isVisible(), timeout=60000)
    assert main_window.ts_label.text() == tr("gui.status.all_stamped")
    item = main_window.session.vault.item(1)
    assert all(p.timestamp for p in item.parts)
