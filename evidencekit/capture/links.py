"""Capturing a link as one evidence item, recording it to fetch later, and re-checking it.

:func:`capture_link` fetches the URL (every redirect hop), and returns a
:class:`~evidencekit.model.NewItem` of kind ``link`` whose parts are, in this order:

1. ``exchange.warc.gz`` (``application/warc``, the primary part): the raw exchange;
2. ``summary.json``: each hop's status and headers, final URL, server address, fetch
   time, TLS version and certificate chain with SHA-256 fingerprints, Telegram details;
3. ``certificates.pem``: the certificate chains the servers presented (HTTPS only);
4. ``rendering.png`` and 5. ``rendering.pdf``: the full page under a banner with the URL
   and the time in UTC and KST (when rendering worked).

If rendering fails the fetch is still returned, and ``metadata["rendering"]`` says why.
:func:`pending_link` records a URL with no network use; :func:`recheck_url` tells whether
a URL is still online, for the custody log's take-down record.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import re
import ssl
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx

from evidencekit.capture.fetch import (
    ACCEPT_LANGUAGE,
    DEFAULT_MAX_BODY,
    DEFAULT_TIMEOUT,
    MAX_REDIRECTS,
    USER_AGENT,
    FetchResult,
    Hop,
    TlsInfo,
    fetch_url,
    make_ssl_context,
    network_error,
)
from evidencekit.capture.render import RENDERABLE_MEDIA_TYPES, Rendering, banner_lines
from evidencekit.capture.urls import CheckedUrl, normalise_url
from evidencekit.capture.warc import WARC_MEDIA_TYPE, write_warc
from evidencekit.errors import CaptureError, NetworkError
from evidencekit.i18n import tr
from evidencekit.model import ItemKind, NewItem, PartInput, Progress, iso, now_utc

__all__ = [
    "SUMMARY_FORMAT",
    "GONE_STATUSES",
    "capture_link",
    "pending_link",
    "recheck_url",
    "extract_title",
    "detect_charset",
    "build_summary",
    "describe_certificate",
    "hop_json",
    "tls_json",
]

log = logging.getLogger(__name__)

SUMMARY_FORMAT = "evidencekit.link-summary/1"
#: Statuses that mean the content was removed: Not Found, Gone, Unavailable For Legal Reasons.
GONE_STATUSES = (404, 410, 451)
_TITLE_SCAN = 512 * 1024
_MAX_TITLE = 500
_STEPS = 4


# ------------------------------------------------------------------ page reading


class _TitleParser(HTMLParser):
    """Collects the text of the first <title> outside <svg>; stops at </head> or <body>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_title = False
        self.done = False
        self._svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self._svg += 1
        elif tag == "title" and not self._svg and not self.done:
            self.in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._svg:
            self._svg -= 1
        elif tag == "title" and self.in_title:
            self.in_title = False
            self.done = True

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.parts.append(data)


_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE
)


def _valid_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def detect_charset(body: bytes, content_type: str) -> str | None:
    """The character set of an HTML/text body: header, byte-order mark, <meta>, or UTF-8.

    ``None`` when nothing is declared and the body is not valid UTF-8 (the browser
    engine then guesses by itself).
    """
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            found = _valid_charset(value)
            if found:
                return found
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    m = _META_CHARSET.search(body[:8192])
    if m:
        found = _valid_charset(m.group(1).decode("ascii", "replace"))
        if found:
            return found
    try:
        body[:_TITLE_SCAN].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < _TITLE_SCAN - 4:  # not just a character cut at the scan limit
            return None
    return "utf-8"


def extract_title(body: bytes, charset: str | None) -> str | None:
    """The page's <title>, white space collapsed, at most 500 characters; None if absent."""
    text = body[:_TITLE_SCAN].decode(charset or "utf-8", errors="replace")
    parser = _TitleParser()
    try:
        parser.feed(text)
        parser.close()
    except (ValueError, AssertionError) as exc:  # html.parser is lenient, but be safe
        log.debug("title parsing stopped: %s", exc)
    title = " ".join("".join(parser.parts).split())
    if not title:
        return None
    return title[:_MAX_TITLE]


