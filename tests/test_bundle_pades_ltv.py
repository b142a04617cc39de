"""PAdES B-LT / B-LTA bundles and their renewal, checked with pyHanko's AdES validation.

Every bundle here is signed against the local time-stamp authority the tests start
(``tests.support.tsa_server.LocalTSA``, a test root in no public store); nothing reaches
the internet. The level is confirmed twice: by pyHanko's ETSI EN 319 102-1 long-term
validation (``ades_lta_validation``) and by our own :func:`pades_level`.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import NO_REVOCATION, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from evidencekit.bundle import ltv
from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.pades_level import pades_level
from evidencekit.bundle.verify import verify_bundle
from evidencekit.cli import main
from evidencekit.errors import InputError, TimestampError
from evidencekit.timestamps.document import document_timestamper
from tests.support.bundle_fake import FakeVault, build_demo_vault
from tests.support.tsa_server import LocalTSA


def _roots(*pems: bytes) -> list[asn1_x509.Certificate]:
    out = []
    for blob in pems:
        for _kind, _hdr, der in pem.unarmor(blob, multiple=True):
            out.append(asn1_x509.Certificate.load(der))
    return out


def _ades(path: Path, trusted: list[asn1_x509.Certificate]):  # type: ignore[no-untyped-def]
    """pyHanko's AdES long-term validation of the bundle's signature."""
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=trusted),
        revinfo_policy=CertRevTrustPolicy(NO_REVOCATION),
    )
    spec = PdfSignatureValidationSpec(
        signature_validation_spec=SignatureValidationSpec(
            cert_validation_policy=policy, local_knowledge=LocalKnowledge()),
        diff_policy=DEFAULT_DIFF_POLICY,
    )
    with path.open("rb") as fh:
        reader = PdfFileReader(fh, strict=False)
        sig = reader.embedded_regular_signatures[0]
        return asyncio.run(ades_lta_validation(sig, spec,
                                               timing_info=ValidationTimingInfo.now()))


def _level(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as fh:
        return pades_level(PdfFileReader(fh, strict=False))


@pytest.fixture()
def tsa(tmp_path: Path):  # type: ignore[no-untyped-def]
    with LocalTSA(tmp_path / "tsa") as server:
        yield server


def _export(tmp_path: Path, tsa: LocalTSA, name: str = "b.pdf") -> tuple[Path, FakeVault]:
    vault = build_demo_vault(with_tokens=False)
    stamper = document_timestamper(tsa.url, trust_roots_pem=tsa.root_pem)
    out = tmp_path / name
    result = export_bundle(vault, out, items=[1, 2, 6], timestamper=stamper)
    assert result.signature_timestamp and result.document_timestamp
    return out, vault


def test_export_reaches_b_lta_by_ades_validation(tmp_path: Path, tsa: LocalTSA) -> None:
    out, vault = _export(tmp_path, tsa)
    _key, cert = vault.identity()
    signer = _roots(cert.public_bytes(Encoding.PEM))
    result = _ades(out, signer + _roots(tsa.root_pem))
    assert result.ades_subindic == AdESPassed.OK, result.failure_msg
    # the document timestamp chain (the evidence record) validated: B-LTA
    assert result.oldest_evidence_record_timestamp is not None
    assert result.signature_timestamp_status is not None
    assert result.signature_timestamp_status.ades_subindic == AdESPassed.OK

    level = _level(out)
    assert level.level == "B-LTA"
    assert level.signature_timestamp and level.dss and level.archive_timestamps == 1
    assert level.revocation == "self_signed"
    assert level.archive_expires is not None
    assert level.archive_expires == tsa.pki.tsa.not_valid_after_utc
    assert level.archive_tsa == "EvidenceKit Test TSA"
    # the DSS holds the signer, the TSA certificate and its root
    with out.open("rb") as fh:
        reader = PdfFileReader(fh, strict=False)
        dss_certs = {c.sha256 for c in DocumentSecurityStore.read_dss(reader).load_certs()}
    assert {c.sha256 for c in signer + _roots(tsa.chain_pem)} <= dss_certs

    # and the bundle verifies, with the level in the report
    report = verify_bundle(out, trust_roots_pem=tsa.root_pem)
    assert report.ok, [c.public("en") for c in report.failures]
    found = {c.name: c for c in report.checks}
    assert found["pades.level"].params["level"] == "B-LTA"
    assert found["pades.level"].key == "pades.level.self_signed"
    assert "no revocation data exists" in found["pades.level"].detail_text("en")
    assert "자체 서명" in found["pades.level"].detail_text("ko")
    assert found["pades.archive"].params["expires"] == \
        tsa.pki.tsa.not_valid_after_utc.date().isoformat()


def test_without_tsa_the_level_is_b_b(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    out = tmp_path / "b.pdf"
    export_bundle(vault, out, items=[2])
    level = _level(out)
    assert level.level == "B-B" and not level.dss and level.archive_expires is None
    report = verify_bundle(out)
    assert report.ok
    found = {c.name: c for c in report.checks}
    assert found["pades.level"].params["level"] == "B-B"
    assert "pades.archive" not in found


def test_renew_adds_archive_timestamp_and_keeps_everything_valid(tmp_path: Path,
                                                                  tsa: LocalTSA) -> None:
    out, vault = _export(tmp_path, tsa)
    before = out.read_bytes()
    stamper = document_timestamper(tsa.url, trust_roots_pem=tsa.root_pem)
    result = ltv.renew_bundle(out, stamper, extra_certs=_roots(tsa.root_pem))
    after = out.read_bytes()
    assert after[: len(before)] == before  # appended only
    assert result.previous_size == len(before) and result.size == len(after)
    assert result.outcome.field_name == "EvidenceKitArchiveTimestamp1"
    assert result.outcome.self_signed_signer and not result.outcome.missing_revocation

    level = _level(out)
    assert level.level == "B-LTA" and level.archive_timestamps == 2

    _key, cert = vault.identity()
    trusted = _roots(cert.public_bytes(Encoding.PEM), tsa.root_pem)
    ades = _ades(out, trusted)
    assert ades.ades_subindic == AdESPassed.OK, ades.failure_msg
    assert ades.oldest_evidence_record_timestamp is not None

    report = verify_bundle(out, trust_roots_pem=tsa.root_pem)
    assert report.ok, [c.public("en") for c in report.failures]
    stamps = [c for c in report.checks if c.name == "timestamp.document"]
    assert len(stamps) == 2 and all(c.ok for c in stamps)
    assert {c.name: c for c in report.checks}["pades.archive"].params["count"] == 2

    # a second renewal to another file leaves the first one as it is
    copy = tmp_path / "renewed-again.pdf"
    second = ltv.renew_bundle(out, stamper, out=copy, extra_certs=_roots(tsa.root_pem))
    assert out.read_bytes() == after
    assert second.outcome.field_name == "EvidenceKitArchiveTimestamp2"
    assert _level(copy).archive_timestamps == 3
    assert verify_bundle(copy, trust_roots_pem=tsa.root_pem).ok


def test_renew_with_unreachable_tsa_leaves_the_bundle_unchanged(tmp_path: Path,
                                                                tsa: LocalTSA) -> None:
    out, _vault = _export(tmp_path, tsa)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    tsa.mode = "down"
    stamper = document_timestamper(tsa.url, timeout=3, trust_roots_pem=tsa.root_pem)
    with pytest.raises(ltv_tsa_errors()):
        ltv.renew_bundle(out, stamper)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest
    tsa.mode = "bad_signature"
    with pytest.raises(TimestampError):
        ltv.renew_bundle(out, document_timestamper(tsa.url, trust_roots_pem=tsa.root_pem))
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest
    assert verify_bundle(out, trust_roots_pem=tsa.root_pem).ok


def ltv_tsa_errors() -> tuple[type[BaseException], ...]:
    from evidencekit.bundle.signing import _tsa_errors

    return _tsa_errors()


def test_renew_refuses_what_is_not_a_signed_bundle(tmp_path: Path, tsa: LocalTSA) -> None:
    stamper = document_timestamper(tsa.url, trust_roots_pem=tsa.root_pem)
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf at all" * 10)
    with pytest.raises(InputError) as err:
        ltv.renew_bundle(junk, stamper)
    assert err.value.key == "pades.not_pdf"
    unsigned = tmp_path / "unsigned.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(unsigned)
    before = unsigned.read_bytes()
    with pytest.raises(InputError) as err:
        ltv.renew_bundle(unsigned, stamper)
    assert err.value.key == "pades.not_signed"
    assert unsigned.read_bytes() == before


def test_renew_cli(tmp_path: Path, tsa: LocalTSA, capsys: pytest.CaptureFixture[str]) -> None:
    out, _vault = _export(tmp_path, tsa)
    copy = tmp_path / "copy.pdf"
    rc = main(["--lang", "en", "renew", str(out), "--tsa", tsa.url, "--tsa-ca",
               str(tsa.root_pem_path), "-o", str(copy)])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "Signature level: PAdES B-LTA" in text
    assert tsa.pki.tsa.not_valid_after_utc.date().isoformat() in text
    assert "self-signed" in text
    assert _level(copy).archive_timestamps == 2
    # -o refuses to overwrite without --force
    rc = main(["--lang", "en", "renew", str(out), "--tsa", tsa.url, "--tsa-ca",
               str(tsa.root_pem_path), "-o", str(copy)])
    assert rc != 0
    # a TSA that is down: a clear message, no traceback, the bundle unchanged
    tsa.mode = "down"
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    rc = main(["--lang", "ko", "renew", str(out), "--tsa", tsa.url, "--timeout", "3"])
    captured = capsys.readouterr()
    assert rc != 0 and "Traceback" not in captured.err
    assert "시점확인 기관" in captured.err
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest
