"""A real vault with 31 mixed items (screenshots, phone photos with GPS, PDFs, text files,
links, written entries) and one deletion, for the court-readiness tests of the bundle."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from evidencekit.capture.files import import_file
from evidencekit.capture.incident import incident_item
from evidencekit.demo import _screen_metadata, chat_screenshot
from evidencekit.model import NewItem, PartInput
from evidencekit.vault import Vault
from tests.support.bundle_fake import sample_pdf, screenshot_png

PASSPHRASE = "correct horse battery"
HOLDER = "김지원 (가명)"
BASE = datetime(2024, 8, 27, 6, 15, 2, tzinfo=UTC)
#: Latitude/longitude of the GPS photos (Seoul Station).
GPS = (37.55575, 126.97808)


def gps_jpeg(seed: int = 1) -> bytes:
    """A small phone-like JPEG whose EXIF holds a GPS position."""
    im = Image.new("RGB", (640, 480), (40 + seed * 10 % 200, 90, 140))
    exif = Image.Exif()
    exif[0x010F] = "ExamplePhone"
    exif[0x0110] = "ExamplePhone 12"
    gps = {1: "N", 2: (37.0, 33.0, 20.7), 3: "E", 4: (126.0, 58.0, 41.088)}
    exif[0x8825] = gps
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif, quality=70)
    return buf.getvalue()


def _link(n: int) -> NewItem:
    url = f"https://board.example.test/post/{1000 + n}"
    summary = json.dumps({"url": url, "status": 200, "hops": [{"url": url, "status": 200}]})
    warc = gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n\r\nHTTP/1.1 200 OK\r\n\r\n<html>"
                         b"synthetic</html>")
    return NewItem(
        kind="link", title=f"게시물 {n}", source=url,
        parts=[PartInput("rendering.png", "image/png",
                         data=screenshot_png(1280, 1800, seed=40 + n, caption="page")),
               PartInput("summary.json", "application/json", data=summary.encode()),
               PartInput("exchange.warc.gz", "application/gzip", data=warc)],
        metadata={"url": url, "final_url": url, "status": 200, "reason": "OK",
                  "server_ip": "192.0.2.10", "fetched_at": (BASE + timedelta(hours=n)).isoformat(),
                  "media_type": "text/html"},
        captured_at=BASE + timedelta(hours=n), timezone="Asia/Seoul")


def build_mixed_vault(folder: Path, inputs: Path, count: int = 31) -> Path:
    """Create ``folder`` with ``count`` mixed items (item 12 deleted afterwards, so
    ``count - 1`` remain); returns the vault folder."""
    inputs.mkdir(parents=True, exist_ok=True)
    vault, _ = Vault.create(folder, PASSPHRASE, HOLDER)
    try:
        for n in range(1, count + 1):
            kind = n % 6
            at = BASE + timedelta(minutes=7 * n)
            if kind == 0:
                png = chat_screenshot("예시 단체방", [("익명", f"메시지 {n}", False),
                                                      ("익명2", "", True)])
                meta = _screen_metadata(at)
                # a capture made on a computer set to UTC
                meta["timezone"] = "Etc/UTC"
                vault.add_item(NewItem(kind="screenshot", title=f"대화방 화면 캡처 {n}",
                                       source="all screens",
                                       parts=[PartInput("screenshot.png", "image/png", data=png)],
                                       metadata=meta, captured_at=at, timezone="Etc/UTC"))
            elif kind == 1:
                path = inputs / f"phone-photo-{n}.jpg"
                path.write_bytes(gps_jpeg(n))
                vault.add_item(import_file(path, note="피해자의 휴대전화 사진"))
            elif kind == 2:
                path = inputs / f"문서 {n}.pdf"
                path.write_bytes(sample_pdf())
                vault.add_item(import_file(path))
            elif kind == 3:
                path = inputs / f"memo-{n}.txt"
                path.write_text(f"첫 줄 {n}\n두 번째 줄\n", encoding="utf-8")
                vault.add_item(import_file(path))
            elif kind == 4:
                vault.add_item(_link(n))
            else:
                vault.add_item(incident_item(
                    f"{n}번째 기록: 친구가 단체방에 합성 사진이 올라왔다고 알려 주었습니다.",
                    when="2024-08-26T21:00+09:00", where="Telegram", who="익명"))
        vault.delete_item(12, "같은 화면을 두 번 캡처하여 중복된 자료를 삭제함")
    finally:
        vault.close()
    return folder


def open_mixed(folder: Path, writable: bool = True) -> Vault:
    return Vault.open(folder, passphrase=PASSPHRASE, writable=writable)