# ---------------------------------------------------------------------- summary


def describe_certificate(der: bytes) -> dict[str, Any]:
    """Subject, issuer, validity, serial, names and SHA-256/SHA-1 fingerprints of a cert."""
    from cryptography import x509

    d: dict[str, Any] = {
        "sha256": hashlib.sha256(der).hexdigest(),
        "sha1": hashlib.sha1(der, usedforsecurity=False).hexdigest(),
    }
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        d["error"] = f"unparsable certificate: {exc}"
        return d
    d.update(subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
             serial=format(cert.serial_number, "x"), not_before=iso(cert.not_valid_before_utc),
             not_after=iso(cert.not_valid_after_utc))
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        d["subject_alt_names"] = [str(v) for v in san.get_values_for_type(x509.DNSName)] + [
            str(v) for v in san.get_values_for_type(x509.IPAddress)
        ]
    except x509.ExtensionNotFound:
        d["subject_alt_names"] = []
    return d


def tls_json(tls: TlsInfo) -> dict[str, Any]:
    """A TLS session for ``summary.json``: version, cipher, the described chain."""
    return {
        "version": tls.version,
        "cipher": tls.cipher,
        "cipher_bits": tls.cipher_bits,
        "alpn": tls.alpn,
        "verified": tls.verified,
        "chain_source": tls.chain_source,
        "chain": [describe_certificate(c) for c in tls.chain],
        "verified_chain_sha256": (
            [hashlib.sha256(c).hexdigest() for c in tls.verified_chain]
            if tls.verified_chain is not None else None
        ),
    }


def hop_json(hop: Hop) -> dict[str, Any]:
    """One hop for ``summary.json`` (headers as [name, value] pairs, in order)."""
    return {
        "method": hop.method,
        "url": hop.url,
        "status": hop.status,
        "reason": hop.reason,
        "http_version": hop.http_version,
        "started_at": iso(hop.started_at),
        "elapsed_seconds": round(hop.elapsed, 6),
        "server_ip": hop.server_ip,
        "server_port": hop.server_port,
        "request_headers": [[k, v] for k, v in hop.request_headers],
        "response_headers": [[k, v] for k, v in hop.response_headers],
        "location": hop.location,
        "body_size": len(hop.body),
        "wire_response_size": len(hop.raw_response),
        "body_sha256": hop.body_sha256,
        "tls": tls_json(hop.tls) if hop.tls else None,
    }


def build_summary(
    checked: CheckedUrl,
    result: FetchResult,
    *,
    page_title: str | None,
    charset: str | None,
    rendering: dict[str, Any],
) -> dict[str, Any]:
    """The JSON summary stored as ``summary.json`` (readable by people and programs)."""
    final = result.final
    hops = [hop_json(h) for h in result.hops]
    return {
        "format": SUMMARY_FORMAT,
        "requested_url": checked.url,
        "requested_url_display": checked.display,
        "final_url": result.final_url,
        "status": final.status,
        "reason": final.reason,
        "fetched_at": iso(result.fetched_at),
        "completed_at": iso(result.completed_at),
        "server_ip": final.server_ip,
        "server_port": final.server_port,
        "redirects": len(result.hops) - 1,
        "media_type": final.media_type,
        "charset": charset,
        "body_size": len(final.body),
        "body_sha256": final.body_sha256,
        "page_title": page_title,
        "tls": hops[-1]["tls"],  # the final hop's, described once
        "telegram": checked.telegram.to_metadata() if checked.telegram else None,
        "hops": hops,
        "rendering": rendering,
        "fetcher": {
            "user_agent": USER_AGENT,
            "accept_language": ACCEPT_LANGUAGE,
            "proxy": None,
            "http_versions_offered": ["HTTP/1.1"],
        },
        "notes": [
            "Times are UTC. Header values are shown decoded as UTF-8 (Latin-1 where not "
            "valid UTF-8); the exact bytes are in exchange.warc.gz.",
            "chain_source 'presented-chain' is the certificate list the server sent, leaf "
            "first; 'leaf-only' means only the server's own certificate could be read.",
        ],
    }


