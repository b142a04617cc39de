"""Local HTTP and HTTPS servers on 127.0.0.1 for the link-capture tests.

The HTTPS server's certificate comes from ``trustme``: a root CA, an intermediate CA and a
leaf for ``127.0.0.1``/``localhost``; the server presents leaf + intermediate, so the
tests can check that the whole presented chain is recorded. Nothing reaches the internet.

Usage::

    with LinkServers(tmp_path) as s:
        s.http.url("/ko")            # http://127.0.0.1:PORT/ko
        s.https.url("/r1")           # a 3-hop redirect chain ending at /ko
        s.ca_file                    # the root CA (PEM) to trust
        s.leaf_der, s.intermediate_der

Routes (both servers): ``/ko`` a Korean UTF-8 page with a <title>, a magenta block on a
cream background (known colours, :data:`BLOCK_RGB`, :data:`PAGE_RGB`); ``/r1`` → ``/r2``
→ ``/r3`` → ``/ko`` (302, 301, 307); ``/loop`` redirects to itself; ``/missing`` 404;
``/gone`` 410; ``/slow`` answers after ``slow_seconds``; ``/big`` and ``/big-chunked`` a
body of ``big_size`` bytes (with and without Content-Length); ``/file.bin`` binary
(:data:`BINARY`); ``/gzip`` and ``/chunked`` the Korean page gzip-coded / chunked;
``/euckr`` a page in EUC-KR; ``/nohead`` 405 for HEAD; ``/to-https`` (HTTP only)
redirects to the HTTPS server's ``/ko``; ``/to-file`` redirects to a ``file:`` link;
and the complete-capture site of :mod:`tests.support.links_site`.
"""

from __future__ import annotations

import gzip
import ssl
import threading
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from tests.support import links_site

__all__ = [
    "BINARY",
    "BLOCK_RGB",
    "PAGE_RGB",
    "KO_TITLE",
    "KO_PAGE",
    "LocalServer",
    "LinkServers",
]

