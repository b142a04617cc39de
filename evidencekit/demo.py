"""``evidencekit demo DIR``: a demonstration vault with synthetic but realistic items and a
sample bundle, so a counsellor or an officer can see what a bundle looks like.

Everything is generated here: chat screenshots drawn with Pillow (labelled as synthetic,
no faces, no real names), a chat-export text file, a page served from 127.0.0.1 and
captured as a link, and an incident account in Korean. No real person's data is used.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont

from evidencekit.capture.incident import incident_item
from evidencekit.capture.screen import Screenshot, screenshot_item
from evidencekit.errors import InputError
from evidencekit.model import NewItem, Progress
from evidencekit.resources import resource_path
from evidencekit.vault import Vault

__all__ = ["DemoResult", "make_demo", "DEMO_PASSPHRASE"]

DEMO_PASSPHRASE = "demo-passphrase-예시"
_LABEL = "시연용 합성 이미지 · 실제 인물 아님 / Synthetic demo image · no real person"


@dataclass
class DemoResult:
    vault: Path
    bundle: Path
    passphrase: str
    recovery_key: str


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "NanumGothicBold.ttf" if bold else "NanumGothic.ttf"
    return ImageFont.truetype(str(resource_path("fonts", name)), size)


def chat_screenshot(room: str, messages: list[tuple[str, str, bool]],
                    size: tuple[int, int] = (1280, 800)) -> bytes:
    """A synthetic messenger window: (sender, text, is_image_placeholder) per message."""
    w, h = size
    img = Image.new("RGB", size, (235, 238, 242))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w, 64], fill=(46, 84, 120))
    d.text((24, 18), room, font=_font(26, True), fill=(255, 255, 255))
    d.rectangle([0, h - 40, w, h], fill=(250, 236, 200))
    d.text((16, h - 32), _LABEL, font=_font(18), fill=(120, 80, 0))
    y = 90
    for sender, text, picture in messages:
        d.ellipse([24, y, 64, y + 40], fill=(170, 180, 195))
        d.text((80, y), sender, font=_font(18, True), fill=(60, 60, 70))
        if picture:
            d.rounded_rectangle([80, y + 28, 480, y + 248], 12, fill=(200, 205, 214))
            d.text((140, y + 125), "[합성 예시 이미지 / demo image]", font=_font(20),
                    fill=(90, 90, 100))
            y += 270
        else:
            tw = int(d.textlength(text, font=_font(22))) + 32
            d.rounded_rectangle([80, y + 28, 80 + tw, y + 72], 14, fill=(255, 255, 255))
            d.text((96, y + 38), text, font=_font(22), fill=(20, 20, 30))
            y += 92
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False, compress_level=6)
    return buf.getvalue()


_PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8">
<title>예시 게시판 — 시연용 페이지 (demo)</title></head>
<body style="font-family: 'NanumGothic', sans-serif; background:#f7f7f9; margin:40px">
<h1>예시 게시판 (시연용)</h1>
<p>이 페이지는 EvidenceKit 시연을 위해 만든 합성 페이지입니다.
실제 인물이나 실제 게시물이 아닙니다.</p>
<p>This page is synthetic, made for the EvidenceKit demonstration. No real person or post.</p>
<div style="background:#dde3ea;width:480px;height:260px;border-radius:12px;
 display:flex;align-items:center;justify-content:center">[합성 예시 이미지 / demo image]</div>
<p>게시자: 익명_예시_01 · 조회수 1,234</p></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        body = _PAGE.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


def _link_item(render: bool) -> NewItem:
    from evidencekit.capture.links import capture_link

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/board/demo/1024"
        return capture_link(url, title="예시 게시판 게시물 (시연용)",
                            note="시연용 로컬 페이지 / local demo page", render=render,
                            timeout=10.0)
    finally:
        server.shutdown()
        server.server_close()


def _screen_metadata(at: datetime) -> dict[str, object]:
    """Metadata shaped exactly like a real capture's (see capture.screen), for one
    synthetic 1280×800 screen."""
    import platform

    from evidencekit import __version__
    from evidencekit.capture.screen import ScreenInfo, ScreenTarget

    screen = ScreenInfo(index=0, name="DEMO-1", x=0, y=0, width=1280, height=800,
                        device_pixel_ratio=1.0, manufacturer="", model="")
    return {
        "captured_at_utc": at.isoformat(),
        "captured_at_local": at.astimezone(ZoneInfo("Asia/Seoul")).isoformat(),
        "timezone": "Asia/Seoul",
        "target": ScreenTarget.all_screens().public(),
        "screens": [screen.public()],
        "capture_method": "demo (synthetic image, no screen was captured)",
        "window_system": "demo",
        "os": {"system": platform.system(), "release": platform.release(),
               "platform": platform.platform()},
        "program": {"name": "EvidenceKit", "version": __version__},
        "demo": True,
    }


def make_demo(folder: Path | str, *, render: bool = True,
              progress: Progress | None = None) -> DemoResult:
    """Create ``folder/demo-vault`` and ``folder/demo-bundle.pdf``."""
    from evidencekit.bundle.export import export_bundle
    from evidencekit.capture.files import import_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vault_dir = folder / "demo-vault"
    if vault_dir.exists():
        raise InputError("error.folder_not_empty", path=str(vault_dir))
    vault, recovery = Vault.create(vault_dir, DEMO_PASSPHRASE, "예시 상담사 (Demo counsellor)")
    steps = 6

    def step(n: int) -> None:
        if progress is not None:
            progress(n, steps, "progress.demo")

    try:
        base = datetime.now(UTC) - timedelta(days=3)
        shots = [
            ("예시 단체방 (DEMO) · 참여자 2,318명", [
                ("익명_예시_01", "이 사진 누군지 아는 사람?", False),
                ("익명_예시_01", "", True),
                ("익명_예시_02", "○○고 다니는 애 맞음 (합성 예시 대화)", False),
            ]),
            ("예시 단체방 (DEMO) · 참여자 2,318명", [
                ("익명_예시_03", "원본 더 있으면 공유 ㄱ (합성 예시 대화)", False),
                ("익명_예시_01", "", True),
            ]),
        ]
        for n, (room, msgs) in enumerate(shots):
            at = base + timedelta(minutes=5 * n)
            png = chat_screenshot(room, msgs)
            item = screenshot_item(
                Screenshot(png=png, metadata=_screen_metadata(at), width=1280, height=800,
                           captured_at=at),
                title=f"단체방 화면 캡처 {n + 1} (시연용)",
                note="시연용 합성 화면입니다. / Synthetic screen for the demo.")
            item.tags = ["텔레그램", "demo"]
            item.timezone = "Asia/Seoul"
            vault.add_item(item)
            step(n + 1)
        inputs = folder / "demo-inputs"
        inputs.mkdir(exist_ok=True)
        export = inputs / "채팅 내보내기 (예시).txt"
        export.write_text(
            "[시연용 합성 대화 / synthetic demo chat]\n"
            "2026. 11. 20. 오후 9:12, 익명_예시_01 : 사진 올림\n"
            "2026. 11. 20. 오후 9:13, 익명_예시_02 : 누구임?\n", encoding="utf-8")
        new = import_file(export, note="피해자가 가져온 채팅 내보내기 파일(예시)")
        vault.add_item(new)
        step(3)
        vault.add_item(_link_item(render))
        step(4)
        vault.add_item(incident_item(
            "2026년 11월 20일 밤 9시쯤, 친구가 텔레그램 단체방에 제 얼굴을 합성한 사진이 "
            "올라왔다고 알려 주었습니다. 방 이름은 '예시 단체방'이고 참여자는 2천 명이 "
            "넘었습니다. (시연용 합성 기록입니다.)",
            when="2026-11-20T21:00+09:00", where="Telegram (예시)", who="익명_예시_01"))
        step(5)
        bundle = folder / "demo-bundle.pdf"
        export_bundle(vault, bundle, title="시연용 사건 / Demonstration case",
                      prepared_by="예시 상담소 (Demo Counselling Centre)", blur=True)
        step(6)
    finally:
        vault.close()
    return DemoResult(vault=vault_dir, bundle=bundle, passphrase=DEMO_PASSPHRASE,
                      recovery_key=recovery)
