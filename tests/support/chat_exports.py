"""Generators of realistic chat exports for the chat tests and the benchmark, written from
the format description in docs (Telegram Desktop JSON and HTML, KakaoTalk's five text
variants, LINE): Korean senders and text, emoji, links, @handles, replies, forwards,
service messages, photos, a video, a voice message and placeholders for missing files.

Each generator returns an :class:`Expected` listing what a correct parser must find.
"""

from __future__ import annotations

import html
import io
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
START = datetime(2024, 8, 27, 15, 15, 2, tzinfo=KST)
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"

SENDERS = [("김민수", "user1000001"), ("이지은 🌸", "user1000002"), ("박서준", "user1000003"),
           ("관리자봇", "user1000004")]
TEXTS = [
    "안녕하세요, 여기 방 맞나요?",
    "이 링크 보세요 https://example.com/gallery/123 🔥",
    "@deepfake_admin 새 자료 올렸어요",
    "ㅋㅋㅋ 😂😂 대박",
    "텔레그램 t.me/secret_room_kr 으로 들어오세요",
    "사진 지워 주세요. 제발요 🙏",
    "이거 누가 만든 거예요?\n두 번째 줄도 있어요",
    "I saw it on www.example.org/post?id=7 too",
]


@dataclass
class ExpectedMessage:
    id: str
    utc: str | None
    sender: str
    text: str
    kind: str = "message"
    media: list[str] = field(default_factory=list)  # relative paths of present media
    gaps: int = 0


@dataclass
class Expected:
    messages: list[ExpectedMessage] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # every file of the export
    chat_name: str = ""

    def by_id(self) -> dict[str, ExpectedMessage]:
        return {m.id: m for m in self.messages}


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


