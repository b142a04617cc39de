"""Test support for file import and sniffing: small files of every odd kind, made on
the fly (nothing is shipped as a fixture)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import Image

from evidencekit.capture.png import PNG_SIGNATURE, png_chunk

__all__ = ["PNG_SIGNATURE", "png_chunk"]  # re-exported for the tests


def bomb_png(width: int = 30000, height: int = 30000, rows: int = 16) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` (RGB) but which carries only a
    few rows of compressed zeros: tiny on disk, enormous if decoded."""
    comp = zlib.compressobj(9)
    row = b"\x00" * (1 + width * 3)
    body = b"".join(comp.compress(row) for _ in range(rows)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", body)
        + png_chunk(b"IEND", b"")
    )


def pattern_image(width: int = 320, height: int = 200) -> Image.Image:
    im = Image.new("RGB", (width, height), (30, 60, 90))
    for x in range(0, width, 5):
        for y in range(0, height, 7):
            im.putpixel((x, y), ((x * 7) % 256, (y * 3) % 256, (x + y) % 256))
    return im


def png_bytes(width: int = 320, height: int = 200) -> bytes:
    buf = io.BytesIO()
    pattern_image(width, height).save(buf, "PNG")
    return buf.getvalue()


def jpeg_bytes(width: int = 320, height: int = 200, *, exif: Image.Exif | None = None) -> bytes:
    buf = io.BytesIO()
    if exif is None:
        pattern_image(width, height).save(buf, "JPEG", quality=90)
    else:
        pattern_image(width, height).save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def camera_exif() -> Image.Exif:
    """EXIF of a phone photo taken in Seoul (City Hall), with GPS."""
    exif = Image.Exif()
    exif[271] = "Samsung"
    exif[272] = "SM-S918N\x00"
    exif[305] = "Photo Editor 2.1"
    exif[274] = 1
    exif.get_ifd(0x8769)[36867] = "2024:08:01 21:15:42"
    exif.get_ifd(0x8769)[36881] = "+09:00"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (37.0, 33.0, 59.0)
    gps[3] = "E"
    gps[4] = (126.0, 58.0, 40.0)
    return exif


def truncated_jpeg() -> bytes:
    data = jpeg_bytes(640, 480)
    return data[: len(data) // 2]


def corrupt_png_crc() -> bytes:
    """A PNG with one byte of its image data flipped (the chunk checksum no longer fits)."""
    data = bytearray(png_bytes())
    at = data.index(b"IDAT") + 4 + 20
    data[at] ^= 0xFF
    return bytes(data)


def corrupt_png_stream() -> bytes:
    """A PNG whose chunks are all well formed (checksums fit) but whose compressed image
    data is garbage: only decoding finds it."""
    ihdr = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    garbage = bytes((i * 37 + 11) % 256 for i in range(400))
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", garbage)
        + png_chunk(b"IEND", b"")
    )


def animated_gif(frames: int = 3) -> bytes:
    colours = [(i * 60 % 256, 255 - i * 50 % 256, 0) for i in range(frames)]
    images = [Image.new("RGB", (40, 30), c) for c in colours]
    buf = io.BytesIO()
    images[0].save(buf, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return buf.getvalue()


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def mp4_bytes() -> bytes:
    ftyp = b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2avc1mp41"
    box = struct.pack(">I", 8 + len(ftyp)) + ftyp
    mdat = struct.pack(">I", 16) + b"mdat" + b"\x00" * 8
    return box + mdat


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def whatsapp_chat() -> bytes:
    return (
        "12/31/23, 10:15 PM - Alice: 안녕\n"
        "12/31/23, 10:16 PM - Bob: 사진 보냈어\n"
        "12/31/23, 10:17 PM - Alice: <Media omitted>\n"
    ).encode()


def telegram_json() -> bytes:
    return (
        '{\n "name": "딥페이크 방",\n "type": "private_supergroup",\n "id": 1234567,\n'
        ' "messages": [\n  {"id": 1, "type": "message", "date": "2024-08-01T21:15:42",'
        ' "from": "x", "text": "hi"}\n ]\n}\n'
    ).encode()


def kakaotalk_txt() -> bytes:
    return (
        "홍길동 님과 카카오톡 대화\n저장한 날짜 : 2024-08-01 21:15:42\n\n"
        "--------------- 2024년 8월 1일 목요일 ---------------\n"
        "[홍길동] [오후 9:15] 안녕하세요\n"
    ).encode()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