def _certificates_pem(result: FetchResult) -> bytes | None:
    """The presented chains of all HTTPS hops (one block per distinct chain), or None."""
    blocks: list[tuple[TlsInfo, list[int], str]] = []
    for n, hop in enumerate(result.hops, start=1):
        if hop.tls is None or not hop.tls.chain:
            continue
        for tls, hops, _ in blocks:
            if tls.chain == hop.tls.chain:
                hops.append(n)
                break
        else:
            where = f"{hop.server_ip}:{hop.server_port}" if hop.server_ip else "?"
            blocks.append((hop.tls, [n], f"{httpx.URL(hop.url).host} ({where})"))
    if not blocks:
        return None
    out: list[str] = [
        "# EvidenceKit: TLS certificate chains presented by the servers of this link.",
        f"# Fetched at {iso(result.fetched_at)}; leaf certificate first in each chain.",
        "",
    ]
    for tls, hops, where in blocks:
        out.append(f"# Server {where}, hop(s) {', '.join(map(str, hops))}, {tls.version}, "
                   f"{'leaf only' if tls.chain_source == 'leaf-only' else 'full chain'}")
        for i, der in enumerate(tls.chain):
            info = describe_certificate(der)
            out.append(f"# [{i}] subject: {info.get('subject', '?')}")
            out.append(f"#     issuer:  {info.get('issuer', '?')}")
            out.append(f"#     valid:   {info.get('not_before', '?')} .. "
                       f"{info.get('not_after', '?')}")
            out.append(f"#     SHA-256: {info['sha256']}")
            out.append(ssl.DER_cert_to_PEM_cert(der).strip())
        out.append("")
    return ("\n".join(out) + "\n").encode("utf-8")


# ---------------------------------------------------------------------- capture


def pending_link(url: str, title: str = "", note: str = "") -> NewItem:
    """A link recorded without fetching (offline), to be fetched later. Checks the URL."""
    checked = normalise_url(url)
    metadata: dict[str, Any] = {"url": checked.url, "url_display": checked.display}
    if checked.telegram:
        metadata["telegram"] = checked.telegram.to_metadata()
    return NewItem(
        kind=ItemKind.LINK,
        title=title.strip() or checked.display,
        source=checked.url,
        parts=[],
        metadata=metadata,
        notes=[note] if note.strip() else [],
        pending=True,
    )


def _render(
    checked: CheckedUrl, result: FetchResult, charset: str | None, timeout: float
) -> tuple[Rendering | None, dict[str, Any]]:
    final = result.final
    media = final.media_type or "text/html"
    if media not in RENDERABLE_MEDIA_TYPES:
        return None, {"status": "skipped", "reason_key": "links.render_skipped",
                      "reason": tr("links.render_skipped", "en", media_type=media)}
    if not final.body:
        return None, {"status": "skipped", "reason": "empty body"}
    from evidencekit.capture.render import render_page

    banner = banner_lines(
        checked.url, result.fetched_at, final_url=result.final_url,
        display_url=checked.display if checked.is_idn else None,
    )
    try:
        rendering = render_page(
            result.final_url,
            html=final.body,
            mime_type=media,
            charset=charset if media.startswith("text/") or "xml" in media else None,
            base_url=result.final_url,
            banner=banner,
            timeout=timeout,
            user_agent=USER_AGENT,
            accept_language=ACCEPT_LANGUAGE,
        )
    except CaptureError as exc:
        log.warning("rendering failed (%s); keeping the fetch", exc.key)
        return None, {"status": "failed", "error_key": exc.key,
                      "error": exc.message("en"), "error_ko": exc.message("ko")}
    meta = rendering.metadata()
    meta["banner"] = banner
    return rendering, meta


