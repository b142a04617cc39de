"""Fetching over local HTTP and HTTPS servers: every hop recorded, the WARC readable with
warcio, the certificate chain the server presented, errors that say what went wrong, and
the liveness re-check."""

from __future__ import annotations

import gzip
import hashlib
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from evidencekit.capture.fetch import fetch_url
from evidencekit.capture.links import recheck_url, tls_json
from evidencekit.capture.warc import write_warc
from evidencekit.errors import InputError, NetworkError
from tests.support.links_servers import BINARY, KO_PAGE, LinkServers


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkServers]:
    with LinkServers(tmp_path_factory.mktemp("links")) as s:
        yield s


def _records(warc: bytes, check: bool = True) -> list[tuple[str, str | None, Any, bytes]]:
    """(type, target URI, record, content) of every record, digests checked."""
    out: list[tuple[str, str | None, Any, bytes]] = []
    with io.BytesIO(warc) as fh:
        for rec in ArchiveIterator(fh, check_digests="raise" if check else False):
            body = rec.content_stream().read()
            out.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"), rec,
                        body))
    return out


def test_http_fetch_records_the_hop(servers: LinkServers) -> None:
    result = fetch_url(servers.http.url("/ko"), timeout=5)
    assert len(result.hops) == 1
    hop = result.final
    assert (hop.method, hop.status, hop.reason, hop.http_version) == ("GET", 200, "OK",
                                                                     "HTTP/1.1")
    assert hop.server_ip == "127.0.0.1" and hop.server_port == servers.http.port
    assert hop.tls is None
    assert hop.body == KO_PAGE
    assert ("X-Test-Server", "links") in hop.response_headers  # raw names, order kept
    assert [k for k, _ in hop.request_headers][0] == "Host"
    assert hop.raw_request.startswith(b"GET /ko HTTP/1.1\r\n")
    assert hop.raw_response.startswith(b"HTTP/1.1 200 OK\r\n")
    offset = result.fetched_at.utcoffset()
    assert offset is not None and offset.total_seconds() == 0


def test_https_redirect_chain_every_hop_in_the_warc(servers: LinkServers) -> None:
    result = fetch_url(servers.https.url("/r1"), ca_file=servers.ca_file, timeout=5)
    assert [h.status for h in result.hops] == [302, 301, 307, 200]
    assert [h.url.rsplit("/", 1)[1] for h in result.hops] == ["r1", "r2", "r3", "ko"]
    assert result.final_url == servers.https.url("/ko")
    warc = write_warc(result)
    assert warc[:2] == b"\x1f\x8b"  # gzip
    records = _records(warc)
    assert records[0][0] == "warcinfo"
    for hop in result.hops:
        kinds = [kind for kind, uri, _r, _b in records if uri == hop.url]
        assert sorted(kinds) == ["request", "response"], hop.url
    responses = [(rec, body) for kind, _uri, rec, body in records if kind == "response"]
    assert len(responses) == 4
    for rec, _body in responses:
        assert rec.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
        assert rec.rec_headers.get_header("WARC-Payload-Digest").startswith("sha1:")
        assert rec.rec_headers.get_header("WARC-Date").endswith("Z")
    statuses = [rec.http_headers.get_statuscode() for rec, _b in responses]
    assert statuses == ["302", "301", "307", "200"]
    assert responses[-1][1] == KO_PAGE


def test_certificate_chain_matches_the_server(servers: LinkServers) -> None:
    result = fetch_url(servers.https.url("/ko"), ca_file=servers.ca_file, timeout=5)
    tls = result.tls
    assert tls is not None
    assert tls.verified and tls.version in ("TLSv1.2", "TLSv1.3") and tls.cipher
    assert tls.chain_source == "presented-chain"
    assert hashlib.sha256(tls.chain[0]).hexdigest() == hashlib.sha256(servers.leaf_der).hexdigest()
    assert tls.chain[1] == servers.intermediate_der
    assert tls.verified_chain is not None and tls.verified_chain[-1] == servers.root_der
    described = tls_json(tls)["chain"][0]
    assert described["sha256"] == hashlib.sha256(servers.leaf_der).hexdigest()
    assert "127.0.0.1" in described["subject_alt_names"]


def test_http_to_https_redirect_records_tls_only_where_used(servers: LinkServers) -> None:
    result = fetch_url(servers.http.url("/to-https"), ca_file=servers.ca_file, timeout=5)
    assert [h.tls is not None for h in result.hops] == [False, True]
    assert [h.server_port for h in result.hops] == [servers.http.port, servers.https.port]


