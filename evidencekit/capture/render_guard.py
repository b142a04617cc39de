"""Which addresses a captured page may reach: the rules shared by the renderer's request
guard (:mod:`evidencekit.capture.render_guard_qt`) and the recording proxy
(:mod:`evidencekit.capture.recorder`). Qt-free."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["is_local_host", "same_origin_port"]

_WEB = ("http", "https")


def is_local_host(host: str) -> bool:
    """``localhost`` or an IP literal that is loopback, private, link-local or unspecified."""
    h = host.strip("[]").lower().rstrip(".")
    if h == "localhost" or h.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        return False
    return bool(ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified
                or ip.is_reserved or ip.is_multicast)


def same_origin_port(url: str) -> tuple[str, int] | None:
    """``(host, port)`` of an http(s) URL, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if parts.scheme not in _WEB or not parts.hostname:
        return None
    return parts.hostname.lower(), port
