"""Trusted time in bundles: B-T signature + document timestamp, TSA failure, part tokens.

Trust comes only from the public CA roots and from roots the recipient passes
(``trust_roots_pem``): the test TSAs here are trusted only when their root is given, and a
timestamp someone appends later, from an authority of their own, fails.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.verify import verify_bundle
from evidencekit.bundle.verify_report import format_report
from tests.support.bundle_fake import (
    FakeVault,
    build_demo_vault,
    make_tsa,
    screenshot_png,
    token_for,
)
from tests.support.bundle_tools import pdfsig, pdfsig_valid

PART_TIME = datetime(2024, 8, 30, 5, 10, tzinfo=UTC)  # item 1's capture time in FakeVault


class DownTimeStamper(TimeStamper):
    """A time-stamp authority that cannot be reached."""

    async def async_request_tsa_response(self, req):  # type: ignore[no-untyped-def]
        raise TimestampRequestError("unreachable (test)")


def test_signature_and_document_timestamp(tmp_path: Path) -> None:
    vault = build_demo_vault()
    stamper, pem = make_tsa()
    out = tmp_path / "b.pdf"
    result = export_bundle(vault, out, items=[1, 6], timestamper=stamper)
    assert result.signature_timestamp and result.document_timestamp
    sig_out = pdfsig(out)
    assert "EvidenceKitDocumentTimestamp" in sig_out
    assert sig_out.count("Signature is Valid.") == 1, sig_out  # poppler 22 cannot check the
    # RFC 3161 document timestamp; pyHanko does (below)
    assert pdfsig_valid(out)
    report = verify_bundle(out, trust_roots_pem=(pem + vault.tsa_pem).encode())
    assert report.intact, [c.public("en") for c in report.failures]
    found = {c.name: c for c in report.checks}
    assert found["signature.coverage"].key == "bundle.verify.coverage_ts"
    assert found["timestamp.document"].ok is True
    assert "trusted" in found["timestamp.document"].detail_text("en")
    assert found["signature.timestamp"].ok is True
    # a revision appended after the document timestamp is still caught
    data = out.read_bytes() + b"\n% later\n"
    (tmp_path / "later.pdf").write_bytes(data)
    assert not verify_bundle(tmp_path / "later.pdf", trust_roots_pem=pem.encode()).ok


def test_timestamps_from_an_untrusted_authority_fail(tmp_path: Path) -> None:
    """F4/F5: the bundle carries the TSA certificates itself; that proves nothing. Without
    the TSA's root from the recipient, the document timestamp and the part token fail, and
    the signature timestamp fails too (a token from an untrusted authority is a failure)."""
    vault = build_demo_vault()
    stamper, _pem = make_tsa()
    out = tmp_path / "b.pdf"
    export_bundle(vault, out, items=[1, 6], timestamper=stamper)
    report = verify_bundle(out)
    assert not report.ok and report.exit_code == 3
    found = {c.name: c for c in report.checks}
    doc = found["timestamp.document"]
    assert doc.ok is False and doc.key == "bundle.verify.doc_timestamp_untrusted"
    assert "document timestamp from an untrusted authority was added after signing" in \
        doc.detail_text("en")
    assert found["signature.timestamp"].ok is False
    assert found["signature.timestamp"].key == "verify_trust.sig_timestamp_untrusted"
    assert found["signature.coverage"].ok is True  # the structure is fine, the trust is not
    tokens = found["timestamps.tokens"]
    assert tokens.ok is False and tokens.key == "bundle.verify.tokens_untrusted"
    assert "untrusted time-stamp authority" in tokens.detail_text("en")
    assert "001-screenshot.png" in tokens.detail_text("en")
    assert [i.ok for i in report.items] == [False, True]
    text = format_report(report, "en")
    assert "VERIFICATION FAILED" in text and "Timestamp tokens" in text
    format_report(report, "ko")


def _append_document_timestamp(path: Path, stamper: TimeStamper) -> None:
    with open(path, "r+b") as fh:
        writer = IncrementalPdfFileWriter(fh)
        signers.PdfTimeStamper(stamper, field_name="Timestamp2").timestamp_pdf(
            writer, "sha256", in_place=True)


def test_forged_document_timestamp_appended_later_fails(tmp_path: Path) -> None:
    """F5: anyone can append a document timestamp (no key needed) from a TSA of their own
    with any time; it must not pass as a trusted time after the signature."""
    vault = build_demo_vault(with_tokens=False)
    out = tmp_path / "b.pdf"
    export_bundle(vault, out, items=[2, 3])
    assert verify_bundle(out).intact
    fake, fake_pem = make_tsa(when=datetime(2021, 3, 1, 9, 0, tzinfo=UTC))
    _append_document_timestamp(out, fake)

    report = verify_bundle(out)
    assert not report.ok and report.exit_code == 3
    doc = next(c for c in report.checks if c.name == "timestamp.document")
    assert doc.ok is False and doc.key == "bundle.verify.doc_timestamp_untrusted"
    assert "2021-03-01" in doc.detail_text("en")

    # even a recipient who trusts that authority sees that it is older than the signature
    trusting = verify_bundle(out, trust_roots_pem=fake_pem.encode())
    assert not trusting.ok
    doc = next(c for c in trusting.checks if c.name == "timestamp.document")
    assert doc.ok is False and doc.key == "bundle.verify.doc_timestamp_early"
    assert "earlier than the signing time" in doc.detail_text("en")


def test_unreachable_tsa_signs_without(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    out = tmp_path / "b.pdf"
    result = export_bundle(vault, out, items=[1], timestamper=DownTimeStamper())
    assert not result.signature_timestamp and not result.document_timestamp
    assert pdfsig_valid(out)
    report = verify_bundle(out)
    assert report.intact
    assert "timestamp.document" not in {c.name for c in report.checks}


def test_part_token_checked_and_mismatch_fails(tmp_path: Path) -> None:
    stamper, pem = make_tsa(when=PART_TIME)
    vault = FakeVault()
    shot = screenshot_png(640, 360, seed=9)
    record = {"tsa": "EvidenceKit Test TSA", "time": PART_TIME.isoformat(),
              "status": "verified", "chain_pem": pem, "trusted": True}
    wrong = token_for(stamper, b"some other bytes")
    vault.add("screenshot", "wrong token", "x", [("screenshot.png", "image/png", shot)],
              timestamps={0: {**record, "token": base64.b64encode(wrong).decode()}})
    good = token_for(stamper, shot)
    vault.add("screenshot", "good token", "y", [("screenshot.png", "image/png", shot)],
              timestamps={0: {**record, "token": base64.b64encode(good).decode()}})
    out = tmp_path / "b.pdf"
    export_bundle(vault, out)
    assert pdfsig_valid(out)  # the PDF itself is fine …
    report = verify_bundle(out, trust_roots_pem=pem.encode())
    assert not report.ok and report.exit_code == 3  # … but a token does not match its part
    check = next(c for c in report.checks if c.name == "timestamps.tokens")
    assert check.ok is False
    assert "001-screenshot.png" in check.detail_text("en")
    assert "imprint" in check.detail_text("en")
    assert [i.ok for i in report.items] == [False, True]
