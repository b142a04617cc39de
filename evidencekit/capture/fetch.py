"""Fetching one link over HTTP(S) and recording every hop of the exchange exactly.

:func:`fetch_url` sends a GET with httpx and follows redirects *by hand*, recording for
each hop the method, URL, status, reason, HTTP version, request and response headers (raw,
in order), the server's IP address and port, TLS version, cipher and the certificate chain
the server presented (DER), and the time in UTC. A recording network backend plugged into
httpcore keeps the bytes as they went over the wire (after TLS decryption, chunked framing
and content coding included), as warcio's own ``capture_http`` does, for the WARC. Each
hop uses its own connection, so recordings never mix.

Certificate chain: from the connection's ``ssl_object``, ``get_unverified_chain()``
(public since Python 3.13, on the C-level object since 3.10) is the chain the server sent,
``get_verified_chain()`` the one OpenSSL built to the trust anchor. Only without them do
we fall back to the leaf (``getpeercert(binary_form=True)``); :attr:`TlsInfo.chain_source`
says which.

Limits: over ``max_body`` (compressed or decoded) the fetch is refused with
``links.too_large`` (nothing partial kept). ``timeout`` applies to each network operation
and ``total_timeout`` (default ``max(4 × timeout, 60 s)``) to the whole fetch, so a server
that trickles bytes cannot hold us. Environment proxies are not used (``trust_env=False``)
so the recorded address is the real server's. Nothing is written to disk here. The
records are in :mod:`evidencekit.capture.fetch_types`, the recording network layer in
:mod:`evidencekit.capture.fetch_wire`.
"""

from __future__ import annotations

import logging
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import httpx

from evidencekit.capture.fetch_types import FetchResult, Hop, TlsInfo
from evidencekit.capture.fetch_wire import (
    RecordingStream,
    RecordingTransport,
    make_ssl_context,
)
from evidencekit.capture.urls import normalise_url
from evidencekit.errors import InputError, NetworkError
from evidencekit.model import Progress, now_utc

__all__ = [
    "DEFAULT_MAX_BODY",
    "DEFAULT_TIMEOUT",
    "MAX_REDIRECTS",
    "USER_AGENT",
    "ACCEPT_LANGUAGE",
    "TlsInfo",
    "Hop",
    "FetchResult",
    "fetch_url",
    "make_ssl_context",
    "network_error",
]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BODY = 50 * 1024 * 1024
MAX_REDIRECTS = 10
# An ordinary browser's identity: announcing "EvidenceKit" in the abuser's server logs
# could tell them that someone is preserving evidence.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)
ACCEPT_LANGUAGE = "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"
_DEFAULT_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": ACCEPT_LANGUAGE,
}
_HEADER_SLACK = 256 * 1024  # response head and chunk framing allowed beyond max_body


# ------------------------------------------------------------------------ errors


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def network_error(exc: Exception, url: str, timeout: float) -> NetworkError:
    """A user-safe :class:`NetworkError` for an httpx/httpcore/OS exception."""
    host = httpx.URL(url).host if url else ""
    causes = list(_chain(exc))
    if isinstance(exc, httpx.TimeoutException) or any(
        isinstance(c, (TimeoutError, socket.timeout)) for c in causes
    ):
        return NetworkError("links.timeout", seconds=f"{timeout:g}", host=host)
    for c in causes:
        if isinstance(c, ssl.SSLCertVerificationError):
            reason = c.verify_message or str(c)
            return NetworkError("links.tls_verify_failed", host=host, reason=reason)
        if isinstance(c, ssl.SSLError):
            return NetworkError("links.tls_failed", host=host, reason=c.reason or str(c))
        if isinstance(c, socket.gaierror):
            return NetworkError("links.dns_failed", host=host)
        if isinstance(c, ConnectionRefusedError):
            return NetworkError("links.connect_refused", host=host)
    if isinstance(exc, httpx.ConnectError):
        text = str(exc)  # when the cause chain was lost: recognise the usual texts
        if any(t in text for t in ("not known", "nodename nor servname", "getaddrinfo")):
            return NetworkError("links.dns_failed", host=host)
        if "refused" in text.lower():
            return NetworkError("links.connect_refused", host=host)
        return NetworkError("links.connect_failed", host=host, reason=text or type(exc).__name__)
    if isinstance(exc, httpx.DecodingError):
        return NetworkError("links.decoding_failed", host=host)
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ProtocolError)):
        return NetworkError("links.protocol_error", host=host, reason=str(exc))
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.NetworkError)):
        return NetworkError("links.connection_lost", host=host, reason=str(exc))
    if isinstance(exc, httpx.UnsupportedProtocol):
        return NetworkError("links.bad_redirect", url=url)
    return NetworkError("links.fetch_failed", host=host, reason=str(exc) or type(exc).__name__)


