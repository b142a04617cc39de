"""A fake :class:`~evidencekit.bundle.source.BundleSource` for the bundle tests.

It holds everything in memory: an ECDSA P-256 identity with a self-signed certificate,
items with generated parts (PNG screenshots, a link capture, a PDF, a binary file, a
Korean incident note), a consistent custody chain built with ``vault.custody`` and a
signed head. Nothing here is real data.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import io
import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image, ImageDraw
from pyhanko.sign.timestamps import DummyTimeStamper

from evidencekit.errors import IntegrityError, NotFoundError
from evidencekit.model import Event, Item, Note, Part, Progress, iso
from evidencekit.vault.custody import GENESIS, body_digest, chain_hash, sign_head

__all__ = [
    "FakeVault",
    "build_demo_vault",
    "make_identity",
    "make_tsa",
    "screenshot_png",
    "sample_pdf",
    "KOREAN_NOTE",
    "KOREAN_TITLE",
    "KOREAN_BODY",
]

SEOUL = ZoneInfo("Asia/Seoul")
KOREAN_TITLE = "텔레그램 대화방 합성 사진 유포 발견"
KOREAN_NOTE = "피해 사실을 확인하고 사이버수사대에 신고함"
KOREAN_BODY = (
    "2024년 8월 30일 오후 3시경 텔레그램 대화방에서 본인의 얼굴이 합성된 사진이 "
    "유포되는 것을 친구가 알려 주었습니다.\n대화방 이름과 게시자 아이디를 기록해 두었습니다.\n"
    "원본 화면은 항목 1과 2에 있습니다."
)


def make_identity(
    name: str = "테스트 보관자 (EvidenceKit test)",
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """An ECDSA P-256 key and a self-signed certificate like a vault identity."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_tsa(when: datetime | None = None) -> tuple[DummyTimeStamper, str]:
    """A local test time-stamp authority (pyHanko's DummyTimeStamper, RSA) and its PEM.

    Its self-signed certificate is in no public trust store: verification trusts its
    tokens only when the PEM is passed as a trust root. ``when``: a fixed token time.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "EvidenceKit Test TSA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                       critical=True)
        .sign(key, hashes.SHA256())
    )
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
        fixed_dt=when,
    )
    return stamper, cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def token_for(stamper: DummyTimeStamper, data: bytes) -> bytes:
    """A DER ``TimeStampResp`` (.tsr) over SHA-256 of ``data``."""
    digest = hashlib.sha256(data).digest()
    token = asyncio.run(stamper.async_timestamp(digest, "sha256"))
    resp = tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})
    return resp.dump()


def screenshot_png(width: int = 1280, height: int = 720, seed: int = 1,
                   caption: str = "chat") -> bytes:
    """A synthetic, screenshot-like PNG with text, shapes and a noisy 'photo' area."""
    rnd = random.Random(seed)
    im = Image.new("RGB", (width, height), (245, 246, 248))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, width, 48), fill=(40, 90, 160))
    d.text((16, 16), f"EvidenceKit synthetic {caption} #{seed}", fill=(255, 255, 255))
    y = 70
    while y < height - 60:
        left = rnd.random() < 0.5
        w = rnd.randint(width // 5, width // 2)
        x0 = 24 if left else width - 24 - w
        colour = (255, 255, 255) if left else (255, 235, 140)
        d.rounded_rectangle((x0, y, x0 + w, y + 42), radius=10, fill=colour,
                            outline=(200, 200, 200))
        words = " ".join(rnd.choice(["lorem", "ipsum", "dolor", "amet", "sit", "photo", "link"])
                         for _ in range(w // 40))
        d.text((x0 + 10, y + 14), words, fill=(20, 20, 20))
        y += 56
    pw, ph = width // 3, height // 3
    noise = Image.effect_noise((pw, ph), 64).convert("RGB")
    im.paste(noise, (width - pw - 30, height - ph - 30))
    out = io.BytesIO()
    im.save(out, "PNG", compress_level=1)
    return out.getvalue()


def sample_pdf() -> bytes:
    """A small two-page PDF made with reportlab (for the 'first page' preview)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.setFillColorRGB(0.85, 0.2, 0.2)
    c.rect(72, 600, 450, 150, fill=1)
    c.setFillColorRGB(0, 0, 0)
    c.setFont("Helvetica-Bold", 28)
    c.drawString(72, 560, "Synthetic sample document")
    c.showPage()
    c.drawString(72, 700, "Second page")
    c.save()
    return out.getvalue()


