"""The complete web capture's rows in a link's "Collection details": page state, scrolling.

Called by :mod:`evidencekit.bundle.metadata_view` while it lays out a link item: the page's
state (gone when captured: 410 Gone; a login wall; a "removed" page) is said as a warning
right under the page title, and the renderer's scrolling, settling and refused actions
are listed with the rendering. Labels are ``webcapture.bundle.*`` (formal register).
"""

from __future__ import annotations

import logging
from typing import Any

from evidencekit.capture.page_state import state_message_key

__all__ = ["page_state_rows", "rendering_rows"]

log = logging.getLogger(__name__)

_MAX_BLOCKED_SHOWN = 8


def _row(view: Any, label_key: str, lines: list[Any]) -> None:
    from evidencekit.bundle.metadata_view import Row

    if lines:
        view.groups[-1].rows.append(Row(view.lab(label_key), lines))


def page_state_rows(view: Any, m: Any) -> None:
    """The page state of link metadata ``m`` (a ``_Meta``) as a warning row, if not "ok"."""
    st = m.sub("page_state")
    if st is None:
        return
    flag = st.get("flag")
    params = {k: st.get(k) if st.data.get(k) is not None else ""
              for k in ("status", "reason", "evidence")}
    st.drop("final_url")
    key = state_message_key(str(flag))
    if key is None:
        return
    _row(view, "webcapture.bundle.page_state", view.say(key, warn=True, **params))


def rendering_rows(view: Any, r: Any) -> None:
    """Scrolling, settling and what the renderer refused, for rendering metadata ``r``."""
    from evidencekit.bundle.metadata_view import Line

    r.drop("page_title")  # shown as the item's title
    screens, settled = r.get("scrolled_screens"), r.get("settled")
    lines = []
    if isinstance(screens, int):
        lines += view.say("webcapture.bundle.scrolled", screens=screens)
    if settled is False:
        lines += view.say("webcapture.bundle.not_settled", warn=True)
    _row(view, "webcapture.bundle.loading", lines)
    blocked = r.get("blocked")
    if isinstance(blocked, list) and blocked:
        shown = [Line(str(b), mono=True) for b in blocked[:_MAX_BLOCKED_SHOWN]]
        if len(blocked) > _MAX_BLOCKED_SHOWN:
            shown += view.say("webcapture.bundle.more", count=len(blocked) - _MAX_BLOCKED_SHOWN)
        _row(view, "webcapture.bundle.blocked", shown)
