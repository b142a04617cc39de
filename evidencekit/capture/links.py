"""Capturing a link as one evidence item, and recording it to fetch later.

:func:`capture_link` fetches the URL (every redirect hop), renders it in a child process
and returns a :class:`~evidencekit.model.NewItem` of kind ``link`` whose parts are, in
this order:

1. ``exchange.warc.gz`` (``application/warc``, the primary part): the raw exchange of
   the page (every redirect hop), then every request the renderer made and its response,
   recorded by a proxy as they went over the wire (:mod:`evidencekit.capture.recorder`);
2. ``summary.json``: each hop's status and headers, final URL, server address, fetch
   time, TLS version and certificate chain with SHA-256 fingerprints, Telegram details,
   the page's state (gone, login wall, removed), the rendering, every response the
   renderer loaded and the pictures and media among them (``resources``: URL, media type,
   size, pixel size, SHA-256; also in ``metadata["resources"]``);
3. ``certificates.pem``: the certificate chains the servers presented (HTTPS only);
4. ``rendering.png`` and 5. ``rendering.pdf``: the full page under a banner with the URL
   and the time in UTC and KST (when rendering worked).

If rendering fails (the child crashed, hung or the page is not renderable) the fetch is
still returned, ``metadata["rendering"]`` says why and the item gets a note saying that
the rendering failed. ``metadata["page_state"]`` flags a page that was gone when captured
(:mod:`evidencekit.capture.page_state`); the item's title is the page's title.
:func:`pending_link` records a URL with no network use; :func:`recheck_url` (in
:mod:`evidencekit.capture.recheck`) tells whether a URL is still online.
"""

from __future__ import annotations

import hashlib
import json
import logging
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from evidencekit.capture.fetch import (
    ACCEPT_LANGUAGE,
    DEFAULT_MAX_BODY,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    FetchResult,
    fetch_url,
    make_ssl_context,
)
from evidencekit.capture.html_meta import detect_charset, extract_title
from evidencekit.capture.link_summary import (
    SUMMARY_FORMAT,
    build_summary,
    certificates_pem,
    describe_certificate,
    hop_json,
    tls_json,
)
from evidencekit.capture.page_state import GONE_STATUSES, page_state
from evidencekit.capture.recheck import recheck_url
from evidencekit.capture.recorded import MEDIA_PREFIXES, RecordedExchange, describe_records
from evidencekit.capture.render_types import (
    DEFAULT_SCROLL_SCREENS,
    DEFAULT_SCROLL_SECONDS,
    DEFAULT_SETTLE_SECONDS,
    RENDERABLE_MEDIA_TYPES,
    Rendering,
    banner_lines,
)
from evidencekit.capture.telegram_page import (
    TelegramPage,
    looks_like_telegram,
    read_telegram_page,
)
from evidencekit.capture.urls import CheckedUrl, normalise_url
from evidencekit.capture.warc import WARC_MEDIA_TYPE, write_warc
from evidencekit.errors import CaptureError
from evidencekit.i18n import both, tr
from evidencekit.model import ItemKind, NewItem, PartInput, Progress, iso

if TYPE_CHECKING:
    from evidencekit.capture.render import RenderChild

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

_STEPS = 4


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
    checked: CheckedUrl, result: FetchResult, charset: str | None, timeout: float,
    options: dict[str, Any],
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
            **options,
        )
    except CaptureError as exc:
        log.warning("rendering failed (%s); keeping the fetch", exc.key)
        return None, {"status": "failed", "error_key": exc.key,
                      "error": exc.message("en"), "error_ko": exc.message("ko")}
    meta = rendering.metadata()
    meta["banner"] = banner
    return rendering, meta


def _early_child(record: bool) -> RenderChild | None:
    """A rendering child started before the fetch (None if it cannot start: rendering
    then starts its own and reports the problem)."""
    from evidencekit.capture.render import RenderChild

    try:
        return RenderChild(preload=record)
    except CaptureError as exc:
        log.info("rendering child not started early: %s", exc.key)
        return None


