"""Status that matters: a page gone (410, 404, 451), a login wall or a "removed" page is
flagged on the item, still stored, and said in the bundle's collection details; the
item's title is the page's title."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evidencekit.bundle.metadata_view import metadata_groups
from evidencekit.bundle.styles import Labels
from evidencekit.capture.links import capture_link
from evidencekit.capture.page_state import page_state
from evidencekit.model import Item, NewItem
from tests.support.bundle_fake import FakeVault
from tests.support.links_servers import KO_TITLE, LinkServers


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkServers]:
    with LinkServers(tmp_path_factory.mktemp("state")) as s:
        yield s


def _texts(item: Item, lang: str) -> str:
    groups = metadata_groups(item, Labels(lang))
    return "\n".join(f"{r.label}: " + " ".join(li.text for li in r.lines)
                     for g in groups for r in g.rows)


def _as_item(new: NewItem) -> Item:
    parts = [(p.name, p.media_type, p.data or b"") for p in new.parts]
    return FakeVault().add(str(new.kind), new.title, new.source, parts,
                           metadata=new.metadata, notes=new.notes)


@pytest.mark.parametrize(("path", "flag"), [
    ("/gone", "gone"), ("/missing", "gone"), ("/login-wall", "login"),
    ("/removed", "removed"), ("/ko", "ok"),
])
def test_page_state_is_flagged_and_the_capture_kept(servers: LinkServers, path: str,
                                                    flag: str) -> None:
    item = capture_link(servers.http.url(path), render=False, timeout=5)
    state = item.metadata["page_state"]
    assert state["flag"] == flag, state
    assert [p.name for p in item.parts][:2] == ["exchange.warc.gz", "summary.json"]
    if path == "/gone":
        assert state["status"] == 410 and state["reason"] == "Gone"


def test_gone_page_is_said_in_the_bundle(servers: LinkServers) -> None:
    item = _as_item(capture_link(servers.http.url("/gone"), render=False, timeout=5))
    en, ko = _texts(item, "en"), _texts(item, "ko")
    assert "The page was gone when captured: 410 Gone." in en
    assert "캡처 당시 페이지가 없었습니다: 410 Gone." in ko
    assert "page_state" not in en  # nothing left under "Other details"


def test_title_is_the_page_title(servers: LinkServers) -> None:
    item = capture_link(servers.http.url("/ko"), render=False, timeout=5)
    assert item.title == KO_TITLE and item.source == servers.http.url("/ko")


@pytest.mark.parametrize(("status", "final", "title", "text", "flag"), [
    (451, "https://x.example/p", None, None, "gone"),
    (200, "https://x.example/accounts/login?next=/p", "Log in", "", "login"),
    (200, "https://x.example/p", "Instagram", "Sorry, this page isn't available.", "removed"),
    (200, "https://x.example/p", "게시판", "이 글은 작성자에 의해 삭제되었습니다", "removed"),
    (503, "https://x.example/p", None, None, "error"),
    (200, "https://x.example/login-tips", "How to log in", "tips", "ok"),
])
def test_page_state_rules(status: int, final: str, title: str | None, text: str | None,
                          flag: str) -> None:
    got = page_state(status=status, reason="", requested_url="https://x.example/p",
                     final_url=final, redirects=int(final != "https://x.example/p"),
                     title=title, text=text)
    assert got["flag"] == flag, got
