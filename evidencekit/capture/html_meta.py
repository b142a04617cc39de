"""Reading a fetched HTML page without a browser: its character set and its <title>."""

from __future__ import annotations

import codecs
import logging
import re
from html.parser import HTMLParser

__all__ = ["detect_charset", "extract_title"]

log = logging.getLogger(__name__)

_TITLE_SCAN = 512 * 1024
_MAX_TITLE = 500


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
