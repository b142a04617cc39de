"""The complete web capture's rows in a link's "Collection details": page state, scrolling.

Called by :mod:`evidencekit.bundle.link_metadata_view` while it lays out a link item: the
page's state (gone when captured: 410 Gone; a login wall; a "removed" page) is said as a
warning right under the page title, and the renderer's scrolling, settling and refused
actions are listed with the rendering. Labels are ``webcapture.bundle.*`` (formal register).
"""

from __future__ import annotations

import logging
from typing import Any

from evidencekit.bundle.metadata_rows import Group, Line, Row
from evidencekit.capture.page_state import state_message_key

__all__ = ["page_state_rows", "rendering_rows", "resource_rows", "telegram_rows"]

log = logging.getLogger(__name__)

_MAX_BLOCKED_SHOWN = 8
_MAX_RESOURCES_SHOWN = 40
_MAX_MESSAGES_SHOWN = 20
_MAX_TEXT_SHOWN = 600


def _row(view: Any, label_key: str, lines: list[Any]) -> None:
    if lines:
        view.groups[-1].rows.append(Row(view.lab(label_key), lines))


def page_state_rows(view: Any, m: Any) -> None:
    """The page state of link metadata ``m`` (a :class:`~.metadata_rows.Meta`) as a
    warning row, if not "ok"."""
    st = m.sub("page_state")
    if st is None:
        return
    flag = st.get("flag")
    params = {k: st.get(k) if st.data.get(k) is not None else ""
              for k in ("status", "reason", "evidence")}
    params["phrase"] = params.pop("reason")  # the HTTP reason phrase, shown as sent
    st.drop("final_url")
    key = state_message_key(str(flag))
    if key is None:
        return
    _row(view, "webcapture.bundle.page_state", view.say(key, warn=True, **params))


def rendering_rows(view: Any, r: Any) -> None:
    """Scrolling, settling and what the renderer refused, for rendering metadata ``r``."""
    r.drop("page_title")  # shown as the item's title
    screens, settled = r.get("scrolled_screens"), r.get("settled")
    lines = []
    if isinstance(screens, int):
        lines += view.say("webcapture.bundle.scrolled", screens=screens)
    if settled is False:
        lines += view.say("webcapture.bundle.not_settled", warn=True)
    _row(view, "webcapture.bundle.loading", lines)
    rec = r.sub("recorded")
    if rec is not None:
        hosts, refused = rec.get("hosts"), rec.get("refused")
        lines = view.say("webcapture.bundle.recorded", count=rec.get("responses") or 0,
                         hosts=", ".join(map(str, hosts)) if isinstance(hosts, list) else "")
        if isinstance(refused, list) and refused:
            lines += view.say("webcapture.bundle.recorded_refused", warn=False,
                              hosts=", ".join(map(str, refused[:_MAX_BLOCKED_SHOWN])))
        _row(view, "webcapture.bundle.recorded_label", lines)
    blocked = r.get("blocked")
    if isinstance(blocked, list) and blocked:
        shown = [Line(str(b), mono=True) for b in blocked[:_MAX_BLOCKED_SHOWN]]
        if len(blocked) > _MAX_BLOCKED_SHOWN:
            shown += view.say("webcapture.bundle.more", count=len(blocked) - _MAX_BLOCKED_SHOWN)
        _row(view, "webcapture.bundle.blocked", shown)


def _size(n: Any) -> str:
    from evidencekit.bundle.styles import fmt_size

    return fmt_size(n) if isinstance(n, int) else "?"


def resource_rows(view: Any, m: Any) -> None:
    """Every picture and medium the page showed: URL, type, size, pixels, SHA-256."""
    resources = m.get("resources")
    if not isinstance(resources, list) or not resources:
        return
    view.groups.append(Group(view.lab("webcapture.bundle.resources")))
    for n, r in enumerate(resources[:_MAX_RESOURCES_SHOWN], start=1):
        if not isinstance(r, dict):
            continue
        lines = [Line(str(r.get("url")), mono=True)]
        if r.get("sha256"):
            dims = (f" · {r['width']} × {r['height']} px"
                    if r.get("width") and r.get("height") else "")
            lines.append(Line(f"{r.get('media_type') or '?'} · {_size(r.get('size'))}{dims}"
                              f" · HTTP {r.get('status')}"))
            lines.append(Line(str(r["sha256"]), prefix="SHA-256", mono=True))
        else:
            lines += view.say("webcapture.bundle.resource_failed", warn=True,
                              reason=str(r.get("error") or "?"))
        view.groups[-1].rows.append(_make_row(view.lab("webcapture.bundle.resource", n=n),
                                              lines))
    if len(resources) > _MAX_RESOURCES_SHOWN:
        _row(view, "webcapture.bundle.more_label", view.say(
            "webcapture.bundle.more", count=len(resources) - _MAX_RESOURCES_SHOWN))


def _make_row(label: str, lines: list[Any]) -> Any:
    return Row(label, lines)


def telegram_rows(view: Any, t: Any) -> None:
    """The Telegram page as shown: title, the post's text, each message shown."""
    shown = t.sub("shown")
    if shown is None:
        return
    title, text = shown.get("title"), shown.get("text")
    shown.drop("image")
    if title:
        _row(view, "webcapture.bundle.tg_title", [Line(str(title))])
    if text:
        _row(view, "webcapture.bundle.tg_text", [Line(str(text)[:_MAX_TEXT_SHOWN])])
    messages = shown.get("messages")
    if not isinstance(messages, list):
        return
    for msg in messages[:_MAX_MESSAGES_SHOWN]:
        if not isinstance(msg, dict):
            continue
        lines = [Line(str(msg.get("text") or "")[:_MAX_TEXT_SHOWN])]
        if msg.get("time"):
            lines.append(Line(str(msg["time"]), mono=True))
        if msg.get("images"):
            lines += view.say("webcapture.bundle.tg_pictures", count=len(msg["images"]))
        view.groups[-1].rows.append(_make_row(
            view.lab("webcapture.bundle.tg_message", post=str(msg.get("post"))), lines))
    if len(messages) > _MAX_MESSAGES_SHOWN:
        _row(view, "webcapture.bundle.more_label", view.say(
            "webcapture.bundle.more", count=len(messages) - _MAX_MESSAGES_SHOWN))
