"""capture_link without the renderer: the item's parts, summary, certificates and metadata;
pending links; and that a rendering failure keeps the fetch."""

from __future__ import annotations

import hashlib
import io
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from warcio.archiveiterator import ArchiveIterator

from evidencekit.capture import render as render_module
from evidencekit.capture.links import capture_link, detect_charset, extract_title, pending_link
from evidencekit.errors import CaptureError, InputError, NetworkError
from evidencekit.model import ItemKind
from tests.support.links_servers import EUCKR_TITLE, KO_TITLE, LinkServers


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkServers]:
    with LinkServers(tmp_path_factory.mktemp("links")) as s:
        yield s


def test_https_link_item(servers: LinkServers) -> None:
    steps: list[str] = []
    item = capture_link(servers.https.url("/r1"), note="피해 게시물", render=False,
                        ca_file=servers.ca_file, timeout=5,
                        progress=lambda done, total, key: steps.append(key))
    assert item.kind == ItemKind.LINK and not item.pending
    assert [p.name for p in item.parts] == ["exchange.warc.gz", "summary.json",
                                            "certificates.pem"]
    assert [p.media_type for p in item.parts] == ["application/warc", "application/json",
                                                  "application/x-pem-file"]
    assert item.title == KO_TITLE
    assert item.notes == ["피해 게시물"]
    assert item.source == servers.https.url("/r1")
    assert item.captured_at.utcoffset() is not None
    assert "links.progress.done" in steps and "links.progress.downloading" in steps

    leaf_sha = hashlib.sha256(servers.leaf_der).hexdigest()
    md = item.metadata
    assert md["url"] == servers.https.url("/r1")
    assert md["final_url"] == servers.https.url("/ko")
    assert (md["status"], md["redirects"], md["server_ip"]) == (200, 3, "127.0.0.1")
    assert md["page_title"] == KO_TITLE
    assert md["cert_fingerprints"][0] == leaf_sha
    assert md["tls"]["verified"] and md["tls"]["certificates"][0]["sha256"] == leaf_sha
    assert md["rendering"] == {"status": "not-requested"}
    assert md["telegram"] is None
    json.dumps(md)  # metadata must be JSON-serialisable for the vault

    data = item.parts[1].data
    assert data is not None
    summary = json.loads(data)
    assert summary["format"] == "evidencekit.link-summary/1"
    assert [h["status"] for h in summary["hops"]] == [302, 301, 307, 200]
    assert summary["hops"][0]["response_headers"][-1] == ["Location", "/r2"]
    assert summary["tls"]["chain"][0]["sha256"] == leaf_sha
    assert summary["tls"]["chain"][0]["not_after"].startswith("3000-")
    assert summary["server_ip"] == "127.0.0.1"
    assert summary["fetched_at"].endswith("+00:00")

    pem = item.parts[2].data
    assert pem is not None
    certs = x509.load_pem_x509_certificates(pem)
    assert [c.public_bytes(Encoding.DER) for c in certs] == [servers.leaf_der,
                                                              servers.intermediate_der]
    assert leaf_sha in pem.decode()

    warc = item.parts[0].data
    assert warc is not None
    with io.BytesIO(warc) as fh:
        kinds = [r.rec_type for r in ArchiveIterator(fh)]
    assert kinds == ["warcinfo"] + ["response", "request"] * 4


def test_http_link_has_no_certificates(servers: LinkServers) -> None:
    item = capture_link(servers.http.url("/ko"), render=False, timeout=5)
    assert [p.name for p in item.parts] == ["exchange.warc.gz", "summary.json"]
    assert item.metadata["tls"] is None and item.metadata["cert_fingerprints"] == []


def test_title_from_a_legacy_korean_encoding(servers: LinkServers) -> None:
    item = capture_link(servers.http.url("/euckr"), title="", render=False, timeout=5)
    assert item.metadata["page_title"] == EUCKR_TITLE
    assert item.title == EUCKR_TITLE


def test_given_title_wins(servers: LinkServers) -> None:
    item = capture_link(servers.http.url("/ko"), title="  내 제목 ", render=False, timeout=5)
    assert item.title == "내 제목"


def test_binary_link_is_archived_but_not_rendered(servers: LinkServers) -> None:
    item = capture_link(servers.http.url("/file.bin"), render=True, timeout=5)
    assert [p.name for p in item.parts] == ["exchange.warc.gz", "summary.json"]
    assert item.metadata["rendering"]["status"] == "skipped"
    assert item.metadata["page_title"] is None


def test_fetch_errors_propagate(servers: LinkServers) -> None:
    with pytest.raises(NetworkError):
        capture_link(servers.http.url("/slow"), timeout=0.3, render=False)
    with pytest.raises(InputError):
        capture_link("file:///etc/passwd")


