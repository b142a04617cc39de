"""Recording what the renderer loaded: a Korean page over HTTPS (trustme) with images, a
lazily loaded image far below the fold, an image loaded by fetch(), an iframe with its
own image, a video poster, a style sheet and a script. Every resource's response record
is in the item's WARC with the right payload digest, the pictures are described (type,
size, pixels, SHA-256) in the metadata and listed in the bundle, and a request to another
local port is refused by the recording proxy too."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from evidencekit.capture.links import capture_link
from evidencekit.model import NewItem
from tests.support.links_servers import LinkServers
from tests.support.links_site import SITE_RESOURCES, SITE_TITLE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NewItem, str]]:
    with LinkServers(tmp_path_factory.mktemp("res")) as s:
        item = capture_link(s.https.url("/site"), ca_file=s.ca_file, timeout=10,
                            settle_seconds=3)
        yield item, s.https.base


def _responses(warc: bytes) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for rec in ArchiveIterator(io.BytesIO(warc), check_digests="raise"):
        if rec.rec_type == "response":
            out[rec.rec_headers.get_header("WARC-Target-URI")] = {
                "digest": rec.rec_headers.get_header("WARC-Payload-Digest"),
                "body": rec.content_stream().read(),
            }
    return out


def _sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data, usedforsecurity=False).digest()
                                      ).decode()


def test_every_resource_is_in_the_warc_with_its_digest(captured: tuple[NewItem, str]) -> None:
    item, base = captured
    assert item.metadata["rendering"]["status"] == "ok", item.metadata["rendering"]
    assert item.title == SITE_TITLE
    warc = _responses(item.parts[0].data or b"")
    for path, (body, _media) in SITE_RESOURCES.items():
        rec = warc.get(base + path)
        assert rec is not None, (path, sorted(warc))
        assert rec["body"] == body
        assert rec["digest"] == _sha1_b32(body), path  # payload as transferred
    assert base + "/frame" in warc  # the iframe's document
    recorded = item.metadata["rendering"]["recorded"]
    assert recorded["responses"] >= len(SITE_RESOURCES) + 1


def test_pictures_are_described(captured: tuple[NewItem, str]) -> None:
    item, base = captured
    by_url = {r["url"]: r for r in item.metadata["resources"]}
    for name, (w, h) in {"a.png": (320, 200), "b.png": (640, 480), "lazy.png": (300, 300),
                         "fetched.png": (120, 90), "framed.png": (100, 100),
                         "poster.png": (400, 225)}.items():
        r = by_url[f"{base}/img/{name}"]
        body = SITE_RESOURCES[f"/img/{name}"][0]
        assert (r["width"], r["height"]) == (w, h)
        assert r["sha256"] == hashlib.sha256(body).hexdigest() and r["size"] == len(body)
        assert r["media_type"] == "image/png" and r["status"] == 200


def test_bundle_lists_the_pictures(captured: tuple[NewItem, str]) -> None:
    from evidencekit.bundle.metadata_view import metadata_groups
    from evidencekit.bundle.styles import Labels
    from tests.support.bundle_fake import FakeVault

    new, base = captured
    item = FakeVault().add(str(new.kind), new.title, new.source,
                           [(p.name, p.media_type, p.data or b"") for p in new.parts],
                           metadata=new.metadata)
    groups = metadata_groups(item, Labels("en"))
    titles = [g.title for g in groups]
    assert "Pictures and media the page showed" in titles
    text = "\n".join(li.text for g in groups for r in g.rows for li in r.lines)
    assert f"{base}/img/lazy.png" in text and "300 × 300 px" in text
    assert "Other details" not in titles


def test_tls_chain_of_each_host_is_recorded(tmp_path_factory: pytest.TempPathFactory) -> None:
    import ssl

    from evidencekit.capture.tls_probe import host_chains

    with LinkServers(tmp_path_factory.mktemp("probe")) as s:
        ctx = ssl.create_default_context(cafile=str(s.ca_file))
        got = host_chains([("127.0.0.1", s.https.port), ("127.0.0.1", s.https.port)], ctx)
    assert len(got) == 1 and got[0]["server_ip"] == "127.0.0.1"
    chain = got[0]["tls"]["chain"]
    assert [c["sha256"] for c in chain] == [hashlib.sha256(s.leaf_der).hexdigest(),
                                            hashlib.sha256(s.intermediate_der).hexdigest()]
    assert got[0]["tls"]["verified"] is True


def test_bundle_prints_blurred_previews_of_the_largest_pictures(
        captured: tuple[NewItem, str], vault_dir: Path, tmp_path: Path,
        artifacts: Path) -> None:
    import shutil
    import subprocess

    from tests.conftest import run_cli
    from tests.support.vault_util import open_vault

    new, base = captured
    with open_vault(vault_dir) as v:
        v.add_item(new)
    out = tmp_path / "bundle.pdf"
    res = run_cli("export", vault_dir, out, "--no-timestamp", "--lang", "en")
    assert res.code == 0, res.err
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (poppler-utils) is needed")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Largest pictures the page loaded (blurred)" in text
    assert "640 × 480 px" in text  # b.png, the largest
    import json

    import pikepdf

    with pikepdf.open(out) as pdf:
        manifest = json.loads(pdf.attachments["manifest.json"].get_file().read_bytes())
    listed = manifest["items"][-1]["metadata"]["resources"]
    assert {r["url"] for r in listed} >= {f"{base}/img/lazy.png", f"{base}/img/b.png"}
    shutil.copy(out, artifacts / "links-resources-bundle.pdf")


def test_recording_proxy_refuses_local_addresses_after_dns() -> None:
    from evidencekit.capture.recorder import _local_refused

    page = ("127.0.0.1", 8443)
    assert not _local_refused("127.0.0.1", 8443, page)  # the page's own address
    assert _local_refused("127.0.0.1", 8444, page)  # another local port
    assert _local_refused("localhost", 8443, page)  # a name for a local address
    assert _local_refused("10.1.2.3", 80, page) and _local_refused("[::1]", 80, page)
    assert _local_refused("169.254.169.254", 80, page)  # cloud metadata service
    assert not _local_refused("no-such-host.invalid", 443, page)  # fails by itself