def _telegram_shown(checked: CheckedUrl, result: FetchResult, charset: str | None
                    ) -> TelegramPage | None:
    """What a Telegram web page showed (its markup is recognised on any host), or None."""
    final = result.final
    if final.media_type not in ("", "text/html", "application/xhtml+xml") or \
            not (checked.telegram or looks_like_telegram(final.body)):
        return None
    if not looks_like_telegram(final.body) and b"og:description" not in final.body[:200_000]:
        return None
    return read_telegram_page(final.body, result.final_url, charset)


def _telegram_metadata(checked: CheckedUrl, shown: TelegramPage | None
                       ) -> dict[str, Any] | None:
    """The item's ``telegram`` metadata: the parsed link plus what the page showed."""
    if checked.telegram is None and shown is None:
        return None
    meta: dict[str, Any] = checked.telegram.to_metadata() if checked.telegram else {
        "kind": "public", "channel": None, "message": None}
    if shown is not None:
        first = shown.messages[0] if shown.messages else None
        if first is not None and meta.get("channel") is None:
            meta["channel"] = first["channel"]
        if first is not None and meta.get("message") is None and len(shown.messages) == 1:
            meta["message"] = first["message"]
        meta["shown"] = shown.to_metadata()
    return meta


def _renderer_host_chains(loaded: list[dict[str, Any]], result: FetchResult,
                          ctx: ssl.SSLContext, timeout: float) -> list[dict[str, Any]]:
    """The TLS chain of every other HTTPS host the renderer loaded from."""
    from evidencekit.capture.tls_probe import host_chains

    page = urlsplit(result.final_url)
    page_hp = (page.hostname or "", page.port or 443)
    hosts: list[tuple[str, int]] = []
    for r in loaded:
        u = urlsplit(str(r.get("url") or ""))
        hp = (u.hostname or "", u.port or 443)
        if u.scheme == "https" and u.hostname and hp != page_hp and hp not in hosts:
            hosts.append(hp)
    return host_chains(hosts, ctx, timeout=min(timeout, 10.0))


