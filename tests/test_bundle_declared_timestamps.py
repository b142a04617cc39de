"""The signed manifest declares the timestamps the bundle carries, also when the
time-stamp authority fails half-way through an export (the bundle is made again,
declaring only what it got), so that a missing declared timestamp always means removal."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from evidencekit.bundle.attachments import embedded_files
from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.manifest import parse_manifest
from evidencekit.bundle.verify import verify_bundle
from evidencekit.bundle.verify_report import format_report
from tests.support.bundle_fake import build_demo_vault, make_tsa


class FailsOnce(TimeStamper):
    """A time-stamp authority that fails the ``nth`` request only."""

    def __init__(self, inner: Any, nth: int) -> None:
        super().__init__()
        self.inner, self.nth, self.calls = inner, nth, 0

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> Any:
        self.calls += 1
        if self.calls == self.nth:
            raise TimestampRequestError("down for a moment (test)")
        return await self.inner.async_timestamp(message_digest, md_algorithm)


def _manifest(path: Path) -> dict[str, Any]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(path.read_bytes()))
    data = next(f for f in embedded_files(reader) if f.name == "manifest.json").data
    assert data is not None
    return parse_manifest(data)


def test_document_timestamp_failing_is_declared_and_verifies(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    inner, pem = make_tsa()
    # pyHanko asks twice for the signature (a size estimate, then the token), then once
    # for the document timestamp: the third request fails
    stamper = FailsOnce(inner, nth=3)
    out = tmp_path / "b.pdf"
    result = export_bundle(vault, out, items=[1], timestamper=stamper)
    assert result.signature_timestamp and not result.document_timestamp
    assert _manifest(out)["options"]["timestamps"] == {"signature": True, "document": False}
    report = verify_bundle(out, trust_roots_pem=pem.encode(),
                           expect_fingerprint=result.fingerprint)
    assert report.exit_code == 0, format_report(report, "en")


def test_both_timestamps_declared_when_both_made(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    stamper, pem = make_tsa()
    out = tmp_path / "b.pdf"
    result = export_bundle(vault, out, items=[1], timestamper=stamper)
    assert _manifest(out)["options"]["timestamps"] == {"signature": True, "document": True}
    assert verify_bundle(out, trust_roots_pem=pem.encode(),
                         expect_fingerprint=result.fingerprint).exit_code == 0


def test_no_timestamps_declared_without_an_authority(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    out = tmp_path / "b.pdf"
    result = export_bundle(vault, out, items=[1])
    assert _manifest(out)["options"]["timestamps"] == {"signature": False, "document": False}
    assert verify_bundle(out, expect_fingerprint=result.fingerprint).exit_code == 0
