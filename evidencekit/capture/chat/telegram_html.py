"""Telegram Desktop's HTML export (``messages.html``, ``messages2.html``, …).

Read with :mod:`html.parser` fed in chunks, one message ``div`` at a time. The time is the
``title`` of ``div.pull_right.date.details`` (``23.05.2023 05:54:24 UTC+09:00``; older
exports have no offset, then the user's zone is used and recorded). A ``joined`` message
continues the previous sender, also across files.
"""

from __future__ import annotations

import codecs
import logging
import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

from evidencekit.capture.chat.context import ParseContext, localize
from evidencekit.capture.chat.transcript import ChatInfo, Media, Message, utc_text

__all__ = ["parse_telegram_html", "head_looks_like_telegram_html", "html_file_order"]

log = logging.getLogger(__name__)

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "param", "source", "track", "wbr"}
_TITLE = re.compile(
    r"(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:\s*UTC\s*([+-])(\d{1,2}):?(\d{2}))?")
_GOTO = re.compile(r"(?:GoToMessage\(|go_to_message)(-?\d+)")
_MEDIA_KINDS = (
    ("photo_wrap", "photo"), ("media_photo", "photo"), ("video_file_wrap", "video_file"),
    ("media_video", "video_file"), ("video_message_wrap", "video_message"),
    ("media_voice_message", "voice_message"), ("media_audio_file", "audio_file"),
    ("sticker_wrap", "sticker"), ("media_sticker", "sticker"), ("animated_wrap", "animation"),
    ("media_animation", "animation"), ("media_file", "file"),
)
_NUMBERED = re.compile(r"^messages(\d*)\.html$")


def html_file_order(name: str) -> int | None:
    """1 for ``messages.html``, n for ``messagesN.html``, None for other names."""
    m = _NUMBERED.match(name)
    if m is None:
        return None
    return int(m.group(1)) if m.group(1) else 1


class _Sniffer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.classes: set[str] = set()
        self.message_ids = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.classes.update((a.get("class") or "").split())
        if tag == "div" and (a.get("id") or "").startswith("message"):
            self.message_ids += 1


def head_looks_like_telegram_html(head: bytes) -> bool:
    """True when the first bytes of an HTML file have Telegram's export structure."""
    sniffer = _Sniffer()
    try:
        sniffer.feed(head.decode("utf-8", errors="replace"))
    except (ValueError, AssertionError):
        return False
    c = sniffer.classes
    return "page_wrap" in c and "history" in c and ("message" in c or sniffer.message_ids > 0)


def _kind_of(classes: set[str]) -> str | None:
    for token, kind in _MEDIA_KINDS:
        if token in classes:
            return kind
    return None


