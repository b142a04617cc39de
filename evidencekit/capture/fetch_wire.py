"""The recording network layer under httpx: bytes as they went over the wire, TLS facts.

A recording httpcore network backend keeps the bytes of each connection (after TLS
decryption, chunked framing and content coding included), as warcio's own
``capture_http`` does; :func:`tls_snapshot` reads the TLS version, cipher and the
certificate chain the server presented (``get_unverified_chain``, public since Python
3.13, on the C-level object since 3.10) and the chain OpenSSL verified. Used by
:func:`evidencekit.capture.fetch.fetch_url` and :mod:`evidencekit.capture.tls_probe`.
"""

from __future__ import annotations

import _ssl
import contextlib
import logging
import ssl
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpcore
import httpx

from evidencekit.capture.fetch_types import TlsInfo

__all__ = ["make_ssl_context", "tls_snapshot", "RecordingTransport", "RecordingStream"]

log = logging.getLogger(__name__)


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


tls_snapshot = _tls_snapshot
RecordingTransport = _RecordingTransport
RecordingStream = _RecordingStream
