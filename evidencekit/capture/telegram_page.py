"""Reading Telegram's public web pages (``t.me/NAME/123``, ``t.me/s/NAME``) as they were shown.

:func:`read_telegram_page` takes the fetched HTML and returns what a person saw: the
page's ``og:`` title, description (for a single post: its text) and image, and for the
channel preview (``t.me/s/NAME``) every message shown, with its post reference
(``NAME/123`` from ``data-post``), its text (line breaks kept), its time and the URLs of
its pictures and video posters (from the ``background-image`` styles Telegram uses). The
pictures are then fetched and archived by :mod:`evidencekit.capture.resources`.
Recognised by Telegram's own markup (``tgme_`` classes, ``og:`` tags), so a copy of such a
page on another host (the tests' local server) is read the same way.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

__all__ = ["TelegramPage", "looks_like_telegram", "read_telegram_page"]

log = logging.getLogger(__name__)

_MAX_MESSAGES = 200
_MAX_TEXT = 10_000
_MAX_IMAGES = 50
_BG_URL = re.compile(r"background-image\s*:\s*url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", re.I)
_VOID = {"br", "img", "meta", "link", "input", "hr", "source", "wbr", "area", "base", "col",
         "embed", "param", "track"}


@dataclass
class TelegramPage:
    title: str = ""
    description: str = ""
    image: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def image_urls(self) -> list[str]:
        """Every picture the page showed (og:image first), without repeats, capped."""
        seen: list[str] = []
        for url in ([self.image] if self.image else []) + [
                u for m in self.messages for u in m.get("images", [])]:
            if url not in seen:
                seen.append(url)
        return seen[:_MAX_IMAGES]

    def to_metadata(self) -> dict[str, Any]:
        return {"title": self.title, "text": self.description, "image": self.image,
                "messages": self.messages}


def looks_like_telegram(body: bytes) -> bool:
    """Whether an HTML body uses Telegram's web markup."""
    head = body[:200_000]
    return b"tgme_" in head


class _Parser(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.page = TelegramPage()
        self.stack: list[str] = []
        self.msg: dict[str, Any] | None = None
        self.msg_depth = 0
        self.text_depth = 0
        self.text_parts: list[str] = []

    def _url(self, raw: str) -> str | None:
        url = urljoin(self.base, raw.strip())
        return url if url.startswith(("http://", "https://")) else None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "meta":
            prop = a.get("property") or a.get("name") or ""
            content = a.get("content", "")
            if prop == "og:title":
                self.page.title = content[:_MAX_TEXT]
            elif prop == "og:description":
                self.page.description = content[:_MAX_TEXT]
            elif prop in ("og:image", "twitter:image") and not self.page.image:
                self.page.image = self._url(content)
            return
        if tag not in _VOID:
            self.stack.append(tag)
        if "tgme_widget_message" in classes and a.get("data-post") and self.msg is None \
                and len(self.page.messages) < _MAX_MESSAGES:
            post = a["data-post"]
            channel, _, number = post.rpartition("/")
            self.msg = {"post": post, "channel": channel or None,
                        "message": int(number) if number.isdigit() else None,
                        "text": "", "images": [], "time": None}
            self.msg_depth = len(self.stack)
        if self.msg is None:
            return
        for m in _BG_URL.finditer(a.get("style", "")):
            if any(c.startswith(("tgme_widget_message_photo", "tgme_widget_message_video",
                                 "link_preview")) for c in classes):
                url = self._url(m.group(1))
                if url and url not in self.msg["images"]:
                    self.msg["images"].append(url)
        if tag == "time" and a.get("datetime") and not self.msg["time"]:
            self.msg["time"] = a["datetime"]
        if "tgme_widget_message_text" in classes and not self.text_depth:
            self.text_depth = len(self.stack)
            self.text_parts = []
        if tag == "br" and self.text_depth:
            self.text_parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not self.stack:
            return
        depth = len(self.stack)
        if self.text_depth and depth == self.text_depth and self.msg is not None:
            if not self.msg["text"]:
                self.msg["text"] = "".join(self.text_parts).strip()[:_MAX_TEXT]
            self.text_depth = 0
        if self.msg is not None and depth == self.msg_depth:
            self.page.messages.append(self.msg)
            self.msg = None
        # Tolerate unbalanced markup: pop up to the matching tag when it is open.
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.text_depth:
            self.text_parts.append(data)


def read_telegram_page(body: bytes, base_url: str, charset: str | None = "utf-8"
                       ) -> TelegramPage:
    """What a Telegram web page showed (see the module docstring)."""
    parser = _Parser(base_url)
    try:
        parser.feed(body[:5_000_000].decode(charset or "utf-8", errors="replace"))
        parser.close()
    except (ValueError, AssertionError) as exc:
        log.debug("Telegram page reading stopped: %s", exc)
    if parser.msg is not None:  # a message left open by broken markup
        parser.page.messages.append(parser.msg)
    return parser.page