@pytest.mark.parametrize("path", ["/gzip", "/chunked"])
def test_wire_bytes_are_archived_and_body_decoded(servers: LinkServers, path: str) -> None:
    result = fetch_url(servers.http.url(path), timeout=5)
    assert result.body == KO_PAGE
    if path == "/gzip":
        assert gzip.decompress(result.final.raw_response.split(b"\r\n\r\n", 1)[1]) == KO_PAGE
    else:
        assert result.final.raw_response.endswith(b"\r\n0\r\n\r\n")
    records = _records(write_warc(result))
    body = next(b for kind, _u, _r, b in records if kind == "response")
    assert body == KO_PAGE  # warcio undoes chunking / gzip when reading


def test_binary_file_is_kept_byte_for_byte(servers: LinkServers) -> None:
    result = fetch_url(servers.http.url("/file.bin"), timeout=5)
    assert result.body == BINARY
    assert result.final.media_type == "application/octet-stream"


def test_404_is_recorded_not_raised(servers: LinkServers) -> None:
    result = fetch_url(servers.http.url("/missing"), timeout=5)
    assert result.status == 404
    assert "찾을 수 없습니다".encode() in result.body


def test_tampered_warc_payload_is_detected(servers: LinkServers) -> None:
    warc = gzip.decompress(write_warc(fetch_url(servers.http.url("/ko"), timeout=5)))
    i = warc.index("한국어 페이지".encode())
    tampered = warc[:i] + bytes([warc[i] ^ 1]) + warc[i + 1:]
    _records(warc)  # the untouched archive passes its digests
    with pytest.raises(ArchiveLoadFailed, match="digest"):
        _records(tampered)


def test_timeout_is_a_clear_network_error(servers: LinkServers) -> None:
    start = time.monotonic()
    with pytest.raises(NetworkError) as info:
        fetch_url(servers.http.url("/slow"), timeout=0.5)
    assert info.value.key == "links.timeout"
    assert "0.5" in info.value.message("en") and "0.5" in info.value.message("ko")
    assert time.monotonic() - start < 3


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
def test_oversized_body_is_refused(servers: LinkServers, path: str) -> None:
    with pytest.raises(NetworkError) as info:
        fetch_url(servers.http.url(path), timeout=5, max_body=1024 * 1024)
    assert info.value.key == "links.too_large"
    assert "1 MB" in info.value.message("en")


def test_redirect_loop_stops(servers: LinkServers) -> None:
    with pytest.raises(NetworkError) as info:
        fetch_url(servers.http.url("/loop"), timeout=5)
    assert info.value.key == "links.too_many_redirects"


def test_redirect_to_a_file_link_is_refused(servers: LinkServers) -> None:
    with pytest.raises(NetworkError) as info:
        fetch_url(servers.http.url("/to-file"), timeout=5)
    assert info.value.key == "links.bad_redirect"


def test_untrusted_certificate_is_refused_unless_asked(servers: LinkServers) -> None:
    with pytest.raises(NetworkError) as info:
        fetch_url(servers.https.url("/ko"), timeout=5)  # certifi roots: trustme CA unknown
    assert info.value.key == "links.tls_verify_failed"
    result = fetch_url(servers.https.url("/ko"), timeout=5, verify_tls=False)
    assert result.tls is not None and not result.tls.verified
    assert result.tls.chain[0] == servers.leaf_der


def test_connection_refused_and_bad_input(tmp_path: Path) -> None:
    with pytest.raises(NetworkError) as info:
        fetch_url("http://127.0.0.1:1/", timeout=2)
    assert info.value.key == "links.connect_refused"
    with pytest.raises(InputError):
        fetch_url("javascript:alert(1)")


@pytest.mark.parametrize(
    ("path", "status", "http_status"),
    [("/ko", "online", 200), ("/nohead", "online", 200), ("/r1", "online", 200),
     ("/missing", "gone", 404), ("/gone", "gone", 410)],
)
def test_recheck_statuses(servers: LinkServers, path: str, status: str, http_status: int
                          ) -> None:
    got = recheck_url(servers.http.url(path), timeout=5)
    assert (got["status"], got["http_status"]) == (status, http_status)
    assert got["checked_at"].endswith("+00:00")
    if path == "/nohead":
        assert got["method"] == "GET"
        assert ("HEAD", "/nohead") in servers.http.requests


def test_recheck_failures(servers: LinkServers) -> None:
    # A refused connection may just mean "offline": never recorded as a take-down.
    refused = recheck_url("http://127.0.0.1:1/", timeout=2)
    assert (refused["status"], refused["error"]) == ("unknown", "links.connect_refused")
    slow = recheck_url(servers.http.url("/slow"), timeout=0.3)
    assert (slow["status"], slow["error"]) == ("unknown", "links.timeout")
