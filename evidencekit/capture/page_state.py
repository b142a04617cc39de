"""Whether a captured page was really there: gone (404/410/451), a login wall, "removed".

:func:`page_state` looks at the final status, the redirect chain, the page's title and the
text it showed, and returns the item's ``metadata["page_state"]``:

``{"flag": "ok" | "gone" | "login" | "removed" | "error", "status": 410, "reason": "Gone",
"final_url": ..., "evidence": "why we think so"}``

``gone``: the server answered 404 Not Found, 410 Gone or 451 Unavailable For Legal
Reasons. ``login``: a redirect ended on a sign-in page (the content was not visible to a
visitor). ``removed``: the server answered 200 but the page says the content was deleted
or is unavailable (a "soft 404", common on social networks and Telegram). ``error``: any
other status of 400 or more. The capture is stored in every case; the flag is shown on
the item in the program and in the evidence bundle. The checks are heuristics that can
miss a page (a "removed" text in a language not listed here), never a proof.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

__all__ = ["FLAGS", "GONE_STATUSES", "page_state", "state_message_key"]

#: Statuses that mean the content was removed: Not Found, Gone, Unavailable For Legal Reasons.
GONE_STATUSES = (404, 410, 451)
FLAGS = ("ok", "gone", "login", "removed", "error")

_LOGIN_PATH = re.compile(
    r"(^|[/._-])(log-?in|sign-?in|sign_in|signon|logon|auth|oauth2?|sso|session|"
    r"accounts|checkpoint|challenge)([/.?]|$)", re.IGNORECASE)
_REMOVED = (
    "this content isn't available", "this content is not available",
    "this page isn't available", "this page is not available", "page not found",
    "content not found", "post not found", "has been removed", "has been deleted",
    "was deleted", "no longer available", "account suspended",
    "this account doesn't exist", "this account does not exist", "user not found",
    "video unavailable", "this tweet is unavailable", "this post is unavailable",
    "삭제된 게시물", "게시물이 삭제", "삭제되었습니다", "삭제된 글", "존재하지 않는",
    "페이지를 찾을 수 없", "찾을 수 없는 페이지", "게시 중단", "이용할 수 없는 콘텐츠",
    "게시물을 볼 수 없", "접근이 제한된",
)
_SCAN = 3000


def _looks_removed(title: str, text: str) -> str | None:
    hay = f"{title}\n{text[:_SCAN]}".lower()
    for phrase in _REMOVED:
        if phrase in hay:
            return phrase
    return None


def page_state(
    *,
    status: int,
    reason: str,
    requested_url: str,
    final_url: str,
    redirects: int,
    title: str | None,
    text: str | None,
) -> dict[str, Any]:
    """The page's state for the item's metadata (see the module docstring)."""
    out: dict[str, Any] = {"flag": "ok", "status": status, "reason": reason,
                           "final_url": final_url, "evidence": ""}
    if status in GONE_STATUSES:
        out.update(flag="gone", evidence=f"HTTP {status} {reason}".strip())
        return out
    if redirects:
        req, fin = urlsplit(requested_url), urlsplit(final_url)
        path = f"{fin.hostname or ''}{fin.path}"
        if _LOGIN_PATH.search(path) and not _LOGIN_PATH.search(
                f"{req.hostname or ''}{req.path}"):
            out.update(flag="login", evidence=f"redirected to {final_url}")
            return out
    if status >= 400:
        out.update(flag="error", evidence=f"HTTP {status} {reason}".strip())
        return out
    phrase = _looks_removed(title or "", text or "")
    if phrase:
        out.update(flag="removed", evidence=f'the page says "{phrase}"')
    return out


def state_message_key(flag: str, *, gui: bool = False) -> str | None:
    """The catalogue key describing ``flag`` (None for ``ok``); GUI keys are in 해요체."""
    if flag not in FLAGS or flag == "ok":
        return None
    return f"webcapture.{'gui.' if gui else ''}state.{flag}"