BLOCK_RGB = (224, 33, 138)  # #e0218a
PAGE_RGB = (244, 241, 222)  # #f4f1de
KO_TITLE = "증거 보존 시험 페이지 — 한국어"
BLOCK_HEIGHT = 300
PAGE_HEIGHT = 1600
KO_PAGE = f"""<!doctype html>
<html lang="ko"><head><meta charset="utf-8">
<title>{KO_TITLE}</title>
<style>
html, body {{ margin: 0; padding: 0; background: #f4f1de; }}
#block {{ height: {BLOCK_HEIGHT}px; background: #e0218a; }}
#rest {{ height: {PAGE_HEIGHT - BLOCK_HEIGHT}px; }}
p {{ font: 22px sans-serif; color: #111111; margin: 0; padding: 24px; }}
</style></head>
<body><div id="block"></div><div id="rest">
<p>이 페이지는 EvidenceKit 링크 캡처 시험을 위한 한국어 페이지입니다.</p>
<p>딥페이크 성범죄 증거를 안전하게 보존합니다.</p>
</div></body></html>
""".encode()
EUCKR_TITLE = "옛 인코딩 페이지"
EUCKR_PAGE = (
    "<html><head><meta http-equiv='Content-Type' content='text/html; charset=euc-kr'>"
    f"<title>{EUCKR_TITLE}</title></head><body><p>안녕하세요</p></body></html>"
).encode("euc-kr")
BINARY = bytes(range(256)) * 64


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet tests
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None, head_only: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Test-Server", "links")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not (head_only or self.command == "HEAD"):
            self.wfile.write(body)

    def _redirect(self, status: int, location: str) -> None:
        self._send(status, b"moved", "text/plain", {"Location": location})

    def _chunked(self, parts: Iterable[bytes], ctype: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in parts:
            self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def do_HEAD(self) -> None:  # noqa: N802
        self._route(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._route(head=False)

    def _route(self, head: bool) -> None:
        srv = self.server
        srv.requests.append((self.command, self.path))
        path = self.path.split("?", 1)[0]
        try:
            if path in ("/", "/ko"):
                self._send(200, KO_PAGE, head_only=head)
            elif path == "/r1":
                self._redirect(302, "/r2")
            elif path == "/r2":
                self._redirect(301, "/r3")
            elif path == "/r3":
                self._redirect(307, "/ko")
            elif path == "/loop":
                self._redirect(302, "/loop")
            elif path == "/to-https" and srv.https_base:
                self._redirect(302, srv.https_base + "/ko")
            elif path == "/to-file":
                self._redirect(302, "file:///etc/passwd")
            elif path == "/missing":
                self._send(404, "<title>없음</title><p>찾을 수 없습니다</p>".encode(),
                           head_only=head)
            elif path == "/gone":
                self._send(410, b"gone", "text/plain", head_only=head)
            elif path == "/nohead":
                if head:
                    self._send(405, b"", "text/plain", {"Allow": "GET"}, head_only=True)
                else:
                    self._send(200, KO_PAGE)
            elif path == "/slow":
                srv.stopping.wait(srv.slow_seconds)
                self._send(200, b"<title>late</title>", head_only=head)
            elif path == "/big":
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(srv.big_size))
                self.end_headers()
                self._stream_zeros(srv.big_size)
            elif path == "/big-chunked":
                self._chunked(self._big_chunks(), "text/html")
            elif path == "/file.bin":
                self._send(200, BINARY, "application/octet-stream", head_only=head)
            elif path == "/gzip":
                self._send(200, gzip.compress(KO_PAGE), headers={"Content-Encoding": "gzip"},
                           head_only=head)
            elif path == "/chunked":
                self._chunked([KO_PAGE[:100], KO_PAGE[100:]], "text/html; charset=utf-8")
            elif path == "/euckr":
                self._send(200, EUCKR_PAGE, "text/html", head_only=head)
            elif links_site.route(
                    path, lambda status, body, ctype: self._send(status, body, ctype,
                                                                 head_only=head),
                    self._redirect, srv.other_base):
                pass
            else:
                self._send(404, b"not here", "text/plain", head_only=head)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    def _big_chunks(self) -> Iterator[bytes]:
        chunk = b"<p>" + b"x" * 65530 + b"</p>"
        sent = 0
        while sent < self.server.big_size and not self.server.stopping.is_set():
            yield chunk
            sent += len(chunk)

    def _stream_zeros(self, size: int) -> None:
        block = b"\0" * 65536
        left = size
        while left > 0 and not self.server.stopping.is_set():
            n = min(left, len(block))
            self.wfile.write(block[:n])
            left -= n


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, ctx: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.ctx = ctx
        self.requests: list[tuple[str, str]] = []
        self.stopping = threading.Event()
        self.slow_seconds = 5.0
        self.big_size = 3 * 1024 * 1024
        self.https_base = ""
        self.other_base = ""  # the other server (for "another local port" requests)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that give up early (timeouts, size caps) are expected here

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.ctx is None:
            super().finish_request(request, client_address)
            return
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client gave up the handshake (e.g. it does not trust us)
        try:
            _Handler(tls, client_address, self)
        finally:
            tls.close()


class LocalServer:
    """One threaded server on 127.0.0.1 (HTTP, or HTTPS when given a TLS context)."""

    def __init__(self, ctx: ssl.SSLContext | None = None) -> None:
        self._server = _Server(ctx)
        self.scheme = "https" if ctx else "http"
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def requests(self) -> list[tuple[str, str]]:
        return self._server.requests

    def configure(self, **kwargs: Any) -> None:
        for k, v in kwargs.items():
            setattr(self._server, k, v)

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class LinkServers:
    """The HTTP and HTTPS servers with their trustme PKI, as a context manager."""

    def __init__(self, tmp_dir: Path) -> None:
        self.ca = trustme.CA()
        self.intermediate = self.ca.create_child_ca()
        self.leaf = self.intermediate.issue_cert("127.0.0.1", "localhost")
        self.ca_file = tmp_dir / "links-test-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        pems = self.leaf.cert_chain_pems
        self.leaf_der = _der(pems[0].bytes())
        self.intermediate_der = _der(pems[1].bytes())
        self.root_der = _der(self.ca.cert_pem.bytes())
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.leaf.configure_cert(ctx)
        self.http = LocalServer()
        self.https = LocalServer(ctx)
        self.http.configure(https_base=self.https.base, other_base=self.https.base)
        self.https.configure(other_base=self.http.base)

    def __enter__(self) -> LinkServers:
        self.http.start()
        self.https.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.http.stop()
        self.https.stop()


def _der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