class FakeVault:
    """An in-memory BundleSource with a real custody chain and signed head."""

    def __init__(self, holder: str = "테스트 보관자 (EvidenceKit test)") -> None:
        self._vault_id = uuid.uuid4().hex
        self._key, self._cert = make_identity(holder)
        self._items: dict[int, Item] = {}
        self._blobs: dict[str, bytes] = {}
        self._events: list[Event] = []
        self._settings: dict[str, Any] = {}
        self.tsa_pem = ""  # the root of the test TSA of build_demo_vault, if any
        self.clock = datetime(2024, 8, 30, 5, 0, 0, tzinfo=UTC)
        self.log_event("vault_created", holder=holder)

    # -- BundleSource ---------------------------------------------------------------
    @property
    def vault_id(self) -> str:
        return self._vault_id

    def identity(self) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        return self._key, self._cert

    def items(self, include_deleted: bool = False) -> list[Item]:
        return [i for _, i in sorted(self._items.items())
                if include_deleted or i.state != "deleted"]

    def item(self, number: int) -> Item:
        try:
            return self._items[number]
        except KeyError:
            raise NotFoundError("error.not_found", number=number) from None

    def read_part(self, item: Item, index: int, out: BinaryIO,
                  progress: Progress | None = None) -> None:
        part = item.parts[index]
        data = self._blobs[part.blob]
        h = hashlib.sha256()
        for i in range(0, len(data), 65536):
            chunk = data[i : i + 65536]
            h.update(chunk)
            out.write(chunk)
        if h.hexdigest() != part.sha256:
            raise IntegrityError("error.integrity")

    def events(self) -> list[Event]:
        return list(self._events)

    def log_head(self) -> dict[str, Any]:
        last = self._events[-1]
        sig = sign_head(self._key, self._vault_id, last.seq, last.hash)
        return {"seq": last.seq, "hash": last.hash, "signature": base64.b64encode(sig).decode()}

    def log_event(self, event: str, item: Item | None = None, **details: Any) -> Event:
        self.clock += timedelta(minutes=3)
        body: dict[str, Any] = {"event": event, "at": iso(self.clock)}
        if item is not None:
            body["item_id"] = item.id
            body["item_number"] = item.number
        body.update(details)
        seq = len(self._events) + 1
        prev = self._events[-1].hash if self._events else GENESIS
        ev = Event(seq=seq, prev_hash=prev, hash=chain_hash(seq, prev, body_digest(body)),
                   body=body)
        self._events.append(ev)
        return ev

    def get_setting(self, key: str, default: Any = None) -> Any:
        return self._settings.get(key, default)

    # -- building -------------------------------------------------------------------
    def add(self, kind: str, title: str, source: str,
            parts: list[tuple[str, str, bytes]], *, metadata: dict[str, Any] | None = None,
            notes: list[str] | None = None, tags: list[str] | None = None,
            timestamps: dict[int, dict[str, Any]] | None = None) -> Item:
        number = len(self._items) + 1
        self.clock += timedelta(minutes=7)
        stored: list[Part] = []
        for i, (name, media_type, data) in enumerate(parts):
            blob = uuid.uuid4().hex
            self._blobs[blob] = data
            stored.append(Part(name=name, media_type=media_type,
                               sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                               blob=blob, timestamp=(timestamps or {}).get(i)))
        item = Item(
            id=uuid.uuid4().hex, number=number, kind=kind, title=title, source=source,
            captured_at=iso(self.clock.astimezone(SEOUL)), captured_at_utc=iso(self.clock),
            timezone="Asia/Seoul", metadata=dict(metadata or {}),
            notes=[Note(text=n, at=iso(self.clock)) for n in (notes or [])],
            tags=list(tags or []), parts=stored,
        )
        self._items[number] = item
        # the events a real vault writes (vault/items.py): creation, then each timestamp
        self.log_event("item_imported" if kind == "file" else "item_captured", item, kind=kind,
                       sha256=item.sha256, pending=False,
                       parts=[{"name": p.name, "sha256": p.sha256, "size": p.size}
                              for p in stored])
        for part in stored:
            token = (part.timestamp or {}).get("token")
            if token:
                self.log_event("timestamp_received", item, part=part.name, sha256=part.sha256,
                               tsa=part.timestamp.get("tsa"),  # type: ignore[union-attr]
                               time=part.timestamp.get("time"),  # type: ignore[union-attr]
                               token_sha256=hashlib.sha256(base64.b64decode(token)).hexdigest())
        for n in item.notes:
            self.log_event("note_added", item, text=n.text)
        return item

    def delete(self, number: int, reason: str) -> None:
        item = self._items[number]
        self._items[number] = replace(item, state="deleted", parts=[],
                                      deletion={"sha256": item.sha256, "reason": reason})
        self.log_event("item_deleted", item, sha256=item.sha256, reason=reason)

    def corrupt(self, number: int, index: int = 0) -> None:
        """Change one byte of a stored part (read_part then raises IntegrityError)."""
        blob = self._items[number].parts[index].blob
        data = bytearray(self._blobs[blob])
        data[len(data) // 2] ^= 0x01
        self._blobs[blob] = bytes(data)


def build_demo_vault(*, with_tokens: bool = True) -> FakeVault:
    """Items of every kind; item 7 is left out of most exports, item 8 is deleted.

    Item 1's token comes from a test TSA whose root is ``v.tsa_pem``: pass it as
    ``verify_bundle(..., trust_roots_pem=v.tsa_pem.encode())`` to trust it.
    """
    v = FakeVault()
    stamper, tsa_pem = make_tsa(when=datetime(2024, 8, 30, 5, 10, tzinfo=UTC))
    v.tsa_pem = tsa_pem
    shot1 = screenshot_png(1280, 720, seed=1)
    ts = None
    if with_tokens:
        ts = {0: {"token": base64.b64encode(token_for(stamper, shot1)).decode(),
                  "tsa": "EvidenceKit Test TSA", "time": "2024-08-30T05:10:00+00:00",
                  "status": "verified", "chain_pem": tsa_pem}}
    v.add("screenshot", "대화방 화면 캡처 1", "Telegram — 채팅방",
          [("screenshot.png", "image/png", shot1)], notes=["첫 번째 캡처"], timestamps=ts)
    v.add("screenshot", "Chat screen capture 2 with a very long title that has to wrap "
          "nicely across the line without overflowing the page", "카카오톡_캡처_2024.png",
          [("screenshot.png", "image/png", screenshot_png(1920, 1080, seed=2))])
    summary = b'{"url": "https://example.test/post/123", "status": 200}'
    warc = gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n\r\nHTTP/1.1 200 OK\r\n\r\n<html>"
                         b"synthetic</html>")
    url = ("https://example.test/post/123?ref=" + "abcdefghij" * 12 + "&q=%ED%95%9C%EA%B5%AD")
    v.add("link", "게시물 페이지", url,
          [("rendering.png", "image/png", screenshot_png(1280, 3000, seed=3, caption="page")),
           ("summary.json", "application/json", summary),
           ("exchange.warc.gz", "application/gzip", warc)],
          metadata={"url": url, "final_url": "https://example.test/post/123", "status": 200,
                    "server_ip": "192.0.2.10", "redirects": [url, "https://example.test/p/123"],
                    "headers": {"content-type": "text/html; charset=utf-8", "server": "test"}})
    v.add("file", "참고 문서", "계약서 사본.pdf",
          [("계약서 사본.pdf", "application/pdf", sample_pdf())])
    v.add("file", "Unknown data", "dump.bin",
          [("dump.bin", "application/octet-stream", random.Random(5).randbytes(40_000))])
    v.add("incident", KOREAN_TITLE, "직접 작성",
          [("note.txt", "text/plain", KOREAN_BODY.encode("utf-8"))],
          notes=[KOREAN_NOTE], tags=["딥페이크", "텔레그램"])
    v.add("file", "Not exported", "private.txt", [("private.txt", "text/plain", b"secret")],
          notes=["should not appear"])
    v.add("file", "Deleted", "gone.txt", [("gone.txt", "text/plain", b"gone")])
    v.delete(8, "duplicate")
    v.log_event("passphrase_changed")
    return v
