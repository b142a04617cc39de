"""A link item's "Collection details": the request and answer, TLS, Telegram, rendering.

:func:`link` adds the groups of a captured link to a :class:`~.metadata_rows.View`: what
was asked and what answered (status, server, redirects step by step, body hash), the TLS
connection and its certificates, a Telegram post, the rendering; the complete web
capture's rows (page state, scrolling, resources) come from :mod:`.link_capture_view`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from evidencekit.bundle import link_capture_view
from evidencekit.bundle.metadata_rows import Line, Meta, View
from evidencekit.bundle.styles import fmt_size, fmt_time

__all__ = ["link"]

log = logging.getLogger(__name__)

_SUBRESOURCES_EN = "loaded from the network at rendering time, not archived"


def link(view: View, m: Meta) -> None:
    view.group("link")
    url, shown, final = m.get("url"), m.get("url_display"), m.get("final_url")
    view.add("requested_url", url, mono=True)
    view.add("url_display", None if shown == url else shown, mono=True)
    same = final is not None and final == url
    view.add("final_url", view.lab("bundle.metaval.same_as_url") if same else final,
             mono=not same)
    view.add("page_title", m.get("page_title"), mono=False)
    link_capture_view.page_state_rows(view, m)
    status, reason, fetched = m.get("status"), m.get("reason"), m.get("fetched_at")
    if status is None and fetched is None:
        view.add("fetch", view.say("bundle.metaval.not_fetched"))
    view.add("status", reason if status is None else f"{status} {reason or ''}".strip())
    view.simple(m, "server_ip", "server_port")
    view.add("fetched_at", view.when(fetched))
    view.add("content_type", m.get("media_type"))
    size = m.get("body_size")
    view.add("body_size", fmt_size(size) if isinstance(size, int) else size)
    view.add("body_sha256", m.get("body_sha256"), mono=True)
    view.add("redirects", _redirects(view, m.get("redirects")))
    view.simple(m, "headers", "warc_records")
    _tls(view, m, fetched is not None)
    _telegram(view, m)
    _rendering(view, m)
    link_capture_view.resource_rows(view, m)


def _redirects(view: View, value: Any) -> Any:
    hops = view.summary.get("hops") if view.summary else None
    if isinstance(hops, list) and len(hops) > 1 and all(isinstance(h, Mapping)
                                                         for h in hops):
        return [Line(f"{hop.get('status', '?')} → {nxt.get('url') or hop.get('location')}",
                     prefix=f"{n}.", mono=True)
                for n, (hop, nxt) in enumerate(zip(hops, hops[1:], strict=False), start=1)]
    if isinstance(value, int) and not isinstance(value, bool):
        return view.say("bundle.metaval.redirect_count", count=value) if value else (
            view.say("bundle.metaval.no_redirects"))
    return value


def _tls(view: View, m: Meta, fetched: bool) -> None:
    t = m.sub("tls")
    shown: set[str] = set()
    if t is not None:
        view.group("tls")
        view.simple(t, "tls_version=version", "tls_cipher=cipher")
        view.add("tls_verified", view.pick("tls_verified", t.get("verified"), sentence=True))
        view.add("tls_chain", view.pick("chain", t.get("chain_source")))
        for n, cert in enumerate(t.subs("certificates")):
            shown.add(str(cert.data.get("sha256")))
            view.add("cert_ca" if n else "cert_leaf", _certificate(view, cert), n=n)
    elif fetched and m.data.get("tls") is None and str(m.data.get("url")).startswith("http:"):
        view.add("tls", view.lab("bundle.metaval.no_tls"))
    prints = m.get("cert_fingerprints")
    view.add("cert_fingerprints", [f for f in prints if f not in shown]
             if isinstance(prints, list) else prints)


def _certificate(view: View, c: Meta) -> list[Line]:
    lines = [Line(str(c.get(k)), prefix=view.lab(f"bundle.meta.cert_{k}"))
             for k in ("subject", "issuer") if c.data.get(k)]
    start, end = c.get("not_before"), c.get("not_after")
    if start or end:
        lines.append(Line(f"{fmt_time(start, utc=True)} – {fmt_time(end, utc=True)}",
                          prefix=view.lab("bundle.meta.cert_valid")))
    if c.data.get("sha256"):
        lines.append(Line(str(c.get("sha256")), prefix="SHA-256", mono=True))
    return lines


def _telegram(view: View, m: Meta) -> None:
    if (t := m.sub("telegram")) is None:  # not a Telegram link
        return
    view.group("telegram")
    view.add("telegram_kind", view.pick("telegram", t.get("kind")))
    view.simple(t, *(f"telegram_{k}={k}" for k in ("channel", "channel_id", "message",
                                                    "thread", "comment")), mono=False)
    view.add("telegram_preview", t.get("preview") or None)
    link_capture_view.telegram_rows(view, t)


def _rendering(view: View, m: Meta) -> None:
    if (r := m.sub("rendering")) is None:
        return
    view.group("rendering")
    status = r.get("status")
    lines = [Line(view.pick("render", status))] if status is not None else []
    if status == "failed":  # the message, stored in both languages at capture
        errors = {"ko": r.get("error_ko") or r.data.get("error"), "en": r.get("error")}
        r.drop("error_key")
        lines = [Line(str(errors[la]), warn=True) for la in ("ko", "en")
                 if view.lab.lang in (la, "both") and errors[la]] or lines
    elif status == "skipped":
        key, reason = r.get("reason_key"), r.get("reason") or status
        lines = (view.say(key, media_type=m.data.get("media_type") or "?")
                 if isinstance(key, str) and view.lab.has(key) else [Line(str(reason))])
    if r.get("truncated"):
        lines += view.say("bundle.metaval.render_truncated")
    if r.get("load_finished") is False:
        lines += view.say("bundle.metaval.render_unfinished")
    view.add("rendering", lines)
    width, height, ratio = (r.data.get(k) for k in ("width", "height", "device_pixel_ratio"))
    if width and height:
        r.drop("width", "height", "device_pixel_ratio")
        scale = f" · {view.lab('bundle.metaval.pixel_ratio')} {ratio}"
        view.add("render_size", f"{width} × {height} px{'' if ratio in (None, 1) else scale}")
    view.add("render_source", view.pick("render_source", r.get("source"), sentence=True))
    sub = r.get("subresources")
    view.add("render_subresources",
             view.say("bundle.metaval.subresources") if sub == _SUBRESOURCES_EN else sub)
    view.add("render_notes", r.get("notes"))
    link_capture_view.rendering_rows(view, r)
    r.drop("banner", "banner_height", "page_height", "elapsed_seconds")