# ------------------------------------------------------------------------- fetch


def _text(b: bytes) -> str:
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")


def _headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(_text(k), _text(v)) for k, v in raw]


def fetch_url(
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_body: int = DEFAULT_MAX_BODY,
    verify_tls: bool = True,
    ca_file: str | Path | None = None,
    ssl_context: ssl.SSLContext | None = None,
    progress: Progress | None = None,
    total_timeout: float | None = None,
    max_redirects: int = MAX_REDIRECTS,
) -> FetchResult:
    """GET ``url``, following up to ``max_redirects`` redirects by hand, recording each hop.

    ``url`` is checked with :func:`~evidencekit.capture.urls.normalise_url` first
    (:class:`InputError` if refused). Raises :class:`NetworkError` with a ``links.*`` key
    on DNS, connection, TLS, protocol or decoding failures, on a timeout, when the body
    exceeds ``max_body`` bytes, on a redirect loop or a redirect to a non-web link.
    HTTP error statuses (404, 500 ...) are *not* errors: they are recorded as they came.

    TLS: certifi's roots by default; ``ca_file`` adds nothing but replaces them (tests use
    it to trust a local CA); ``ssl_context`` overrides both; ``verify_tls=False`` records
    the chain without checking it (``TlsInfo.verified`` is then ``False``).
    """
    checked = normalise_url(url)
    if timeout <= 0:
        raise InputError("links.bad_timeout")
    deadline = time.monotonic() + (total_timeout or max(4 * timeout, 60.0))
    ctx = ssl_context or make_ssl_context(verify_tls=verify_tls, ca_file=ca_file)
    transport = RecordingTransport(ctx)
    hops: list[Hop] = []
    fetched_at = now_utc()
    current = checked.url
    with httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        headers=_DEFAULT_HEADERS,
    ) as client:
        request = client.build_request("GET", current)
        while True:
            if time.monotonic() > deadline:
                raise NetworkError("links.timeout", seconds=f"{timeout:g}", host=request.url.host)
            if progress:
                progress(0, 0, "links.progress.connecting")
            try:
                hop, next_request = _one_hop(client, request, max_body, deadline, timeout,
                                             progress)
            except (httpx.HTTPError, OSError) as exc:  # OSError: outside httpcore's mapping
                raise network_error(exc, str(request.url), timeout) from exc
            hops.append(hop)
            log.debug("hop %d: HTTP %s", len(hops), hop.status)  # no URLs in logs
            if next_request is None:
                break
            if len(hops) > max_redirects:
                raise NetworkError("links.too_many_redirects", limit=max_redirects)
            target = str(next_request.url)
            try:
                normalise_url(target)
            except InputError as exc:
                raise NetworkError("links.bad_redirect", url=target) from exc
            request = next_request
    return FetchResult(
        requested_url=checked.url, hops=hops, fetched_at=fetched_at, completed_at=now_utc()
    )


def _one_hop(
    client: httpx.Client,
    request: httpx.Request,
    max_body: int,
    deadline: float,
    timeout: float,
    progress: Progress | None,
) -> tuple[Hop, httpx.Request | None]:
    started_at = now_utc()
    t0 = time.monotonic()
    response = client.send(request, stream=True)
    try:
        stream = response.extensions.get("network_stream")
        rec = stream if isinstance(stream, RecordingStream) else None
        length_header = response.headers.get("content-length", "")
        expected = int(length_header) if length_header.isdigit() else 0
        if expected > max_body:
            raise NetworkError("links.too_large", limit_mb=_mb(max_body))
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            wire = len(rec.received) if rec else 0
            if len(body) > max_body or wire > max_body + _HEADER_SLACK:
                raise NetworkError("links.too_large", limit_mb=_mb(max_body))
            if time.monotonic() > deadline:
                raise NetworkError("links.timeout", seconds=f"{timeout:g}",
                                   host=request.url.host)
            if progress:
                progress(len(body), expected, "links.progress.downloading")
    finally:
        response.close()
    sent, received = rec.take() if rec else (b"", b"")
    reason = response.extensions.get("reason_phrase", b"")
    next_request = response.next_request if response.has_redirect_location else None
    hop = Hop(
        method=request.method,
        url=str(request.url),
        status=response.status_code,
        reason=_text(reason) if isinstance(reason, bytes) else str(reason),
        http_version=response.http_version,
        request_headers=_headers(request.headers.raw),
        response_headers=_headers(response.headers.raw),
        server_ip=rec.server_addr[0] if rec and rec.server_addr else None,
        server_port=rec.server_addr[1] if rec and rec.server_addr else None,
        started_at=started_at,
        elapsed=time.monotonic() - t0,
        tls=rec.tls if rec else None,
        location=response.headers.get("location"),
        raw_request=sent,
        raw_response=received,
        body=bytes(body),
    )
    return hop, next_request


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