def capture_link(
    url: str,
    *,
    title: str = "",
    note: str = "",
    fetch: bool = True,
    render: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    max_body: int = DEFAULT_MAX_BODY,
    verify_tls: bool = True,
    ca_file: str | Path | None = None,
    ssl_context: ssl.SSLContext | None = None,
    render_timeout: float | None = None,
    progress: Progress | None = None,
) -> NewItem:
    """Fetch ``url`` (and render it) into a ``link`` item; see the module docstring.

    ``fetch=False`` is :func:`pending_link`. Raises :class:`InputError` for a refused URL
    and :class:`NetworkError` when the fetch fails (nothing is returned then: a pending
    link can be recorded instead). Rendering problems never raise: the item is returned
    without the pictures and ``metadata["rendering"]["status"]`` is ``failed`` or
    ``skipped``. ``render_timeout`` (default ``timeout``) bounds the page load in the
    renderer. ``progress`` gets ``(step, 4, key)`` for the steps and, while downloading,
    ``(bytes, content_length_or_0, "links.progress.downloading")``. Call from the main
    thread on the command line; see :func:`evidencekit.capture.render.render_page` for the
    GUI's threading rules.
    """
    if not fetch:
        return pending_link(url, title, note)
    checked = normalise_url(url)

    def step(n: int, key: str) -> None:
        if progress:
            progress(n, _STEPS, key)

    step(0, "links.progress.connecting")
    result = fetch_url(
        checked.url, timeout=timeout, max_body=max_body, verify_tls=verify_tls,
        ca_file=ca_file, ssl_context=ssl_context, progress=progress,
    )
    final = result.final
    step(1, "links.progress.archiving")
    warc = write_warc(result)
    is_text = final.media_type in ("", "text/html", "application/xhtml+xml", "text/plain")
    charset = detect_charset(final.body, final.content_type) if is_text else None
    page_title = (
        extract_title(final.body, charset)
        if final.media_type in ("", "text/html", "application/xhtml+xml") else None
    )
    rendering: Rendering | None = None
    if render:
        step(2, "links.progress.rendering")
        rendering, render_meta = _render(checked, result, charset, render_timeout or timeout)
    else:
        render_meta = {"status": "not-requested"}
    summary = build_summary(checked, result, page_title=page_title, charset=charset,
                            rendering=render_meta)
    parts = [
        PartInput("exchange.warc.gz", WARC_MEDIA_TYPE, data=warc),
        PartInput("summary.json", "application/json",
                  data=json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8")),
    ]
    pem = _certificates_pem(result)
    if pem is not None:
        parts.append(PartInput("certificates.pem", "application/x-pem-file", data=pem))
    if rendering is not None:
        parts.append(PartInput("rendering.png", "image/png", data=rendering.png))
        parts.append(PartInput("rendering.pdf", "application/pdf", data=rendering.pdf))
    tls = final.tls
    tls_summary = summary["tls"]
    metadata: dict[str, Any] = {
        "url": checked.url,
        "url_display": checked.display,
        "final_url": result.final_url,
        "status": final.status,
        "reason": final.reason,
        "redirects": len(result.hops) - 1,
        "server_ip": final.server_ip,
        "server_port": final.server_port,
        "fetched_at": iso(result.fetched_at),
        "media_type": final.media_type,
        "body_size": len(final.body),
        "body_sha256": final.body_sha256,
        "page_title": page_title,
        "tls": {
            "version": tls.version,
            "cipher": tls.cipher,
            "verified": tls.verified,
            "chain_source": tls.chain_source,
            "certificates": [
                {k: v for k, v in cert.items()
                 if k in ("sha256", "subject", "issuer", "not_before", "not_after")}
                for cert in tls_summary["chain"]
            ],
        } if tls else None,
        "cert_fingerprints": [hashlib.sha256(c).hexdigest() for c in tls.chain] if tls else [],
        "telegram": checked.telegram.to_metadata() if checked.telegram else None,
        "rendering": render_meta,
        "warc_records": 1 + 2 * len(result.hops),
    }
    step(_STEPS, "links.progress.done")
    return NewItem(
        kind=ItemKind.LINK,
        title=title.strip() or page_title or checked.display,
        source=checked.url,
        parts=parts,
        metadata=metadata,
        notes=[note] if note.strip() else [],
        captured_at=result.fetched_at,
    )


# ---------------------------------------------------------------------- re-check


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
