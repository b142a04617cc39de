"""Telegram's public web pages (t.me/s/NAME and t.me/NAME/123, served here as copies of
Telegram's markup by the local site): the item records the channel, the message
number(s) and the message text shown, and the pictures the page showed are fetched into
the item's WARC with their digests and described (type, size, pixel size, SHA-256)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import pytest
from warcio.archiveiterator import ArchiveIterator

from evidencekit.capture.links import capture_link
from evidencekit.capture.telegram_page import read_telegram_page
from tests.support.links_servers import LinkServers
from tests.support.links_site import TG_CHANNEL, TG_TEXT, site_resource


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkServers]:
    with LinkServers(tmp_path_factory.mktemp("tg")) as s:
        yield s


def _responses(warc: bytes) -> dict[str, tuple[bytes, str | None]]:
    out = {}
    for rec in ArchiveIterator(io.BytesIO(warc), check_digests="raise"):
        if rec.rec_type == "response":
            out[rec.rec_headers.get_header("WARC-Target-URI")] = (
                rec.content_stream().read(), rec.rec_headers.get_header("WARC-Payload-Digest"))
    return out


def test_channel_preview_records_messages_and_pictures(servers: LinkServers) -> None:
    item = capture_link(servers.https.url(f"/s/{TG_CHANNEL}"), ca_file=servers.ca_file,
                        render=False, timeout=10)
    tg = item.metadata["telegram"]
    assert tg["channel"] == TG_CHANNEL
    messages = tg["shown"]["messages"]
    assert [m["message"] for m in messages] == [122, 123]
    assert messages[0]["text"] == TG_TEXT
    assert messages[1]["text"] == "두 번째 글\n둘째 줄"
    assert messages[0]["time"] == "2024-08-27T06:15:02+00:00"
    # og:image and both message photos, each archived and described.
    resources = item.metadata["resources"]
    assert [r["url"].rsplit("/", 1)[1] for r in resources] == ["poster.png", "a.png", "b.png"]
    warc = _responses(item.parts[0].data or b"")
    for r in resources:
        body, _ = site_resource(r["url"].rsplit("/", 1)[1])
        assert r["sha256"] == hashlib.sha256(body).hexdigest()
        assert r["media_type"] == "image/png" and r["size"] == len(body)
        assert r["width"] and r["height"]
        assert body in warc[r["url"]][0]  # the response record holds the picture
        assert warc[r["url"]][1]  # with its payload digest (checked by warcio above)
    assert item.metadata["warc_records"] == 1 + 2 * (1 + 3)


def test_single_post_records_channel_message_and_text(servers: LinkServers) -> None:
    item = capture_link(servers.http.url(f"/{TG_CHANNEL}/123"), render=False, timeout=10)
    tg = item.metadata["telegram"]
    assert tg["shown"]["text"] == TG_TEXT
    assert tg["shown"]["title"] == "Evidence test channel"
    assert [r["url"].rsplit("/", 1)[1] for r in item.metadata["resources"]] == ["b.png"]


def test_telegram_link_metadata_comes_from_the_url_too() -> None:
    page = read_telegram_page(
        b'<meta property="og:description" content="x &amp; y">', "https://t.me/chan/5")
    assert page.description == "x & y" and page.messages == []
    broken = read_telegram_page(b'<div class="tgme_widget_message" data-post="c/9"><div '
                                b'class="tgme_widget_message_text">open', "https://t.me/s/c")
    assert broken.messages[0]["message"] == 9


def test_bundle_lists_the_messages_and_pictures(servers: LinkServers) -> None:
    from evidencekit.bundle.metadata_view import metadata_groups
    from evidencekit.bundle.styles import Labels
    from tests.support.bundle_fake import FakeVault

    new = capture_link(servers.https.url(f"/s/{TG_CHANNEL}"), ca_file=servers.ca_file,
                       render=False, timeout=10)
    item = FakeVault().add(str(new.kind), new.title, new.source,
                           [(p.name, p.media_type, p.data or b"") for p in new.parts],
                           metadata=new.metadata)
    groups = metadata_groups(item, Labels("ko"))
    text = "\n".join(f"{r.label}: " + " / ".join(li.text for li in r.lines)
                     for g in groups for r in g.rows)
    assert f"메시지 {TG_CHANNEL}/122: {TG_TEXT}" in text
    assert "페이지에 보인 사진과 미디어" in [g.title for g in groups]
    assert "리소스 3: " in text and "image/png" in text and "640 × 480 px" in text
    assert "shown." not in text and "resources[" not in text  # nothing left unlabelled