def _plain_text(body: bytes, charset: str | None) -> str:
    """The start of a body as text, for the "removed page" check when nothing rendered."""
    return body[:200_000].decode(charset or "utf-8", errors="replace")


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
    scroll_screens: int = DEFAULT_SCROLL_SCREENS,
    scroll_seconds: float = DEFAULT_SCROLL_SECONDS,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    record: bool = True,
    progress: Progress | None = None,
) -> NewItem:
    """Fetch ``url`` (and render it) into a ``link`` item; see the module docstring.

    ``fetch=False`` is :func:`pending_link`. Raises :class:`InputError` for a refused URL
    and :class:`NetworkError` when the fetch fails (nothing is returned then: a pending
    link can be recorded instead). Rendering problems never raise: the item is returned
    without the pictures and ``metadata["rendering"]["status"]`` is ``failed`` or
    ``skipped``. ``render_timeout`` (default ``timeout``) bounds the page load in the
    renderer; ``scroll_screens``/``scroll_seconds`` bound the scrolling that loads lazy
    content and ``settle_seconds`` the wait for the network to go quiet afterwards (a page
    that never settles is rendered at the bound, with a note). ``record``: every request
    the renderer makes goes through a recording proxy and into the WARC (the pictures and
    media among them are listed in ``metadata["resources"]``). ``progress`` gets
    ``(step, 4, key)`` for the steps and, while downloading,
    ``(bytes, content_length_or_0, "links.progress.downloading")``. Blocking; callable
    from any thread (rendering runs in a child process).
    """
    if not fetch:
        return pending_link(url, title, note)
    checked = normalise_url(url)

    def step(n: int, key: str) -> None:
        if progress:
            progress(n, _STEPS, key)

    # The rendering child starts now and gets ready while the page is fetched.
    child = _early_child(record) if render else None
    try:
        step(0, "links.progress.connecting")
        result = fetch_url(
            checked.url, timeout=timeout, max_body=max_body, verify_tls=verify_tls,
            ca_file=ca_file, ssl_context=ssl_context, progress=progress,
        )
        final = result.final
        step(1, "links.progress.archiving")
        is_text = final.media_type in ("", "text/html", "application/xhtml+xml", "text/plain")
        charset = detect_charset(final.body, final.content_type) if is_text else None
        shown = _telegram_shown(checked, result, charset)
        page_title = (
            extract_title(final.body, charset)
            if final.media_type in ("", "text/html", "application/xhtml+xml") else None
        )
        rendering: Rendering | None = None
        recorded: list[RecordedExchange] = []
        if render:
            step(2, "links.progress.rendering")
            rendering, render_meta = _render(
                checked, result, charset, render_timeout or timeout,
                {"scroll_screens": scroll_screens, "scroll_seconds": scroll_seconds,
                 "settle_seconds": settle_seconds, "record": record,
                 "upstream_ca_file": str(ca_file) if ca_file else None, "recorded": recorded,
                 "child": child})
        else:
            render_meta = {"status": "not-requested"}
    finally:
        if child is not None:
            child.close()
    extra: list[FetchResult] = []
    resources: list[dict[str, Any]] = []
    if shown is not None and shown.image_urls and not any(
            not ex.refused for ex in recorded):
        # Nothing recorded from the renderer: fetch the pictures the page showed.
        from evidencekit.capture.resources import fetch_resources

        extra, resources = fetch_resources(shown.image_urls, timeout=timeout,
                                           verify_tls=verify_tls, ca_file=ca_file,
                                           ssl_context=ssl_context)
    warc = write_warc(result, extra=extra, recorded=recorded)
    page_records = 1 + 2 * (len(result.hops) + sum(len(r.hops) for r in extra))
    loaded = describe_records(warc, page_records) if recorded else []
    resources += [r for r in loaded if r["media_type"].startswith(MEDIA_PREFIXES)]
    chains: list[dict[str, Any]] = []
    if recorded:
        chains = _renderer_host_chains(loaded, result, ssl_context or make_ssl_context(
            verify_tls=verify_tls, ca_file=ca_file), timeout)
        render_meta["recorded"] = {
            "responses": len(loaded),
            "refused": [ex.url for ex in recorded if ex.refused][:50],
            "hosts": sorted({urlsplit(r["url"]).netloc for r in loaded if r.get("url")}),
        }
    shown_title = rendering.page_title if rendering is not None else ""
    page_title = page_title or shown_title or None
    state = page_state(
        status=final.status, reason=final.reason, requested_url=checked.url,
        final_url=result.final_url, redirects=len(result.hops) - 1, title=page_title,
        text=rendering.page_text if rendering is not None else _plain_text(final.body,
                                                                            charset),
    )
    if state["flag"] != "ok":
        log.info("page state: %s (%s)", state["flag"], state["evidence"])
    summary = build_summary(checked, result, page_title=page_title, charset=charset,
                            rendering=render_meta)
    summary["page_state"] = state
    summary["resources"] = resources
    summary["renderer_tls"] = chains
    summary["loaded"] = [{k: r.get(k) for k in ("url", "status", "media_type", "size",
                                                 "sha256", "payload_digest")}
                         for r in loaded]
    summary["telegram"] = _telegram_metadata(checked, shown)
    parts = [
        PartInput("exchange.warc.gz", WARC_MEDIA_TYPE, data=warc),
        PartInput("summary.json", "application/json",
                  data=json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8")),
    ]
    pem = certificates_pem(result)
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
        "telegram": _telegram_metadata(checked, shown),
        "rendering": render_meta,
        "page_state": state,
        "resources": resources,
        "warc_records": page_records + 2 * len(loaded),
    }
    notes = [note] if note.strip() else []
    if render_meta.get("status") == "failed":
        notes.append(both("webcapture.note.render_failed",
                          reason=render_meta.get("error", "")))
    step(_STEPS, "links.progress.done")
    return NewItem(
        kind=ItemKind.LINK,
        title=title.strip() or page_title or checked.display,
        source=checked.url,
        parts=parts,
        metadata=metadata,
        notes=notes,
        captured_at=result.fetched_at,
    )


# ---------------------------------------------------------------------- re-check