def jpeg_bytes(seed: int, size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    img = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return buf.getvalue()


def video_bytes() -> bytes:
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(2048)


def voice_bytes() -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13OpusHead" + os.urandom(1024)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- Telegram JSON ---------------------------------------------------------------------


def _tg_text(text: str) -> tuple[object, list[dict[str, str]]]:
    """tdesktop's ``text`` (string or mixed array) and ``text_entities``."""
    import re

    pieces: list[object] = []
    entities: list[dict[str, str]] = []
    pos = 0
    for m in re.finditer(r"https?://\S+|@\w{4,}", text):
        if m.start() > pos:
            pieces.append(text[pos:m.start()])
            entities.append({"type": "plain", "text": text[pos:m.start()]})
        kind = "link" if m.group(0).startswith("http") else "mention"
        pieces.append({"type": kind, "text": m.group(0)})
        entities.append({"type": kind, "text": m.group(0)})
        pos = m.end()
    if pos < len(text):
        pieces.append(text[pos:])
        entities.append({"type": "plain", "text": text[pos:]})
    if len(pieces) == 1 and isinstance(pieces[0], str):
        return pieces[0], entities
    return pieces, entities


def telegram_messages(n: int, *, photos: int = 3, photo_bytes: bytes | None = None,
                      folder: Path | None = None, expected: Expected | None = None,
                      start_id: int = 1) -> list[dict[str, object]]:
    """``n`` tdesktop message objects; media files are written under ``folder``."""
    out: list[dict[str, object]] = []
    photo_every = max(1, n // photos) if photos else 0
    made_photos = 0
    for i in range(n):
        mid = start_id + i
        when = START + timedelta(seconds=37 * i)
        sender, sender_id = SENDERS[i % len(SENDERS)]
        msg: dict[str, object] = {
            "id": mid, "type": "message", "date": when.strftime("%Y-%m-%dT%H:%M:%S"),
            "date_unixtime": str(int(when.timestamp())),
        }
        em = ExpectedMessage(str(mid), _utc(when), sender, "")
        if i % 50 == 7:
            msg.update({"type": "service", "actor": sender, "actor_id": sender_id,
                        "action": "invite_members", "members": ["최유나"], "text": "",
                        "text_entities": []})
            em.kind = "service"
            out.append(msg)
            if expected is not None:
                expected.messages.append(em)
            continue
        text = TEXTS[i % len(TEXTS)]
        msg["from"], msg["from_id"] = sender, sender_id
        msg["text"], msg["text_entities"] = _tg_text(text)
        em.text = text
        if i % 10 == 3 and mid > start_id:
            msg["reply_to_message_id"] = mid - 1
        if i % 13 == 5:
            msg["forwarded_from"] = "딥페이크 공유방 📢"
        if i % 17 == 2:
            edited = when + timedelta(minutes=3)
            msg["edited"] = edited.strftime("%Y-%m-%dT%H:%M:%S")
            msg["edited_unixtime"] = str(int(edited.timestamp()))
        if photo_every and i % photo_every == 1 and made_photos < photos:
            rel = f"photos/photo_{made_photos + 1}@{when.strftime('%d-%m-%Y_%H-%M-%S')}.jpg"
            if folder is not None:
                data = photo_bytes if photo_bytes is not None else jpeg_bytes(made_photos)
                p = _write(folder / rel, data)
                if expected is not None:
                    expected.files.append(p)
            msg.update({"photo": rel, "width": 64, "height": 48})
            em.media.append(rel)
            made_photos += 1
        out.append(msg)
        if expected is not None:
            expected.messages.append(em)
    return out


def telegram_json_export(folder: Path, n: int = 60, *, photos: int = 3,
                         name: str = "피해 대화방 🚨", extra_media: bool = True) -> Expected:
    """A single-chat ``result.json`` export with photos, a video, a voice message, a
    missing photo (placeholder) and a file the JSON names but the folder lacks."""
    folder.mkdir(parents=True, exist_ok=True)
    exp = Expected(chat_name=name)
    messages = telegram_messages(n, photos=photos, folder=folder, expected=exp)
    if extra_media:
        base = START + timedelta(hours=2)
        extra: list[tuple[dict[str, object], ExpectedMessage]] = []
        nid = n + 1
        video = "video_files/video_1@27-08-2024_17-15-02.mp4"
        thumb = video + "_thumb.jpg"
        exp.files.append(_write(folder / video, video_bytes()))
        exp.files.append(_write(folder / thumb, jpeg_bytes(99)))
        voice = "voice_messages/audio_1@27-08-2024_17-16-02.ogg"
        exp.files.append(_write(folder / voice, voice_bytes()))
        specs: list[tuple[dict[str, object], list[str], int]] = [
            ({"file": video, "thumbnail": thumb, "media_type": "video_file",
              "mime_type": "video/mp4", "duration_seconds": 3, "width": 320, "height": 240},
             [video, thumb], 0),
            ({"file": voice, "media_type": "voice_message", "mime_type": "audio/ogg",
              "duration_seconds": 5}, [voice], 0),
            ({"photo": NOT_INCLUDED, "width": 800, "height": 600}, [], 1),
            ({"file": "(File exceeds maximum size. Change data exporting settings to "
                      "download.)", "media_type": "video_file", "mime_type": "video/mp4"},
             [], 1),
            ({"photo": "photos/photo_404@27-08-2024_17-19-02.jpg"}, [], 1),
        ]
        for k, (fields, paths, gaps) in enumerate(specs):
            when = base + timedelta(minutes=k)
            msg: dict[str, object] = {
                "id": nid, "type": "message", "date": when.strftime("%Y-%m-%dT%H:%M:%S"),
                "date_unixtime": str(int(when.timestamp())), "from": "박서준",
                "from_id": "user1000003", "text": "", "text_entities": [], **fields}
            extra.append((msg, ExpectedMessage(str(nid), _utc(when), "박서준", "",
                                               media=paths, gaps=gaps)))
            nid += 1
        for msg, em in extra:
            messages.append(msg)
            exp.messages.append(em)
    doc = {"name": name, "type": "private_supergroup", "id": 1987654321,
           "messages": messages}
    exp.files.append(_write(folder / "result.json",
                            json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")))
    return exp


def telegram_account_export(folder: Path) -> Expected:
    """A whole-account export with two chats (ids repeat across chats)."""
    folder.mkdir(parents=True, exist_ok=True)
    exp = Expected(chat_name="")
    chats = []
    for pos, (name, ctype) in enumerate([("김민수", "personal_chat"),
                                         ("나쁜 방 🔞", "private_group")]):
        sub = Expected()
        msgs = telegram_messages(12, photos=1, folder=folder, expected=sub)
        for m in sub.messages:
            m.id = f"{pos}:{m.id}"
        exp.messages += sub.messages
        exp.files += sub.files
        chats.append({"name": name, "type": ctype, "id": 4000 + pos, "messages": msgs})
    doc = {"about": "Here is the data you requested. Remember: Telegram is ad free...",
           "personal_information": {"user_id": 1000002, "first_name": "지은",
                                    "last_name": "이", "phone_number": "+82 10 0000 0000",
                                    "bio": ""},
           "contacts": {"about": "contacts", "list": []},
           "chats": {"about": "chats", "list": chats},
           "left_chats": {"about": "left", "list": []}}
    exp.files.append(_write(folder / "result.json",
                            json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")))
    return exp


# -- Telegram HTML ---------------------------------------------------------------------

_HTML_HEAD = """<!DOCTYPE html>
<html>
 <head>
  <meta charset="utf-8"/>
<title>Exported Data</title>
  <meta content="width=device-width, initial-scale=1.0" name="viewport"/>
  <link href="css/style.css" rel="stylesheet"/>
  <script src="js/script.js" type="text/javascript"></script>
 </head>
 <body onload="CheckLocation();">
  <div class="page_wrap">
   <div class="page_header">
    <div class="content">
     <div class="text bold">
{name}
     </div>
    </div>
   </div>
   <div class="page_body chat_page">
    <div class="history">
"""
_HTML_TAIL = """    </div>
   </div>
  </div>
 </body>
</html>
"""


def _html_text(text: str) -> str:
    import re

    out = []
    pos = 0
    for m in re.finditer(r"https?://\S+", text):
        out.append(html.escape(text[pos:m.start()]))
        url = m.group(0)
        out.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def _title(dt: datetime) -> str:
    off = dt.utcoffset() or timedelta(0)
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return dt.strftime("%d.%m.%Y %H:%M:%S") + f" UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def telegram_html_export(folder: Path, n: int = 1500, *, name: str = "나쁜 방 🔞",
                         offset: bool = True) -> Expected:
    """``messages.html`` + ``messages2.html`` (1,000 messages per file), css/js/images and
    media folders, joined messages, replies, forwards, service lines and gaps."""
    folder.mkdir(parents=True, exist_ok=True)
    exp = Expected(chat_name=name)
    for rel, data in (("css/style.css", b"body{margin:0}"), ("js/script.js", b"function "
                      b"CheckLocation(){}"), ("images/back.png", b"\x89PNG\r\n\x1a\n" + b"0" * 40)):
        exp.files.append(_write(folder / rel, data))
    pages: list[list[str]] = [[]]
    previous = None
    for i in range(n):
        if len(pages[-1]) >= 1000:
            pages.append([])
            previous = None
        mid = 100 + i
        when = START + timedelta(seconds=61 * i)
        title = _title(when) if offset else when.strftime("%d.%m.%Y %H:%M:%S")
        sender, _sid = SENDERS[(i // 2) % len(SENDERS)]
        em = ExpectedMessage(str(mid), _utc(when), sender, "")
        if i % 100 == 0:
            pages[-1].append(f'<div class="message service" id="message-{i + 1}">'
                             f'<div class="body details">{when.day} August 2024</div></div>')
        if i % 97 == 50:
            text = f"{sender}님이 최유나님을 초대했습니다"
            pages[-1].append(f'<div class="message service" id="message{mid}">'
                             f'<div class="body details">{html.escape(text)}</div></div>')
            em.kind, em.text, em.sender, em.utc = "service", text, "", None
            exp.messages.append(em)
            previous = None
            continue
        joined = previous == sender
        parts = [f'<div class="message default clearfix{" joined" if joined else ""}" '
                 f'id="message{mid}">']
        if not joined:
            parts.append('<div class="pull_left userpic_wrap"><div class="userpic userpic2" '
                         'style="width: 42px; height: 42px"><div class="initials" '
                         f'style="line-height: 42px">{html.escape(sender[0])}</div></div></div>')
        parts.append('<div class="body">')
        parts.append(f'<div class="pull_right date details" title="{title}">'
                     f'{when.strftime("%H:%M")}</div>')
        if not joined:
            parts.append(f'<div class="from_name">\n{html.escape(sender)}\n</div>')
        if i % 10 == 3:
            parts.append('<div class="reply_to details">In reply to <a href="#go_to_message'
                         f'{mid - 1}" onclick="return GoToMessage({mid - 1})">this message</a>'
                         '</div>')
        text = TEXTS[i % len(TEXTS)]
        if i % 13 == 5:
            parts.append('<div class="forwarded body"><div class="from_name">딥페이크 공유방 📢'
                         f'<span class="details"> {when.strftime("%d.%m.%Y %H:%M:%S")}</span>'
                         f'</div><div class="text">{_html_text(text)}</div></div>')
        else:
            if i % 250 == 9:
                rel = f"photos/photo_{i}@27-08-2024.jpg"
                exp.files.append(_write(folder / rel, jpeg_bytes(i)))
                parts.append('<div class="media_wrap clearfix"><a class="photo_wrap clearfix '
                             f'pull_left" href="{rel}"><img class="photo" src="{rel}" '
                             'style="width: 64px; height: 48px"/></a></div>')
                em.media.append(rel)
            elif i % 250 == 11:
                rel = f"video_files/video_{i}.mp4"
                exp.files.append(_write(folder / rel, video_bytes()))
                parts.append('<div class="media_wrap clearfix"><a class="video_file_wrap '
                             f'clearfix pull_left" href="{rel}"><div class="video_play_bg">'
                             '</div></a></div>')
                em.media.append(rel)
            elif i % 250 == 13:
                rel = f"voice_messages/audio_{i}.ogg"
                exp.files.append(_write(folder / rel, voice_bytes()))
                parts.append('<div class="media_wrap clearfix"><a class="media clearfix '
                             f'pull_left block_link media_voice_message" href="{rel}">'
                             '<div class="fill pull_left"></div><div class="body"><div '
                             'class="title bold">Voice message</div><div class="status '
                             'details">00:05, 10.1 KB</div></div></a></div>')
                em.media.append(rel)
            elif i % 250 == 15:
                parts.append('<div class="media_wrap clearfix"><div class="media clearfix '
                             'pull_left media_photo"><div class="fill pull_left"></div><div '
                             'class="body"><div class="title bold">Photo</div><div class='
                             '"status details">Not included, change data exporting settings '
                             'to download.</div></div></div></div>')
                em.gaps = 1
            parts.append(f'<div class="text">\n{_html_text(text)}\n</div>')
        parts.append("</div></div>")
        em.text = text
        pages[-1].append("\n".join(parts))
        exp.messages.append(em)
        previous = sender
    for k, page in enumerate(pages):
        fname = "messages.html" if k == 0 else f"messages{k + 1}.html"
        body = _HTML_HEAD.format(name=html.escape(name)) + "\n".join(page) + _HTML_TAIL
        exp.files.append(_write(folder / fname, body.encode("utf-8")))
    return exp


# -- KakaoTalk ---------------------------------------------------------------------------

KAKAO_LINES = [
    ("김민수", "안녕하세요 😀"),
    ("회원님", "누구세요? 이 사진 어디서 났어요"),
    ("김민수", "https://open.kakao.com/o/gAbCdEf 여기로 오세요"),
    ("박서준", "사진"),
    ("김민수", "여러 줄\n두 번째 줄\n세 번째 줄 🔥"),
    ("회원님", "동영상"),
    ("박서준", "파일: 증거_목록.pdf"),
    (None, "김민수님이 박서준님을 초대했습니다."),
]


def _ampm(dt: datetime) -> tuple[str, int]:
    h = dt.hour % 12 or 12
    return ("오후" if dt.hour >= 12 else "오전"), h


def _kakao_times(count: int) -> list[datetime]:
    base = datetime(2024, 8, 27, 11, 58, tzinfo=KST)
    return [base + timedelta(minutes=17 * i) for i in range(count)]


def _save(path: Path, text: str, encoding: str, bom: bool) -> Path:
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    return _write(path, data)


def kakaotalk_export(path: Path, variant: str, *, encoding: str = "utf-8", bom: bool = False,
                     repeat: int = 2) -> Expected:
    """One KakaoTalk text export of ``variant`` (android-ko, android-en, ios-ko,
    windows-pc, macos-csv), in ``encoding`` with or without a UTF-8 BOM."""
    exp = Expected(chat_name="김민수")
    lines_spec = KAKAO_LINES * repeat
    if encoding != "utf-8":  # CP949 has no emoji: the old PC exports had none either
        lines_spec = [(s if s is None else s.encode(encoding, "ignore").decode(encoding),
                       t.encode(encoding, "ignore").decode(encoding).replace(" \n", "\n"))
                      for s, t in lines_spec]
    times = _kakao_times(len(lines_spec))
    out: list[str] = []
    saved = datetime(2024, 8, 28, 9, 5, 2, tzinfo=KST)
    if variant == "android-ko":
        a, h = _ampm(saved)
        out += ["김민수 님과 카카오톡 대화",
                f"저장한 날짜 : {saved.year}년 {saved.month}월 {saved.day}일 {a} {h}:"
                f"{saved.minute:02d}", ""]
    elif variant == "android-en":
        out += ["KakaoTalk Chats with 김민수",
                f"Date Saved : {saved.strftime('%-I:%M%p').lower()}, August 28, 2024", ""]
    elif variant == "ios-ko":
        a, h = _ampm(saved)
        out += ["김민수 님과 카카오톡 대화",
                f"저장한 날짜 : 2024. 8. 28. {a} {h}:{saved.minute:02d}", ""]
    elif variant == "windows-pc":
        out += ["김민수 님과 카카오톡 대화", "저장한 날짜 : 2024-08-28 09:05:02", ""]
    elif variant == "macos-csv":
        out += ["Date,User,Message"]
    day = None
    weekday = "월화수목금토일"
    previous_utc: str | None = None
    for (sender, text), when in zip(lines_spec, times, strict=True):
        a, h = _ampm(when)
        if when.date() != day:
            day = when.date()
            if variant == "windows-pc":
                out.append(f"--------------- {day.year}년 {day.month}월 {day.day}일 "
                           f"{weekday[day.weekday()]}요일 ---------------")
            elif variant in ("ios-ko", "android-ko"):
                out.append(f"{day.year}년 {day.month}월 {day.day}일 "
                           f"{weekday[day.weekday()]}요일")
        line_no = len(out) + 1
        who = sender
        if variant == "android-en" and sender == "회원님":
            who = "you"
        if variant == "android-ko":
            stamp = f"{when.year}년 {when.month}월 {when.day}일 {a} {h}:{when.minute:02d}"
            line = f"{stamp}, {who} : {text}" if who else f"{stamp}, {text}"
        elif variant == "android-en":
            stamp = (f"{h}:{when.minute:02d}{'pm' if when.hour >= 12 else 'am'}, "
                     f"{when.strftime('%B')} {when.day}, {when.year}")
            line = f"{stamp}, {who} : {text}" if who else f"{stamp}, {text}"
        elif variant == "ios-ko":
            stamp = f"{when.year}. {when.month}. {when.day}. {a} {h}:{when.minute:02d}"
            line = f"{stamp}, {who} : {text}" if who else f"{stamp}: {text}"
        elif variant == "windows-pc":
            line = text if who is None else f"[{who}] [{a} {h}:{when.minute:02d}] {text}"
        else:  # macos-csv
            quoted = '"' + text.replace('"', '""') + '"'
            line = f'{when.strftime("%Y-%m-%d %H:%M:%S")},"{who or ""}",{quoted}'
        out.extend(line.split("\n"))
        utc = _utc(when.replace(second=0) if variant != "macos-csv" else when)
        if variant == "windows-pc" and sender is None:
            utc = previous_utc or utc  # PC system lines carry no time of their own
        kind = "service" if sender is None else "message"
        exp.messages.append(ExpectedMessage(str(line_no), utc, who or "", text, kind=kind))
        previous_utc = utc
    text = "\n".join(out) + "\n"
    exp.files.append(_save(path, text, encoding, bom))
    return exp


def line_export(path: Path, *, repeat: int = 2) -> Expected:
    """A LINE text export with an hour past 23 and a system line."""
    exp = Expected(chat_name="김민수")
    out = ["[LINE] Chat history with 김민수", "Saved on: 2024/08/28 09:05", ""]
    day = datetime(2024, 8, 27, tzinfo=KST)
    out.append("2024/08/27(Tue)")
    entries = [("15:15", "김민수", "안녕하세요 😀"), ("15:16", "이지은", "[Photo]"),
               ("15:20", "", "김민수 joined the chat."),
               ("23:59", "김민수", "https://line.me/R/ti/g/abcdef 여기"),
               ("24:53", "이지은", "늦었네요\n내일 봐요")]
    for _ in range(repeat):
        for hhmm, sender, text in entries:
            h, m = map(int, hhmm.split(":"))
            when = day + timedelta(hours=h, minutes=m)
            out.append(f"{hhmm}\t{sender}\t{text}" if sender else f"{hhmm}\t\t{text}")
            exp.messages.append(ExpectedMessage(str(len(out)), _utc(when), sender, text,
                                                kind="message" if sender else "service"))
            if "\n" in text:
                out[-1:] = out[-1].split("\n")
        day += timedelta(days=2)
        out.append(day.strftime("%Y/%m/%d") + "(Thu)")
    text = "\n".join(out) + "\n"
    exp.files.append(_write(path, text.encode("utf-8")))
    return exp
