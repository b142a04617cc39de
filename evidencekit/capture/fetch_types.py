"""What a fetch records: the TLS session, each hop (request and response) and the result.

Made by :func:`evidencekit.capture.fetch.fetch_url`; read by the WARC writer, the
summary and the capture.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

__all__ = ["TlsInfo", "Hop", "FetchResult"]


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
