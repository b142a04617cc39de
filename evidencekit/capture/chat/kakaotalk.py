"""KakaoTalk text exports: Android (Korean, English), iOS, Windows PC and macOS CSV.

None of them carries message ids or a time zone: a message's id is the line number where
it starts, and its wall-clock time is read in the zone the user gave (recorded in the item
and the custody event). Times are minute precision except the macOS CSV (seconds). A
message continues on the following lines until the next dated line. Media appear only as
words (``사진``, ``동영상``, ``파일: name``) and are listed as gaps: the files themselves are
not part of a text export.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from evidencekit.capture.chat.context import ParseContext, localize
from evidencekit.capture.chat.textfile import TextLines
from evidencekit.capture.chat.transcript import ChatInfo, Media, Message, utc_text

__all__ = ["VARIANTS", "detect_kakaotalk", "parse_kakaotalk"]

log = logging.getLogger(__name__)

_AMPM = r"(오전|오후)"
_KO_DATE = r"(\d{4})년 (\d{1,2})월 (\d{1,2})일"
ANDROID_KO = re.compile(rf"^{_KO_DATE} {_AMPM} (\d{{1,2}}):(\d{{2}}), (.*)$")
ANDROID_KO_DAY = re.compile(rf"^{_KO_DATE}(?: {_AMPM} \d{{1,2}}:\d{{2}}| \S+요일)?$")
ANDROID_EN = re.compile(
    r"^(\d{1,2}):(\d{2}) ?([AaPp][Mm]), ([A-Z][a-z]+) (\d{1,2}), (\d{4}),? (.*)$")
ANDROID_EN_ALT = re.compile(
    r"^([A-Z][a-z]+) (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2}) ?([AaPp][Mm]),? (.*)$")
IOS_KO = re.compile(
    rf"^(\d{{4}})\. (\d{{1,2}})\. (\d{{1,2}})\. {_AMPM} (\d{{1,2}}):(\d{{2}})([,:]) (.*)$")
IOS_DAY = re.compile(rf"^{_KO_DATE} \S+요일$")
PC_DAY = re.compile(rf"^-+ {_KO_DATE} (\S+요일) -+$")
PC_LINE = re.compile(rf"^\[(.+?)\] \[{_AMPM} (\d{{1,2}}):(\d{{2}})\] ?(.*)$")
PC_SYSTEM = re.compile(r"^\S.*님[이을가].*(?:습니다|어요|했다)\.?$")
SAVED = re.compile(r"^(?:저장한 날짜|Date Saved)\s*:\s*(.*)$")
ROOM_KO = re.compile(r"^(.*?)\s*(?:님과)? 카카오톡 대화$")
ROOM_EN = re.compile(r"^(?:KakaoTalk Chats with|Talk with|Chat with) (.*)$", re.I)
CSV_HEADER = re.compile(r"^\ufeff?Date,User,Message\s*$")
CSV_ROW = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),")
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"], start=1)}
_MEDIA_WORDS = {
    "사진": "photo", "동영상": "video_file", "음성메시지": "voice_message",
    "이모티콘": "sticker", "Photo": "photo", "Video": "video_file",
    "Voice message": "voice_message", "Emoticons": "sticker", "Emoticon": "sticker",
}
_PHOTOS = re.compile(r"^(?:사진 \d+장|Photos? \d+)$")
_FILE = re.compile(r"^(?:파일|File)\s*:\s*(.+)$")
EXPORTER_NAMES = {"회원님", "you", "You"}
VARIANTS = ("android-ko", "android-en", "ios-ko", "windows-pc", "macos-csv")


def _hour(ampm: str, hour: int) -> int:
    pm = ampm in ("오후", "pm", "PM", "Pm", "pM")
    hour %= 12
    return hour + 12 if pm else hour


def detect_kakaotalk(head: str) -> str | None:
    """The KakaoTalk variant of a text export from its first lines, or None."""
    lines = head.splitlines()[:300]
    if lines and CSV_HEADER.match(lines[0]) and any(CSV_ROW.match(x) for x in lines[1:20]):
        return "macos-csv"
    header = any(SAVED.match(x) or ROOM_KO.match(x) or ROOM_EN.match(x) for x in lines[:6])
    counts = {
        "android-ko": sum(1 for x in lines if ANDROID_KO.match(x)),
        "android-en": sum(1 for x in lines if ANDROID_EN.match(x) or ANDROID_EN_ALT.match(x)),
        "ios-ko": sum(1 for x in lines if IOS_KO.match(x)),
        "windows-pc": sum(1 for x in lines if PC_LINE.match(x) or PC_DAY.match(x)),
    }
    best = max(counts, key=lambda k: counts[k])
    if counts[best] == 0:
        return None
    if header or counts[best] >= 3:
        return best
    return None


@dataclass
class _Open:
    m: Message
    lines: list[str]


def _media_for(text: str) -> list[Media]:
    first = text.strip()
    if first in _MEDIA_WORDS:
        return [Media(kind=_MEDIA_WORDS[first], gap="text_only_export")]
    if _PHOTOS.match(first):
        return [Media(kind="photo", gap="text_only_export")]
    f = _FILE.match(first)
    if f:
        return [Media(kind="file", path=f.group(1).strip(), gap="text_only_export")]
    return []


class _Emitter:
    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.open: _Open | None = None

    def start(self, line_no: int, when: datetime | None, time_text: str, sender: str,
              text: str, system: bool = False) -> None:
        self.flush()
        m = Message(id=str(line_no), kind="service" if system else "message")
        m.time_text = time_text
        if when is None:
            m.time_flag = "unparsed"
        else:
            self.ctx.zone_used = True
            m.time_utc = utc_text(when)
        m.sender = sender.strip()
        if m.sender in EXPORTER_NAMES:
            m.extra["exporter"] = True
        if system:
            m.action = "system"
        self.open = _Open(m, [text])

    def more(self, text: str) -> bool:
        if self.open is None:
            return False
        self.open.lines.append(text)
        return True

    def flush(self) -> None:
        if self.open is None:
            return
        m = self.open.m
        m.text = "\n".join(self.open.lines).rstrip("\n")
        if m.kind == "message":
            m.media = _media_for(m.text)
        self.ctx.emit(m)
        self.open = None


def _when(ctx: ParseContext, y: int, mo: int, d: int, h: int, mi: int, s: int = 0
          ) -> datetime | None:
    try:
        return localize(datetime(y, mo, d, h, mi, s), ctx.zone)
    except ValueError:
        return None


def _split_sender(rest: str) -> tuple[str, str] | None:
    if " : " in rest:
        sender, text = rest.split(" : ", 1)
        return sender, text
    return None


def _start_line(em: _Emitter, no: int, when: datetime | None, time_text: str, rest: str,
                split: tuple[str, str] | None) -> None:
    """A new message, or a system line when no sender could be split off."""
    if split is None:
        em.start(no, when, time_text, "", rest, system=True)
    else:
        em.start(no, when, time_text, split[0], split[1])


def _android_ko(ctx: ParseContext, em: _Emitter, no: int, line: str) -> bool:
    m = ANDROID_KO.match(line)
    if m is None:
        return False
    y, mo, d, ampm, h, mi, rest = m.groups()
    when = _when(ctx, int(y), int(mo), int(d), _hour(ampm, int(h)), int(mi))
    time_text = line[: m.start(7) - 2]
    _start_line(em, no, when, time_text, rest, _split_sender(rest))
    return True


def _android_en(ctx: ParseContext, em: _Emitter, no: int, line: str) -> bool:
    m = ANDROID_EN.match(line)
    if m is not None:
        h, mi, ampm, month, d, y, rest = m.groups()
        start = m.start(7)
    else:
        m = ANDROID_EN_ALT.match(line)
        if m is None:
            return False
        month, d, y, h, mi, ampm, rest = m.groups()
        start = m.start(7)
    mo = _MONTHS.get(month.lower(), 0)
    when = _when(ctx, int(y), mo, int(d), _hour(ampm, int(h)), int(mi)) if mo else None
    time_text = line[:start].rstrip(", ")
    _start_line(em, no, when, time_text, rest, _split_sender(rest))
    return True


def _ios(ctx: ParseContext, em: _Emitter, no: int, line: str) -> bool:
    m = IOS_KO.match(line)
    if m is None:
        return False
    y, mo, d, ampm, h, mi, sep, rest = m.groups()
    when = _when(ctx, int(y), int(mo), int(d), _hour(ampm, int(h)), int(mi))
    time_text = line[: m.start(6) + 2]
    _start_line(em, no, when, time_text, rest, _split_sender(rest) if sep == "," else None)
    return True


def _parse_lines(ctx: ParseContext, path: Path, rel: str, variant: str) -> None:
    em = _Emitter(ctx)
    day: tuple[int, int, int, str] | None = None
    last_when: tuple[datetime | None, str] = (None, "")
    lines = TextLines(path)
    handlers: dict[str, Callable[[ParseContext, _Emitter, int, str], bool]] = {
        "android-ko": _android_ko, "android-en": _android_en, "ios-ko": _ios,
    }
    for no, line in lines:
        if no <= 6 and em.open is None:
            saved = SAVED.match(line)
            room = ROOM_KO.match(line) or ROOM_EN.match(line)
            if saved:
                ctx.export["saved"] = saved.group(1).strip()
                continue
            if room and not ctx.chats:
                ctx.chats.append(ChatInfo(name=room.group(1).strip(), type="", id=""))
                ctx.export["header"] = line.strip()
                continue
        if variant == "windows-pc":
            dm = PC_DAY.match(line)
            if dm:
                em.flush()
                day = (int(dm.group(1)), int(dm.group(2)), int(dm.group(3)), dm.group(4))
                continue
            pm = PC_LINE.match(line)
            if pm:
                sender, ampm, h, mi, text = pm.groups()
                time_text = f"{ampm} {h}:{mi}"
                when = None
                if day is not None:
                    time_text = f"{day[0]}년 {day[1]}월 {day[2]}일 {day[3]} {time_text}"
                    when = _when(ctx, day[0], day[1], day[2], _hour(ampm, int(h)), int(mi))
                em.start(no, when, time_text, sender, text)
                last_when = (when, time_text)
                continue
            if PC_SYSTEM.match(line) and line.strip():
                em.start(no, last_when[0], last_when[1], "", line, system=True)
                if em.open is not None:
                    em.open.m.extra["time_from_previous_line"] = True
                em.flush()
                continue
        else:
            if handlers[variant](ctx, em, no, line):
                continue
            if (ANDROID_KO_DAY.match(line) or IOS_DAY.match(line)) and not em.open:
                continue
            if ANDROID_KO_DAY.match(line) or IOS_DAY.match(line):
                em.flush()
                continue
        if not em.more(line) and line.strip():
            ctx.export.setdefault("preamble", []).append(line[:500])
    em.flush()
    if lines.odd_lines:
        ctx.warn("chat.warn.mixed_encoding", rel, lines=lines.odd_lines)
    ctx.export["encoding"] = lines.encoding


def _parse_csv(ctx: ParseContext, path: Path, rel: str) -> None:
    # csv needs whole records; it is fed line by line, keeping each record's first line
    stream = _CsvFeed(TextLines(path))
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None or [h.strip().lstrip("\ufeff") for h in header[:3]] != [
            "Date", "User", "Message"]:
        ctx.warn("chat.warn.csv_header", rel)
    for row in reader:
        start = stream.record_start
        if not row:
            continue
        date = row[0] if row else ""
        sender = row[1] if len(row) > 1 else ""
        text = ",".join(row[2:]) if len(row) > 2 else ""
        m = Message(id=str(start))
        m.time_text = date
        try:
            when = localize(datetime.strptime(date.strip(), "%Y-%m-%d %H:%M:%S"), ctx.zone)
            ctx.zone_used = True
            m.time_utc = utc_text(when)
        except ValueError:
            m.time_flag = "unparsed"
        m.sender = sender
        m.text = text
        m.media = _media_for(text)
        if not sender:
            m.kind, m.action = "service", "system"
        ctx.emit(m)
    ctx.export["encoding"] = stream.lines.encoding
    if stream.lines.odd_lines:
        ctx.warn("chat.warn.mixed_encoding", rel, lines=stream.lines.odd_lines)


class _CsvFeed:
    """Lines for :mod:`csv` that remember where the current record began."""

    def __init__(self, lines: TextLines) -> None:
        self.lines = lines
        self._it = iter(lines)
        self.record_start = 0
        self._in_quotes = False

    def __iter__(self) -> _CsvFeed:
        return self

    def __next__(self) -> str:
        no, text = next(self._it)
        if not self._in_quotes:
            self.record_start = no
        if text.count('"') % 2 == 1:
            self._in_quotes = not self._in_quotes
        return text + "\n"


def parse_kakaotalk(ctx: ParseContext, path: Path, rel: str, variant: str) -> None:
    """Parse one KakaoTalk export file of ``variant`` into ``ctx``."""
    ctx.variant = f"kakaotalk-{variant}"
    try:
        if variant == "macos-csv":
            _parse_csv(ctx, path, rel)
        else:
            _parse_lines(ctx, path, rel, variant)
    except OSError as exc:
        ctx.warn("chat.warn.unreadable", rel, reason=exc.strerror or "")
    except csv.Error:
        ctx.warn("chat.warn.csv_broken", rel)
    if not ctx.chats:
        ctx.chats.append(ChatInfo())