def test_rendering_failure_keeps_the_fetch(servers: LinkServers,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise CaptureError("links.render_timeout", seconds="1")

    monkeypatch.setattr(render_module, "render_page", broken)
    item = capture_link(servers.https.url("/ko"), ca_file=servers.ca_file, timeout=5)
    assert [p.name for p in item.parts] == ["exchange.warc.gz", "summary.json",
                                            "certificates.pem"]
    rendering = item.metadata["rendering"]
    assert rendering["status"] == "failed" and rendering["error_key"] == "links.render_timeout"
    assert "1" in rendering["error"] and rendering["error_ko"]


def test_a_crashing_renderer_keeps_the_fetch(servers: LinkServers,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # The child dies without answering (as a SIGSEGV in the engine does).
    monkeypatch.setattr(render_module, "_child_command", lambda: [
        sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"])
    item = capture_link(servers.http.url("/ko"), timeout=5)
    rendering = item.metadata["rendering"]
    assert rendering["status"] == "failed"
    assert rendering["error_key"] == "webcapture.render_crashed", rendering
    assert [p.name for p in item.parts] == ["exchange.warc.gz", "summary.json"]
    assert any("Rendering failed" in n and "실패" in n for n in item.notes), item.notes
    assert item.title == KO_TITLE  # the page title, from the fetched body


def test_a_hanging_renderer_is_killed_in_time(servers: LinkServers,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_module, "_child_command", lambda: [
        sys.executable, "-c", "import time; time.sleep(600)"])
    monkeypatch.setattr(render_module, "CHILD_EXTRA_SECONDS", 0.5)
    t0 = time.monotonic()
    item = capture_link(servers.http.url("/ko"), timeout=2, render_timeout=0.5,
                        scroll_seconds=0.5, settle_seconds=0.5)
    assert time.monotonic() - t0 < 8
    assert item.metadata["rendering"]["error_key"] == "links.render_timeout"
    assert len(item.parts) == 2


def test_pending_link() -> None:
    item = pending_link("t.me/c/1234567890/45", title="단톡방 게시물", note="나중에")
    assert item.pending and item.parts == [] and item.kind == ItemKind.LINK
    assert item.metadata["url"] == "https://t.me/c/1234567890/45"
    assert item.metadata["telegram"]["channel"] == "1234567890"
    assert item.metadata["telegram"]["message"] == 45
    assert item.notes == ["나중에"] and item.title == "단톡방 게시물"
    assert capture_link("https://t.me/chan/1", fetch=False).pending
    with pytest.raises(InputError):
        pending_link("javascript:alert(1)")


@pytest.mark.parametrize(
    ("body", "ctype", "charset", "title"),
    [
        ("<title>가나다</title>".encode(), "text/html; charset=UTF-8", "utf-8", "가나다"),
        ("<meta charset='euc-kr'><title>가나다</title>".encode("euc-kr"), "text/html",
         "euc-kr", "가나다"),
        ("<svg><title>그림</title></svg><title> 진짜\n 제목 </title>".encode(), "text/html",
         "utf-8", "진짜 제목"),
        (b"<title>a &amp; b</title>", "text/html", "utf-8", "a & b"),
        (b"<p>no title</p>", "text/html", "utf-8", None),
        (b"<title>" + b"x" * 2000 + b"</title>", "text/html", "utf-8", "x" * 500),
        ("<title>가</title>".encode("cp949"), "text/html; charset=bogus", None, None),
    ],
)
def test_charset_and_title(body: bytes, ctype: str, charset: str | None, title: str | None
                           ) -> None:
    found = detect_charset(body, ctype)
    assert found == charset
    got = extract_title(body, found)
    if title is None:
        assert got is None or "\ufffd" in got
    else:
        assert got == title


def test_the_rendering_child_gets_a_clean_environment(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    from evidencekit.capture.render_child import child_env, chromium_flags
    from evidencekit.capture.render_types import RenderRequest

    monkeypatch.setenv("EVIDENCEKIT_PASSPHRASE", "secret passphrase")
    monkeypatch.setenv("EVIDENCEKIT_NEW_PASSPHRASE", "another")
    monkeypatch.setenv("SSH_AUTH_SOCK", "/run/agent")
    req = RenderRequest(url="https://example.com/", body=b"x", mime_type="text/html",
                        base_url="https://example.com/", banner=("b",), timeout=5,
                        width=1280, max_height=2000, user_agent=None, accept_language=None)
    env = child_env(req, tmp_path)
    assert not [k for k in env if "PASSPHRASE" in k or k == "SSH_AUTH_SOCK"]
    assert env["HOME"] == str(tmp_path) and env["TMPDIR"] == str(tmp_path)
    assert env["XDG_CACHE_HOME"].startswith(str(tmp_path))
    assert "--js-flags=--max-old-space-size=" in env["QTWEBENGINE_CHROMIUM_FLAGS"]
    assert not [f for f in chromium_flags(req) if f.startswith("--proxy-server")]