class _Parser(HTMLParser):
    def __init__(self, ctx: ParseContext, rel: str, state: dict[str, str]) -> None:
        super().__init__(convert_charrefs=True)
        self.ctx = ctx
        self.rel = rel
        self.state = state  # the last sender, carried from file to file
        self.stack: list[tuple[str, str]] = []  # (tag, role)
        self.msg: Message | None = None
        self.depth = 0  # stack depth of the message div
        self.buf: dict[str, list[str]] = {}
        self.media_refs: list[Media] = []
        self.media_kind: str | None = None
        self.media_text: list[str] = []
        self.header_name: list[str] = []
        self._media_found = False

    # -- helpers -------------------------------------------------------------------------
    def _in(self, role: str) -> bool:
        return any(r == role for _t, r in self.stack)

    def _start_message(self, attrs: dict[str, str], classes: set[str]) -> None:
        raw_id = attrs.get("id", "")[len("message"):]
        kind = "service" if "service" in classes else "message"
        self.msg = Message(id=raw_id or "?", kind=kind)
        if "joined" in classes:
            self.msg.sender = self.state.get("sender", "")
        self.buf = {}
        self.media_refs = []
        self.depth = len(self.stack)

    def _finish_message(self) -> None:
        m = self.msg
        self.msg = None
        if m is None:
            return
        if m.kind == "service" and m.id.startswith("-"):
            return  # a date separator, not a message
        m.text = "".join(self.buf.get("text", [])).strip()
        if m.kind == "service":
            m.text = " ".join("".join(self.buf.get("service", [])).split())
            m.action = "service"
        sender = " ".join("".join(self.buf.get("from", [])).split())
        if sender:
            m.sender = sender
        if m.kind == "message" and m.sender:
            self.state["sender"] = m.sender
        fwd = " ".join("".join(self.buf.get("fwd_from", [])).split())
        if fwd:
            m.forwarded_from = fwd
        m.media = self.media_refs
        if not m.time_text:
            m.time_flag = "unparsed" if m.kind == "message" else None
        self.ctx.emit(m)

    def _time(self, title: str) -> None:
        m = self.msg
        if m is None:
            return
        lines = [ln.strip() for ln in title.splitlines() if ln.strip()]
        first = lines[0] if lines else ""
        m.time_text = first
        when = self._parse_time(first)
        if when is None:
            m.time_flag = "unparsed"
        else:
            m.time_utc = utc_text(when)
        for line in lines[1:]:
            if line.lower().startswith("edited"):
                text = line.split(":", 1)[1].strip() if ":" in line else line
                m.edited_text = text
                edited = self._parse_time(text)
                if edited is not None:
                    m.edited_utc = utc_text(edited)

    def _parse_time(self, text: str) -> datetime | None:
        t = _TITLE.search(text)
        if t is None:
            return None
        try:
            dt = datetime(int(t.group(3)), int(t.group(2)), int(t.group(1)), int(t.group(4)),
                          int(t.group(5)), int(t.group(6) or 0))
        except ValueError:
            return None
        if t.group(7):
            sign = 1 if t.group(7) == "+" else -1
            offset = timedelta(hours=int(t.group(8)), minutes=int(t.group(9)))
            return dt.replace(tzinfo=timezone(sign * offset))
        self.ctx.zone_used = True
        if self.msg is not None:
            self.msg.extra["time_zone_assumed"] = self.ctx.zone_name
        return localize(dt, self.ctx.zone)

    # -- parser callbacks ----------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        classes = set(attrs.get("class", "").split())
        if tag == "br":
            self._data("\n")
            return
        if tag in _VOID:
            return
        role = ""
        if tag == "div" and "message" in classes and attrs.get("id", "").startswith("message"):
            if self.msg is not None:
                self._finish_message()
            self._start_message(attrs, classes)
            role = "message"
        elif self.msg is None:
            if tag == "div" and "page_header" in classes:
                role = "header"
            elif self._in("header") and tag == "div" and "text" in classes:
                role = "header_name"
        elif tag == "div" and "date" in classes and "details" in classes and "title" in attrs:
            self._time(attrs["title"])
            role = "skip"
        elif tag == "div" and "forwarded" in classes:
            role = "fwd"
        elif tag == "div" and "from_name" in classes:
            role = "fwd_from" if self._in("fwd") else "from"
        elif tag == "span" and "details" in classes and self._in("fwd_from"):
            role = "skip"
        elif tag == "div" and "reply_to" in classes:
            role = "reply"
        elif tag == "div" and "media_wrap" in classes:
            role = "media"
            self.media_kind = None
            self.media_text = []
            self._media_found = False
        elif tag == "div" and "text" in classes and not self._in("media"):
            role = "text"
        elif tag == "div" and self.msg.kind == "service" and "body" in classes:
            role = "service"
        elif tag == "a":
            self._link(attrs, classes)
            role = "a"
        elif self._in("media"):
            kind = _kind_of(classes)
            if kind is not None:
                self.media_kind = kind
            if "status" in classes:
                role = "media_status"
        self.stack.append((tag, role))

    def _link(self, attrs: dict[str, str], classes: set[str]) -> None:
        assert self.msg is not None
        href = attrs.get("href", "")
        if self._in("reply"):
            found = _GOTO.search(attrs.get("onclick", "") + " " + href)
            if found:
                self.msg.reply_to = found.group(1)
            return
        if self._in("media"):
            kind = _kind_of(classes) or self.media_kind or "file"
            if href and not href.startswith(("http://", "https://", "#", "javascript:",
                                             "tg://", "mailto:")):
                self.media_refs.append(self.ctx.media(kind, href, self.rel))
                self._media_found = True
            return
        if self._in("text") and href:
            entity_type = "link" if href.startswith(("http://", "https://")) else "text_link"
            if href.startswith("mailto:"):
                entity_type = "email"
            self.msg.entities.append({"type": entity_type, "text": "", "href": href})

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        # pop to the matching tag (tolerating unclosed inner tags)
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                popped = self.stack[i:]
                del self.stack[i:]
                for _t, role in reversed(popped):
                    self._closed(role)
                return

    def _closed(self, role: str) -> None:
        if role == "message":
            self._finish_message()
        elif role == "header_name" and not self.ctx.chats:
            name = " ".join("".join(self.header_name).split())
            self.ctx.chats.append(ChatInfo(name=name, type="", id=""))
        elif role == "media" and self.msg is not None and not self._media_found:
            status = " ".join(" ".join(self.media_text).split())
            kind = self.media_kind
            if kind is not None:
                self.media_refs.append(Media(kind=kind, gap=status or "no_file"))
        elif role == "a" and self.msg is not None and self._in("text") and self.msg.entities:
            last = self.msg.entities[-1]
            if not last.get("text"):
                last["text"] = "".join(self.buf.get("_a", [])).strip()
            self.buf["_a"] = []

    def _data(self, data: str) -> None:
        if self.msg is None:
            if self._in("header_name"):
                self.header_name.append(data)
            return
        if self._in("skip"):
            return
        if self._in("media_status"):
            self.media_text.append(data)
        elif self._in("fwd_from"):
            self.buf.setdefault("fwd_from", []).append(data)
        elif self._in("from"):
            self.buf.setdefault("from", []).append(data)
        elif self._in("text"):
            self.buf.setdefault("text", []).append(data)
            if self._in("a"):
                self.buf.setdefault("_a", []).append(data)
        elif self._in("service"):
            self.buf.setdefault("service", []).append(data)

    def handle_data(self, data: str) -> None:
        self._data(data.replace("\r", "").strip("\n") if not self._in("text") else data)


def parse_telegram_html(ctx: ParseContext, files: list[tuple[Path, str]]) -> None:
    """Parse the ``messages*.html`` files (in export order) into ``ctx``."""
    ctx.variant = "telegram-html"
    state: dict[str, str] = {}
    for path, rel in files:
        parser = _Parser(ctx, rel, state)
        bad = False
        try:
            decoder = codecs.getincrementaldecoder("utf-8")("strict")
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 16):
                    try:
                        text = decoder.decode(chunk)
                    except UnicodeDecodeError:
                        bad = True
                        decoder = codecs.getincrementaldecoder("utf-8")("replace")
                        text = decoder.decode(chunk)
                    parser.feed(text)
                parser.feed(decoder.decode(b"", final=True))
            parser.close()
            if parser.msg is not None:
                parser._finish_message()
        except OSError as exc:
            ctx.warn("chat.warn.unreadable", rel, reason=exc.strerror or "")
        except (ValueError, AssertionError):
            ctx.warn("chat.warn.html_broken", rel)
        if bad:
            ctx.warn("chat.warn.bad_encoding", rel)
    if not ctx.chats:
        ctx.chats.append(ChatInfo())
