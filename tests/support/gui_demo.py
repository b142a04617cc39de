"""A synthetic demo vault for the GUI tests and screenshots.

Every picture is drawn here with Pillow (coloured panels, fake chat bubbles, noise, stripes):
no real person's data, no photographs. Items: three generated screenshots, an imported
text file, a Korean incident note, a link recorded offline (pending) and a tagged image.
"""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

from evidencekit.capture.incident import incident_item
from evidencekit.model import ItemKind, NewItem, PartInput
from evidencekit.vault import Vault

PASSPHRASE = "correct horse battery"
HOLDER = "김지은 (가명)"

__all__ = ["PASSPHRASE", "HOLDER", "busy_picture", "png_bytes", "make_demo_vault"]


def busy_picture(width: int = 640, height: int = 420, seed: int = 1) -> Image.Image:
    """A synthetic 'chat screenshot' with lots of fine detail (edges, stripes, noise)."""
    rnd = random.Random(seed)
    im = Image.new("RGB", (width, height), (236, 239, 243))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, width, 48), fill=(52, 87, 130))
    for i in range(6):
        y = 64 + i * 58
        left = i % 2 == 0
        x0 = 16 if left else width // 3
        x1 = x0 + width * 2 // 3 - 16
        d.rounded_rectangle((x0, y, x1, y + 46), radius=10,
                            fill=(255, 255, 255) if left else (214, 236, 206))
        for line in range(3):
            ly = y + 8 + line * 12
            d.line((x0 + 10, ly, x1 - rnd.randint(20, 120), ly), fill=(60, 60, 60), width=2)
    for x in range(0, width, 4):  # a fine checker strip at the bottom
        d.line((x, height - 40, x, height), fill=(0, 0, 0) if (x // 4) % 2 else (255, 255, 255))
    px = im.load()
    assert px is not None
    for _ in range(width * height // 25):
        x, y = rnd.randrange(width), rnd.randrange(height)
        v = rnd.randrange(256)
        px[x, y] = (v, v, v)
    return im


def png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def _shot(title: str, seed: int, when: datetime, tags: list[str], note: str = "") -> NewItem:
    im = busy_picture(800, 500, seed)
    return NewItem(
        kind=ItemKind.SCREENSHOT, title=title, source="screen 0",
        parts=[PartInput("screenshot.png", "image/png", data=png_bytes(im))],
        metadata={"target": {"kind": "all"}, "image": {"width": im.width, "height": im.height},
                  "demo": True},
        notes=[note] if note else [], tags=tags, captured_at=when, timezone="Asia/Seoul",
    )


def make_demo_vault(folder: Path, passphrase: str = PASSPHRASE) -> Path:
    """Create a demo vault in ``folder`` (must not exist or be empty); return its path."""
    vault, _recovery = Vault.create(folder, passphrase, HOLDER)
    base = datetime(2024, 8, 30, 6, 0, tzinfo=UTC)
    try:
        vault.add_item(_shot("텔레그램 대화방 화면 1", 1, base, ["텔레그램", "합성"],
                             "친구가 알려 준 대화방"))
        vault.add_item(_shot("텔레그램 대화방 화면 2", 2, base + timedelta(minutes=3),
                             ["텔레그램"]))
        vault.add_item(_shot("Profile page (synthetic)", 3, base + timedelta(days=1),
                             ["profile"]))
        text = "대화방 이름: 예시방\n게시자: @example_user\n(합성 데모 자료)\n".encode()
        vault.add_item(NewItem(
            kind=ItemKind.FILE, title="chat-export.txt", source="chat-export.txt",
            parts=[PartInput("original.txt", "text/plain", data=text)],
            metadata={"original_name": "chat-export.txt", "size": len(text)},
            captured_at=base + timedelta(days=1, hours=2), timezone="Asia/Seoul",
        ))
        incident = incident_item(
            "2024년 8월 30일 오후 3시쯤 친구가 대화방 링크를 보내 주었습니다.\n"
            "제 얼굴이 합성된 사진이 올라와 있었습니다.",
            when="2024-08-30T15:00+09:00", where="텔레그램", title="처음 알게 된 날")
        incident.captured_at = base + timedelta(days=2)
        incident.timezone = "Asia/Seoul"
        vault.add_item(incident)
        vault.add_item(NewItem(
            kind=ItemKind.LINK, title="t.me/example_room/123", source="https://t.me/example_room/123",
            parts=[], metadata={"url": "https://t.me/example_room/123"}, pending=True,
            captured_at=base + timedelta(days=2, hours=1), timezone="Asia/Seoul",
        ))
    finally:
        vault.close()
    return folder
