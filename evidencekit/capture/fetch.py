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
so the recorded address is the real server's. Nothing is written to disk here.
"""

from __future__ import annotations

import _ssl
import contextlib
import hashlib
import logging
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import httpcore
import httpx

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


# ---------------------------------------------------------------------------- records


@dataclass(frozen=True)
class TlsInfo:
    """The TLS session of one connection, snapshotted right after the handshake."""

    version: str | None
    cipher: str | None
    cipher_bits: int | None
    alpn: str | None
    verified: bool  # the certificate was checked against trusted roots and the host name
    chain: tuple[bytes, ...] = field(repr=False)  # as presented by the server, leaf first
    verified_chain: tuple[bytes, ...] | None = field(repr=False, default=None)
    chain_source: str = "presented-chain"  # or "leaf-only" when the chain was unavailable


@dataclass
class Hop:
    """One request and its response."""

    method: str
    url: str
    status: int
    reason: str
    http_version: str
    request_headers: list[tuple[str, str]]
    response_headers: list[tuple[str, str]]
    server_ip: str | None
    server_port: int | None
    started_at: datetime
    elapsed: float
    tls: TlsInfo | None
    location: str | None
    raw_request: bytes = field(repr=False)
    raw_response: bytes = field(repr=False)
    body: bytes = field(repr=False)  # content-decoded (gzip etc. removed)

    @cached_property
    def body_sha256(self) -> str:
        """Hex SHA-256 of :attr:`body` (computed once: bodies can be large)."""
        return hashlib.sha256(self.body).hexdigest()

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for k, v in self.response_headers:
            if k.lower() == lname:
                return v
        return None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").strip()

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()


@dataclass
class FetchResult:
    """Every hop of a fetch, the first request's time and the final body."""

    requested_url: str
    hops: list[Hop]
    fetched_at: datetime
    completed_at: datetime

    @property
    def final(self) -> Hop:
        return self.hops[-1]

    @property
    def final_url(self) -> str:
        return self.final.url

    @property
    def status(self) -> int:
        return self.final.status

    @property
    def body(self) -> bytes:
        return self.final.body

    @property
    def server_ip(self) -> str | None:
        return self.final.server_ip

    @property
    def tls(self) -> TlsInfo | None:
        return self.final.tls


# ------------------------------------------------------------------ certificates


def _der_list(items: Iterable[Any] | None) -> list[bytes]:
    out: list[bytes] = []
    for c in items or []:
        if isinstance(c, (bytes, bytearray)):
            out.append(bytes(c))
        elif hasattr(c, "public_bytes"):
            out.append(bytes(c.public_bytes(_ssl.ENCODING_DER)))
    return out


def _chain_method(ssl_obj: Any, name: str) -> Any:
    """``ssl_obj.<name>``, or the C-level object's (before Python 3.13), or None."""
    method = getattr(ssl_obj, name, None)
    if method is None and getattr(ssl_obj, "_sslobj", None) is not None:
        method = getattr(ssl_obj._sslobj, name, None)
    return method if callable(method) else None


def _tls_snapshot(ssl_obj: Any, verified: bool) -> TlsInfo | None:
    """TLS facts of a live connection (``ssl_obj``: SSLSocket, SSLObject or ``_ssl`` object)."""
    if ssl_obj is None:
        return None
    chain: list[bytes] = []
    vchain: list[bytes] | None = None
    source = "presented-chain"
    try:
        get_unv = _chain_method(ssl_obj, "get_unverified_chain")
        if get_unv is not None:
            chain = _der_list(get_unv())
        get_ver = _chain_method(ssl_obj, "get_verified_chain")
        if verified and get_ver is not None:
            vchain = _der_list(get_ver())
    except (ssl.SSLError, ValueError, AttributeError) as exc:
        log.warning("could not read the peer certificate chain: %s", exc)
    if not chain:
        leaf = ssl_obj.getpeercert(binary_form=True)
        chain = [leaf] if leaf else []
        source = "leaf-only"
    cipher = ssl_obj.cipher()
    alpn = None
    with contextlib.suppress(AttributeError, ValueError):
        alpn = ssl_obj.selected_alpn_protocol()
    return TlsInfo(
        version=ssl_obj.version(),
        cipher=cipher[0] if cipher else None,
        cipher_bits=cipher[2] if cipher else None,
        alpn=alpn,
        verified=verified,
        chain=tuple(chain),
        verified_chain=tuple(vchain) if vchain else None,
        chain_source=source,
    )


def make_ssl_context(
    *, verify_tls: bool = True, ca_file: str | Path | None = None
) -> ssl.SSLContext:
    """The client TLS context: certifi's roots (or ``ca_file``), or no checks at all."""
    if not verify_tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    if ca_file is not None:
        return ssl.create_default_context(cafile=str(ca_file))
    return httpx.create_ssl_context(verify=True, trust_env=False)


# ------------------------------------------------------- recording network layer


class _RecordingStream(httpcore.NetworkStream):
    """A network stream that keeps a copy of every byte written and read."""

    def __init__(self, inner: httpcore.NetworkStream, tls: TlsInfo | None = None) -> None:
        self._inner = inner
        self.sent = bytearray()
        self.received = bytearray()
        self.tls = tls
        self._marks = (0, 0)
        addr = inner.get_extra_info("server_addr")
        self.server_addr: tuple[str, int] | None = (
            (str(addr[0]), int(addr[1])) if isinstance(addr, tuple) and len(addr) >= 2 else None
        )

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, timeout)
        self.received += data
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)
        self.sent += buffer

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, timeout)
        verified = ssl_context.verify_mode != ssl.CERT_NONE
        tls = _tls_snapshot(inner.get_extra_info("ssl_object"), verified)
        return _RecordingStream(inner, tls)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)

    def take(self) -> tuple[bytes, bytes]:
        """The bytes sent and received since the last call."""
        s0, r0 = self._marks
        out = bytes(self.sent[s0:]), bytes(self.received[r0:])
        self._marks = (len(self.sent), len(self.received))
        return out


class _RecordingBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _RecordingStream(inner)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - never used
        raise httpcore.UnsupportedProtocol("unix sockets are not used")

    def sleep(self, seconds: float) -> None:  # pragma: no cover
        time.sleep(seconds)


_EXC_MAP: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _mapped() -> Iterator[None]:
    """Turn httpcore exceptions into the matching httpx ones (as httpx's transport does)."""
    try:
        yield
    except httpx.HTTPError:
        raise
    except Exception as exc:
        for src, dst in _EXC_MAP:
            if isinstance(exc, src):
                raise dst(str(exc)) from exc
        raise


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        with _mapped():
            yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if callable(close):
            close()


class _RecordingTransport(httpx.BaseTransport):
    """An httpx transport over an httpcore pool whose connections record their bytes."""

    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=4,
            max_keepalive_connections=0,  # one connection per hop: clean per-hop recording
            http1=True,
            http2=False,
            retries=0,
            network_backend=_RecordingBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        req = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _mapped():
            resp = self._pool.handle_request(req)
        assert isinstance(resp.stream, Iterable)
        return httpx.Response(
            status_code=resp.status,
            headers=resp.headers,
            stream=_ResponseStream(resp.stream),
            extensions=resp.extensions,
        )

    def close(self) -> None:
        with _mapped():
            self._pool.close()


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
    transport = _RecordingTransport(ctx)
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
        rec = stream if isinstance(stream, _RecordingStream) else None
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
