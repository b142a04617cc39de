"""Links and handles in text read from a picture: web addresses, Telegram ``t.me/…``
links and ``@handles``. OCR puts spaces and odd characters into addresses now and then;
only well-formed pieces are offered, each once, in the order found."""

from __future__ import annotations

import re

__all__ = ["find_links", "find_handles"]

_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'()\[\]{}|\\^`가-힣]+"
    r"|\b(?:t|telegram)\.me/[A-Za-z0-9_+/-]+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|kr|io|me|tv|co|gg|link|xyz|cc|to)"
    r"/[^\s<>\"'()\[\]{}|\\^`가-힣]*",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@./])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{2,30}[A-Za-z0-9_]))\b")
_TRAIL = ".,;:!?)]}>'\"’”…"


def find_links(text: str) -> list[str]:
    """Web addresses and t.me links, trailing punctuation removed, each once."""
    out: dict[str, None] = {}
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(_TRAIL)
        if url.lower().startswith("www."):
            url = "https://" + url
        if len(url) > 8:
            out.setdefault(url, None)
    return list(out)


def find_handles(text: str) -> list[str]:
    """``@name`` handles (Telegram, X, Instagram style), not e-mail addresses."""
    out: dict[str, None] = {}
    for m in _HANDLE.finditer(text):
        out.setdefault("@" + m.group(1).rstrip("."), None)
    return list(out)
