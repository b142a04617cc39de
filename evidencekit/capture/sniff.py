"""Media-type sniffing by content (never by file name) for imported files.

:func:`sniff_path` reads only the head of a file (and, for ZIP archives, the central
directory at the end, within a size cap) and returns a :class:`Sniffed`: the media type,
its usual extension, and a ``detail`` hint for the chat exports support centres receive
(WhatsApp, Telegram Desktop, KakaoTalk). Binary formats come from the ``filetype``
package; text, JSON, HTML, XML/SVG and the chat-export hints are our own checks. Anything
unrecognised is ``application/octet-stream``.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
import struct
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import filetype

__all__ = [
    "HEAD_SIZE",
    "OCTET_STREAM",
    "Sniffed",
    "sniff_bytes",
    "sniff_file",
    "sniff_path",
]

log = logging.getLogger(__name__)

#: How many bytes of a file the sniffer reads (``filetype`` itself looks at 8 KiB).
HEAD_SIZE = 64 * 1024
OCTET_STREAM = "application/octet-stream"
#: A ZIP whose central directory is larger than this is not opened for a chat-export hint.
MAX_ZIP_DIRECTORY = 4 * 1024 * 1024

# Extensions for the types the text checks produce (filetype supplies its own).
_TEXT_EXTENSIONS = {
    "text/plain": "txt",
    "application/json": "json",
    "text/html": "html",
    "application/xml": "xml",
    "image/svg+xml": "svg",
    "text/csv": "csv",
}

# Control characters that may appear in ordinary text files.
_TEXT_CONTROLS = frozenset("\t\n\r\f\v\x1b")


@dataclass(frozen=True)
class Sniffed:
    """What a file's bytes say it is.

    ``extension`` is the conventional extension for the type (no dot) or ``None``;
    ``charset`` is set for text (``utf-8``, ``utf-16``, ``ascii``); ``detail`` is a hint
    such as ``chat-export:whatsapp`` (a hint only: it never changes how bytes are kept).
    """

    media_type: str
    extension: str | None = None
    charset: str | None = None
    detail: str | None = None

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/") and self.media_type != "image/svg+xml"


def sniff_path(path: str | os.PathLike[str]) -> Sniffed:
    """Sniff the file at ``path`` (reads the head only; raises ``OSError`` as ``open``)."""
    with open(path, "rb") as fh:
        return sniff_file(fh)


def sniff_file(fh: BinaryIO) -> Sniffed:
    """Sniff an open binary file positioned anywhere; its position is left at the start.

    Reads at most :data:`HEAD_SIZE` bytes, plus the central directory of a ZIP archive
    when it is small (:data:`MAX_ZIP_DIRECTORY`).
    """
    fh.seek(0)
    head = fh.read(HEAD_SIZE)
    complete = len(head) < HEAD_SIZE or not fh.read(1)
    result = sniff_bytes(head, complete=complete)
    if result.media_type == "application/zip":
        hint = _zip_hint(fh)
        if hint is not None:
            result = Sniffed(result.media_type, result.extension, None, hint)
    fh.seek(0)
    return result


def sniff_bytes(head: bytes, *, complete: bool = False) -> Sniffed:
    """Sniff the first bytes of some content; ``complete`` says ``head`` is all of it."""
    if not head:
        return Sniffed(OCTET_STREAM, None, None, "empty")
    kind = filetype.guess(head)
    if kind is not None and kind.mime != OCTET_STREAM:
        return Sniffed(kind.mime, kind.extension)
    text = _decode_text(head, complete=complete)
    if text is not None:
        charset, decoded = text
        return _classify_text(decoded, charset, complete=complete)
    return Sniffed(OCTET_STREAM)


# --- text -------------------------------------------------------------------------


def _decode_text(head: bytes, *, complete: bool) -> tuple[str, str] | None:
    """``(charset, text)`` if ``head`` looks like text, else ``None``."""
    if head.startswith(codecs.BOM_UTF8):
        return _decode_utf8(head[len(codecs.BOM_UTF8) :], complete=complete)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = head[: len(head) - (len(head) % 2)]
        try:
            decoded = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
        return ("utf-16", decoded) if _no_stray_controls(decoded) else None
    if b"\x00" in head:
        return None
    return _decode_utf8(head, complete=complete)


def _decode_utf8(data: bytes, *, complete: bool) -> tuple[str, str] | None:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        # final=False tolerates a multi-byte character cut at the end of the head.
        decoded = decoder.decode(data, final=complete)
    except UnicodeDecodeError:
        return None
    # A byte below 0x20 is never part of a multi-byte UTF-8 character, so checking the
    # decoded text is checking the bytes.
    if not _no_stray_controls(decoded):
        return None
    return ("ascii" if data.isascii() else "utf-8"), decoded


def _no_stray_controls(text: str) -> bool:
    """True when ``text`` has no control characters besides :data:`_TEXT_CONTROLS`."""
    return not any(ch < "\x20" and ch not in _TEXT_CONTROLS for ch in text)


_HTML_START = re.compile(
    r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
    re.IGNORECASE | re.DOTALL,
)
_HTML_ANYWHERE = re.compile(r"<(html|head|body|meta\s|title>)", re.IGNORECASE)
_XML_START = re.compile(r"^\s*<\?xml\s", re.IGNORECASE)
_SVG = re.compile(r"<svg[\s>]", re.IGNORECASE)
_JSON_START = re.compile(r'^\s*(\{\s*("|\})|\[\s*(\{|\[|"|-?\d|true\b|false\b|null\b|\]))')
_WHATSAPP_LINE = re.compile(
    r"^\[?\d{1,4}[./-]\d{1,2}[./-]\d{1,4},?\s+\d{1,2}:\d{2}(:\d{2})?(\s?[APap]\.?[Mm]\.?)?\]?"
    r"\s*(-\s)?[^:\n]{1,80}:\s",
    re.MULTILINE,
)
_KAKAO_HEADER = re.compile(r"(카카오톡 대화|KakaoTalk Chats? with|저장한 날짜\s*:|Date Saved\s*:)")
_KAKAO_CSV = re.compile(r"^\ufeff?Date,User,Message", re.MULTILINE)


def _classify_text(text: str, charset: str, *, complete: bool) -> Sniffed:
    stripped = text.lstrip("\ufeff")
    start = stripped[:4096]  # structural checks look at the start only (bounded regex work)
    if _XML_START.match(start):
        if _SVG.search(start):
            return _text("image/svg+xml", charset)
        if _HTML_ANYWHERE.search(start) and "xhtml" in start.lower():
            return _text("text/html", charset, _html_detail(stripped))
        return _text("application/xml", charset)
    if _HTML_START.match(start):
        return _text("text/html", charset, _html_detail(stripped))
    if _SVG.match(start.lstrip()):
        return _text("image/svg+xml", charset)
    if _looks_like_json(stripped, complete=complete):
        return _text("application/json", charset, _json_detail(stripped))
    if _KAKAO_CSV.search(stripped[:512]):
        return _text("text/csv", charset, "chat-export:kakaotalk")
    detail = None
    if _KAKAO_HEADER.search(stripped[:2048]):
        detail = "chat-export:kakaotalk"
    elif len(_WHATSAPP_LINE.findall(stripped[:8192])) >= 2:
        detail = "chat-export:whatsapp"
    return _text("text/plain", charset, detail)


def _text(media_type: str, charset: str, detail: str | None = None) -> Sniffed:
    return Sniffed(media_type, _TEXT_EXTENSIONS.get(media_type), charset, detail)


def _looks_like_json(text: str, *, complete: bool) -> bool:
    if complete:
        try:
            value = json.loads(text)
        except ValueError:
            return False
        return isinstance(value, dict | list)
    return _JSON_START.match(text) is not None


def _json_detail(text: str) -> str | None:
    head = text[:4096]
    if '"messages"' in head and re.search(
        r'"type"\s*:\s*"(personal_chat|private_group|private_supergroup|public_supergroup|'
        r'public_channel|private_channel|bot_chat|saved_messages)"',
        head,
    ):
        return "chat-export:telegram"
    if '"about"' in head and '"chats"' in head:
        return "chat-export:telegram"
    return None


def _html_detail(text: str) -> str | None:
    head = text[:8192]
    if "<title>Exported Data</title>" in head and "page_wrap" in head:
        return "chat-export:telegram"
    return None


# --- ZIP ----------------------------------------------------------------------------

_EOCD = b"PK\x05\x06"


def _zip_hint(fh: BinaryIO) -> str | None:
    """A chat-export hint from a ZIP's member names (central directory only), or None."""
    try:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        tail_len = min(size, 22 + 65535)
        fh.seek(size - tail_len)
        tail = fh.read(tail_len)
        at = tail.rfind(_EOCD)
        if at < 0 or at + 22 > len(tail):
            return None
        (cd_size,) = struct.unpack("<I", tail[at + 12 : at + 16])
        if cd_size > MAX_ZIP_DIRECTORY:
            log.debug("zip directory too large for a hint (%d bytes)", cd_size)
            return None
        fh.seek(0)
        with zipfile.ZipFile(fh) as zf:
            names = zf.namelist()
    except (OSError, zipfile.BadZipFile, struct.error, ValueError, EOFError):
        return None
    finally:
        fh.seek(0)
    return _chat_hint_from_names(names)


def _chat_hint_from_names(names: list[str]) -> str | None:
    base = [n.rsplit("/", 1)[-1] for n in names]
    if any(n == "_chat.txt" or n.startswith("WhatsApp Chat") for n in base):
        return "chat-export:whatsapp"
    if any(n in ("result.json", "messages.html") for n in base):
        return "chat-export:telegram"
    if any(n.lower().startswith("kakaotalk") or "카카오톡" in n for n in base):
        return "chat-export:kakaotalk"
    return None

