"""PAdES document timestamps through pyHanko with our verifying time stamper, and the
quick reachability check - against a local TSA only."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation import validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext
from reportlab.pdfgen import canvas

from evidencekit.errors import TimestampError
from evidencekit.timestamps.document import document_timestamper, tsa_reachable
from evidencekit.timestamps.verify import load_pem_certificates
from tests.support.tsa_server import LocalTSA, block_internet, refused_url


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    attempts = block_internet(monkeypatch)
    yield
    assert attempts == []


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[LocalTSA]:
    with LocalTSA(tmp_path / "tsa") as server:
        yield server


def small_pdf() -> io.BytesIO:
    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.drawString(100, 700, "evidence bundle")
    page.save()
    buf.seek(0)
    return buf


def test_document_timestamp_added_and_valid(tsa: LocalTSA) -> None:
    stamper = document_timestamper(tsa.url, trust_roots_pem=tsa.root_pem)
    assert isinstance(stamper, TimeStamper)
    out = io.BytesIO()
    PdfTimeStamper(stamper).timestamp_pdf(
        IncrementalPdfFileWriter(small_pdf()), "sha256", output=out
    )
    reader = PdfFileReader(out)
    (embedded,) = reader.embedded_timestamp_signatures
    roots = load_pem_certificates(tsa.root_pem)
    status = validate_pdf_timestamp(embedded, validation_context=ValidationContext(roots))
    assert status.intact and status.valid and status.trusted


@pytest.mark.parametrize("mode", ["bad_signature", "wrong_imprint", "wrong_nonce"])
def test_bad_document_timestamp_refused(tsa: LocalTSA, mode: str) -> None:
    tsa.mode = mode
    with pytest.raises(TimestampError) as info:
        PdfTimeStamper(document_timestamper(tsa.url)).timestamp_pdf(
            IncrementalPdfFileWriter(small_pdf()), "sha256", output=io.BytesIO()
        )
    assert info.value.key == "timestamps.response_invalid"


def test_document_timestamper_refuses_bad_url() -> None:
    with pytest.raises(TimestampError):
        document_timestamper("file:///tmp/tsr")


def test_document_timestamp_from_untrusted_tsa_refused(tsa: LocalTSA) -> None:
    with pytest.raises(TimestampError) as info:
        PdfTimeStamper(document_timestamper(tsa.url)).timestamp_pdf(
            IncrementalPdfFileWriter(small_pdf()), "sha256", output=io.BytesIO()
        )
    assert info.value.key == "timestamps.untrusted"
    assert info.value.params["problems"] == ["untrusted chain"]


def test_tsa_reachable(tsa: LocalTSA) -> None:
    assert tsa_reachable(tsa.url, timeout=5, trust_roots_pem=tsa.root_pem)
    assert not tsa_reachable(tsa.url, timeout=5)  # answers, but is not trusted
    tsa.mode = "bad_signature"
    assert not tsa_reachable(tsa.url, timeout=5, trust_roots_pem=tsa.root_pem)
    tsa.mode = "down"
    assert not tsa_reachable(tsa.url, timeout=5)
    assert not tsa_reachable(refused_url(), timeout=5)
    assert not tsa_reachable("javascript:alert(1)")
