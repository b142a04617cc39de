"""Screenshots with known text, drawn with Pillow and the Nanum font (no real data)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from evidencekit.resources import resource_path

SENTENCE = "이 방에서 제 사진이 공유되고 있습니다"
LINK = "t.me/example_room42"
HANDLE = "@bad_actor99"


def chat_screenshot(size: tuple[int, int] = (1920, 1080), font_px: int = 30) -> bytes:
    """A chat-like screen: a title bar, bubbles with the sentence, the link and handle."""
    img = Image.new("RGB", size, (245, 245, 245))
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(resource_path("fonts", "NanumGothic.ttf")), font_px)
    small = ImageFont.truetype(str(resource_path("fonts", "NanumGothic.ttf")),
                               int(font_px * 0.7))
    d.rectangle((0, 0, size[0], 90), fill=(40, 110, 170))
    d.text((40, 25), "텔레그램 — 비공개 채널", font=font, fill="white")
    lines = [SENTENCE, f"입장 링크: {LINK}", f"관리자 {HANDLE} 에게 문의",
             "오늘 오후 3시 15분"]
    y = 150
    for line in lines:
        w = d.textlength(line, font=font)
        d.rounded_rectangle((60, y - 14, 60 + w + 40, y + font_px + 18), radius=18,
                            fill="white", outline=(210, 210, 210))
        d.text((80, y), line, font=font, fill=(20, 20, 20))
        d.text((80 + w + 60, y + 8), "읽음 1", font=small, fill=(150, 150, 150))
        y += font_px + 70
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
