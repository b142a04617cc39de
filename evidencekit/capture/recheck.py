"""Re-checking a link: is the URL still online? For the custody log's take-down record."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path
from typing import Any

import httpx

from evidencekit.capture.fetch import (
    ACCEPT_LANGUAGE,
    MAX_REDIRECTS,
    USER_AGENT,
    make_ssl_context,
    network_error,
)
from evidencekit.capture.urls import normalise_url
from evidencekit.errors import NetworkError
from evidencekit.i18n import tr
from evidencekit.model import iso, now_utc

__all__ = ["GONE_STATUSES", "recheck_url"]

log = logging.getLogger(__name__)

#: Statuses that mean the content was removed: Not Found, Gone, Unavailable For Legal Reasons.
GONE_STATUSES = (404, 410, 451)


def recheck_url(
    url: str,
    timeout: float = 15.0,
    *,
    verify_tls: bool = True,
    ca_file: str | Path | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> dict[str, Any]:
    """Is ``url`` still online? For the custody log's "still online" / "gone" events.

    A HEAD request first (redirects followed); when it does not answer with a success or
    redirect status, a GET confirms (headers only, the body is not downloaded), since
    some servers mishandle HEAD. The result is a dict with ``status``:

    * ``"online"``: the final answer was below 400;
    * ``"gone"``: the site itself answered 404, 410 or 451 (a failed connection or an
      unknown host is "unknown": the user may be offline); formerly also when the server
      refuses or cannot take connections (the brief's definition of a take-down);
    * ``"unknown"``: anything that proves neither (other 4xx/5xx such as 403 or 503, a
      timeout, a TLS failure), so a counsellor is never told "gone" or "online" wrongly.

    and ``http_status``, ``error`` (a ``links.*`` message key or None), ``error_message``
    (English), ``detail`` (short text for the custody event), ``method``, ``final_url``,
    ``checked_at`` (ISO 8601 UTC). Sites that answer 200 with a "deleted" page
    (soft 404s, e.g. some Telegram posts) are reported online: this check cannot see that.
    """
    checked = normalise_url(url)
    checked_at = now_utc()
    ctx = ssl_context or make_ssl_context(verify_tls=verify_tls, ca_file=ca_file)
    out: dict[str, Any] = {
        "url": checked.url, "status": "unknown", "http_status": None, "error": None,
        "error_message": None, "method": "HEAD", "final_url": None,
        "checked_at": iso(checked_at), "detail": "",
    }
    try:
        with httpx.Client(verify=ctx, timeout=httpx.Timeout(timeout), follow_redirects=True,
                          max_redirects=MAX_REDIRECTS, trust_env=False,
                          headers={"User-Agent": USER_AGENT,
                                   "Accept-Language": ACCEPT_LANGUAGE}) as client:
            resp = client.head(checked.url)
            status, final = resp.status_code, str(resp.url)
            if status >= 400:
                out["method"] = "GET"
                with client.stream("GET", checked.url) as got:
                    status, final = got.status_code, str(got.url)
    except httpx.TooManyRedirects:
        out.update(error="links.too_many_redirects",
                   error_message=tr("links.too_many_redirects", "en", limit=MAX_REDIRECTS),
                   detail="redirect loop")
        return out
    except httpx.HTTPError as exc:
        err = network_error(exc, checked.url, timeout)
        # A failed connection proves nothing: the user may simply be offline. Only an HTTP
        # answer (404, 410, 451) from the site itself is recorded as "gone".
        out.update(status="unknown", error=err.key,
                   error_message=err.message("en"), detail=_error_detail(err))
        return out
    out.update(http_status=status, final_url=final, detail=f"HTTP {status}")
    if status < 400:
        out["status"] = "online"
    elif status in GONE_STATUSES:
        out["status"] = "gone"
    return out


def _error_detail(err: NetworkError) -> str:
    return {
        "links.dns_failed": "host name not found",
        "links.connect_refused": "connection refused",
        "links.connect_failed": "cannot connect",
        "links.timeout": "timeout",
        "links.tls_verify_failed": "certificate not valid",
        "links.tls_failed": "TLS failure",
    }.get(err.key, err.key.removeprefix("links."))
