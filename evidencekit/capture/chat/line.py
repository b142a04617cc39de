"""LINE's text export (``[LINE] Chat history with X``).

Date lines (``2024.08.27 Tuesday``, ``2024/08/27(Tue)``, Korean and Japanese weekday
forms) set the day; message lines are ``HH:MM<TAB>sender<TAB>text`` (hours may exceed 23:
``24:53`` is 00:53 the next day); lines without a leading time continue the previous
message; system lines have an empty sender field. No ids (line numbers stand in) and no
zone (the user's zone is used and recorded).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from pathlib import Path

from evidencekit.capture.chat.context import ParseContext, localize
from evidencekit.capture.chat.textfile import TextLines
from evidencekit.capture.chat.transcript import ChatInfo, Media, Message, utc_text

__all__ = ["detect_line", "parse_line"]

log = logging.getLogger(__name__)

HEADER = re.compile(
    r"^\ufeff?\[LINE\]\s*(?:Chat history with (.*)|(.*?)\s*님과의 대화|(.*?)とのトーク履歴|(.*))$")
SAVED = re.compile(r"^(?:Saved on|저장한 날짜|저장 날짜|保存日時)\s*[:：]\s*(.*)$")
DAY = re.compile(r"^(\d{4})[./-](\d{1,2})[./-](\d{1,2})\s*(?:\(([^)]*)\)|\s+(\S+))?\s*$")
MESSAGE = re.compile(
    r"^(?:(오전|오후|AM|PM|午前|午後)\s*)?(\d{1,2}):(\d{2})(?:\s*([AaPp][Mm]))?\t(.*)$")
_MEDIA = {
    "[Photo]": "photo", "[사진]": "photo", "[写真]": "photo", "[Video]": "video_file",
    "[동영상]": "video_file", "[動画]": "video_file", "[Sticker]": "sticker",
    "[스티커]": "sticker", "[スタンプ]": "sticker", "[File]": "file", "[파일]": "file",
    "[ファイル]": "file", "[Voice message]": "voice_message", "[음성메시지]": "voice_message",
    "[ボイスメッセージ]": "voice_message", "[Albums]": "photo", "[앨범]": "photo",
}


def detect_line(head: str) -> bool:
    lines = head.splitlines()[:300]
    header = bool(lines) and lines[0].lstrip("\ufeff").startswith("[LINE]")
    messages = sum(1 for x in lines if MESSAGE.match(x))
    days = sum(1 for x in lines if DAY.match(x))
    return (header and (messages > 0 or days > 0)) or (messages >= 3 and days >= 1)


def _hour(marker: str | None, hour: int) -> int:
    if marker is None:
        return hour
    pm = marker.lower() in ("pm", "오후", "午後")
    return (hour % 12) + (12 if pm else 0)


def parse_line(ctx: ParseContext, path: Path, rel: str) -> None:
    """Parse one LINE text export into ``ctx``."""
    ctx.variant = "line"
    day: tuple[int, int, int] | None = None
    day_text = ""
    current: Message | None = None
    body: list[str] = []

    def flush() -> None:
        nonlocal current
        if current is not None:
            current.text = "\n".join(body).strip("\n")
            if current.text.strip() in _MEDIA and current.kind == "message":
                current.media = [Media(kind=_MEDIA[current.text.strip()],
                                       gap="text_only_export")]
            ctx.emit(current)
        current = None
        body.clear()

    lines = TextLines(path)
    try:
        for no, line in lines:
            if no <= 4 and current is None:
                h = HEADER.match(line)
                if h and no == 1:
                    name = next((g for g in h.groups() if g), "").strip()
                    ctx.chats.append(ChatInfo(name=name))
                    ctx.export["header"] = line.strip()
                    continue
                s = SAVED.match(line)
                if s:
                    ctx.export["saved"] = s.group(1).strip()
                    continue
            d = DAY.match(line)
            if d:
                flush()
                try:
                    datetime(int(d.group(1)), int(d.group(2)), int(d.group(3)))
                    day = (int(d.group(1)), int(d.group(2)), int(d.group(3)))
                except ValueError:
                    day = None
                day_text = line.strip()
                continue
            m = MESSAGE.match(line)
            if m:
                flush()
                marker = m.group(1) or m.group(4)
                hour, minute = _hour(marker, int(m.group(2))), int(m.group(3))
                fields = m.group(5).split("\t", 1)
                msg = Message(id=str(no))
                msg.time_text = f"{day_text} {line[:m.start(5)].strip()}".strip()
                if day is None or minute > 59:
                    msg.time_flag = "unparsed"
                else:
                    base = datetime(*day)
                    when = localize(base + timedelta(hours=hour, minutes=minute), ctx.zone)
                    ctx.zone_used = True
                    msg.time_utc = utc_text(when)
                if len(fields) == 1 or not fields[0].strip():
                    msg.kind, msg.action = "service", "system"
                    text = fields[-1]
                else:
                    msg.sender = fields[0].strip()
                    text = fields[1]
                current = msg
                body.append(text)
                continue
            if current is not None:
                body.append(line)
            elif line.strip():
                ctx.export.setdefault("preamble", []).append(line[:500])
        flush()
    except OSError as exc:
        ctx.warn("chat.warn.unreadable", rel, reason=exc.strerror or "")
    if lines.odd_lines:
        ctx.warn("chat.warn.mixed_encoding", rel, lines=lines.odd_lines)
    ctx.export["encoding"] = lines.encoding
    if not ctx.chats:
        ctx.chats.append(ChatInfo())
