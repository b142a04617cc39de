"""The TLS certificate chain of each server a rendered page loaded from.

The recording proxy checks every server's certificate but does not hand the chain over,
so :func:`host_chains` makes one TLS handshake with each HTTPS host of the capture right
after the rendering (no HTTP request is sent) and records the chain it presents, with
the same code as the page's own fetch (:mod:`evidencekit.capture.fetch`).
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Iterable
from typing import Any

from evidencekit.capture.fetch_wire import tls_snapshot
from evidencekit.capture.link_summary import tls_json
from evidencekit.model import iso, now_utc

__all__ = ["host_chains", "MAX_HOSTS"]

log = logging.getLogger(__name__)

MAX_HOSTS = 30


def _probe(host: str, port: int, ctx: ssl.SSLContext, timeout: float) -> dict[str, Any]:
    out: dict[str, Any] = {"host": host, "port": port, "checked_at": iso(now_utc())}
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                ctx.wrap_socket(raw, server_hostname=host) as tls:
            out["server_ip"] = tls.getpeername()[0]
            info = tls_snapshot(tls, verified=ctx.verify_mode == ssl.CERT_REQUIRED)
            out["tls"] = tls_json(info) if info else None
    except (OSError, ssl.SSLError, ValueError) as exc:
        log.info("TLS handshake with %s:%d failed: %s", host, port, exc)
        out["error"] = str(exc)[:300]
    return out


def host_chains(netlocs: Iterable[tuple[str, int]], ctx: ssl.SSLContext, *,
                timeout: float = 10.0) -> list[dict[str, Any]]:
    """``[{host, port, server_ip, tls: {...chain...}} or {..., error}]`` per host."""
    seen: list[tuple[str, int]] = []
    for hp in netlocs:
        if hp not in seen:
            seen.append(hp)
    return [_probe(h, p, ctx, timeout) for h, p in seen[:MAX_HOSTS]]
