"""Trusted time in bundles: B-T signature + document timestamp, TSA failure, part tokens."""

from __future__ import annotations

import base64
from pathlib import Path

from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.verify import verify_bundle
from tests.support.bundle_fake import (
    FakeVault,
    build_demo_vault,
    make_tsa,
    screenshot_png,
    token_for,
)
from tests.support.bundle_tools import pdfsig, pdfsig_valid


class DownTimeStamper(TimeStamper):
    """A time-stamp authority that cannot be reached."""

    async def async_request_tsa_response(self, req):  # type: ignore[no-untyped-def]
        raise TimestampRequestError("unreachable (test)")


def test_signature_and_document_timestamp(tmp_path: Path) -> None:
    vault = build_demo_vault()
    stamper, _pem = make_tsa()
    out = tmp_path / "b.pdf"
    result = export_bundle(vault, out, items=[1, 6], timestamper=stamper)
    assert result.signature_timestamp and result.document_timestamp
    sig_out = pdfsig(out)
    assert "EvidenceKitDocumentTimestamp" in sig_out
    assert sig_out.count("Signature is Valid.") == 1, sig_out  # poppler 22 cannot check the
    # RFC 3161 document timestamp; pyHanko does (below)
    assert pdfsig_valid(out)
    report = verify_bundle(out)
    assert report.ok, [c.public("en") for c in report.failures]
    checks = {c.name: c for c in report.checks}
    assert checks["signature.coverage"].key == "bundle.verify.coverage_ts"
    assert checks["timestamp.document"].ok is True
    assert checks["signature.timestamp"].ok is True
    # a revision appended after the document timestamp is still caught
    data = out.read_bytes() + b"\n% later\n"
    (tmp_path / "later.pdf").write_bytes(data)
    assert not verify_bundle(tmp_path / "later.pdf").ok


def test_unreachable_tsa_signs_without(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    out = tmp_path / "b.pdf"
    result = export_bundle(vault, out, items=[1], timestamper=DownTimeStamper())
    assert not result.signature_timestamp and not result.document_timestamp
    assert pdfsig_valid(out)
    report = verify_bundle(out)
    assert report.ok
    assert "timestamp.document" not in {c.name for c in report.checks}


def test_part_token_checked_and_mismatch_fails(tmp_path: Path) -> None:
    stamper, pem = make_tsa()
    vault = FakeVault()
    shot = screenshot_png(640, 360, seed=9)
    wrong = token_for(stamper, b"some other bytes")
    vault.add("screenshot", "wrong token", "x", [("screenshot.png", "image/png", shot)],
              timestamps={0: {"token": base64.b64encode(wrong).decode(), "tsa": "Test TSA",
                              "time": "2024-08-30T05:10:00+00:00", "status": "verified",
                              "chain_pem": pem}})
    good = token_for(stamper, shot)
    vault.add("screenshot", "good token", "y", [("screenshot.png", "image/png", shot)],
              timestamps={0: {"token": base64.b64encode(good).decode(), "tsa": "Test TSA",
                              "time": "2024-08-30T05:10:00+00:00", "status": "verified",
                              "chain_pem": pem}})
    out = tmp_path / "b.pdf"
    export_bundle(vault, out)
    assert pdfsig_valid(out)  # the PDF itself is fine …
    report = verify_bundle(out)
    assert not report.ok and report.exit_code == 3  # … but a token does not match its part
    check = next(c for c in report.checks if c.name == "timestamps.tokens")
    assert check.ok is False
    assert "001-screenshot.png" in check.detail_text("en")
    assert "imprint" in check.detail_text("en")
    assert [i.ok for i in report.items] == [False, True]
