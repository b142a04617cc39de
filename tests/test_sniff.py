"""Media-type sniffing by content: a table of formats, wrong extensions, chat exports."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from evidencekit.capture.sniff import HEAD_SIZE, OCTET_STREAM, sniff_bytes, sniff_file, sniff_path
from tests.support import capture_files as cf

# (label, content, media type, detail or None)
TABLE: list[tuple[str, Callable[[], bytes], str, str | None]] = [
    ("png", cf.png_bytes, "image/png", None),
    ("jpeg", cf.jpeg_bytes, "image/jpeg", None),
    ("gif", cf.animated_gif, "image/gif", None),
    ("pdf", cf.pdf_bytes, "application/pdf", None),
    ("mp4", cf.mp4_bytes, "video/mp4", None),
    ("zip", lambda: cf.zip_bytes({"a.txt": b"hello"}), "application/zip", None),
    ("text", lambda: b"just some notes\nline two\n", "text/plain", None),
    ("korean", lambda: "가해자가 보낸 메시지를 정리했습니다.\n날짜: 2024년\n".encode(),
     "text/plain", None),
    ("json", lambda: b'{"a": [1, 2, {"b": null}]}', "application/json", None),
    ("json-array", lambda: b'[{"x": 1}]', "application/json", None),
    ("html", lambda: b"<!DOCTYPE html><html><head><title>t</title></head></html>",
     "text/html", None),
    ("html-lower", lambda: b"  \n<html lang='ko'><body>\xec\x95\x88</body></html>",
     "text/html", None),
    ("svg", lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
     "image/svg+xml", None),
    ("xml", lambda: b'<?xml version="1.0"?><root/>', "application/xml", None),
    ("unknown", lambda: bytes(range(256)) * 4, OCTET_STREAM, None),
    ("whatsapp-zip", lambda: cf.zip_bytes({"_chat.txt": cf.whatsapp_chat(), "IMG-1.jpg": b"x"}),
     "application/zip", "chat-export:whatsapp"),
    ("telegram-zip", lambda: cf.zip_bytes({"ChatExport/result.json": cf.telegram_json()}),
     "application/zip", "chat-export:telegram"),
    ("whatsapp-txt", cf.whatsapp_chat, "text/plain", "chat-export:whatsapp"),
    ("telegram-json", cf.telegram_json, "application/json", "chat-export:telegram"),
    ("kakaotalk-txt", cf.kakaotalk_txt, "text/plain", "chat-export:kakaotalk"),
]


@pytest.mark.parametrize(
    ("label", "make", "media_type", "detail"), TABLE, ids=[t[0] for t in TABLE]
)
def test_sniff_table(
    tmp_path: Path, label: str, make: Callable[[], bytes], media_type: str, detail: str | None
) -> None:
    # A misleading extension on every file: the answer must come from the content.
    path = cf.write(tmp_path / f"{label}.wrong-ext.doc", make())
    sniffed = sniff_path(path)
    assert sniffed.media_type == media_type
    assert sniffed.detail == detail


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("photo.png", cf.jpeg_bytes(), "image/jpeg"),
        ("invoice.pdf", cf.png_bytes(), "image/png"),
        ("notes.txt", cf.pdf_bytes(), "application/pdf"),
        ("video.mp4", b"plain words, not a video\n", "text/plain"),
        ("archive.zip", b'{"k": "v"}', "application/json"),
        ("noextension", cf.mp4_bytes(), "video/mp4"),
    ],
)
def test_wrong_extension_is_ignored(
    tmp_path: Path, name: str, data: bytes, media_type: str
) -> None:
    assert sniff_path(cf.write(tmp_path / name, data)).media_type == media_type


def test_korean_text_charset() -> None:
    sniffed = sniff_bytes("증거 메모입니다".encode(), complete=True)
    assert sniffed.media_type == "text/plain"
    assert (sniffed.charset, sniffed.extension) == ("utf-8", "txt")
    assert sniff_bytes(b"ascii only", complete=True).charset == "ascii"


def test_utf8_cut_in_the_middle_of_a_character_is_still_text() -> None:
    text = ("가" * (HEAD_SIZE // 3 + 10)).encode()
    head = text[:HEAD_SIZE]
    assert len(head) % 3 != 0  # the head ends inside a character
    assert sniff_bytes(head, complete=False).media_type == "text/plain"


def test_utf16_with_bom_is_text() -> None:
    data = "\ufeff카카오톡 대화\r\n".encode("utf-16-le")
    data = b"\xff\xfe" + data[2:]
    assert sniff_bytes(data, complete=True).media_type == "text/plain"


def test_binary_with_nul_is_not_text() -> None:
    assert sniff_bytes(b"abc\x00def", complete=True).media_type == OCTET_STREAM


def test_latin1_bytes_are_not_utf8_text() -> None:
    assert sniff_bytes(b"caf\xe9 \xff\xfe", complete=True).media_type == OCTET_STREAM


def test_empty_content() -> None:
    sniffed = sniff_bytes(b"")
    assert sniffed.media_type == OCTET_STREAM
    assert sniffed.detail == "empty"


def test_truncated_json_head_still_json() -> None:
    big = b'{"messages": [' + b'{"id": 1, "text": "x"},' * 10000
    assert sniff_bytes(big[:HEAD_SIZE], complete=False).media_type == "application/json"
    # complete but invalid JSON is plain text
    assert sniff_bytes(b'{"a": ', complete=True).media_type == "text/plain"


def test_sniff_reads_only_the_head(tmp_path: Path) -> None:
    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size: int | None = -1) -> bytes:
            data = super().read(size)
            Counting.read_bytes += len(data)
            return data

    fh = Counting(b"plain text\n" * 1_000_000)  # 11 MB
    assert sniff_file(fh).media_type == "text/plain"
    assert Counting.read_bytes <= HEAD_SIZE + 1
    assert fh.tell() == 0


def test_hostile_zip_directory_is_not_read(tmp_path: Path) -> None:
    # A ZIP-looking file whose end record claims a 3 GB central directory.
    end_record = b"PK\x05\x06" + b"\x00" * 8 + (3 << 30).to_bytes(4, "little") + b"\x00" * 6
    data = b"PK\x03\x04" + b"\x00" * 100 + end_record
    sniffed = sniff_path(cf.write(tmp_path / "x.zip", data))
    assert sniffed.media_type == "application/zip"
    assert sniffed.detail is None


def test_unclosed_html_comment_is_fast() -> None:
    import time

    data = b"<!--" * 16000
    t0 = time.perf_counter()
    sniff_bytes(data, complete=False)
    assert time.perf_counter() - t0 < 1.0
