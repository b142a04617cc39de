"""Verifying a bundle with nothing but the PDF (and its side folder, if present).

:func:`verify_bundle` checks what a recipient needs: the PAdES signature is intact and
covers the whole file (only document timestamps from a trusted time-stamp authority may
follow it), the attachments match the signed manifest, the side-folder files (when
present) match too, the custody chain and its signed head hold, every item matches the
custody event that recorded it, and every timestamp token verifies against the trust store
(public CA roots plus roots the recipient passes - never certificates from the bundle).
The signer certificate being self-signed is reported, with its fingerprint, and is not a
failure; the fingerprint printed on the cover must be the signer's, and the recipient can
pass the fingerprint the holder gave (``expect_fingerprint``).
Any input — garbage, a truncated file, a hostile PDF — gives a report, never a traceback.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import NonexistentAttributeError, find_unique_cms_attribute
from pyhanko.sign.validation import (
    SignatureCoverageLevel,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext

from evidencekit.bundle import verify_custody, verify_files
from evidencekit.bundle.attachments import embedded_files
from evidencekit.bundle.manifest import (
    MANIFEST_NAME,
    certificate_sha256,
    display_fingerprint,
    parse_manifest,
)
from evidencekit.bundle.pades_level import add_level_check
from evidencekit.bundle.verify_files import PARSE_ERRORS
from evidencekit.bundle.verify_report import (
    Check,
    ItemResult,
    VerifyReport,
    format_report,
)
from evidencekit.errors import EvidenceKitError
from evidencekit.model import Progress

__all__ = ["verify_bundle", "normalize_fingerprint", "VerifyReport", "Check", "ItemResult",
           "format_report"]

log = logging.getLogger(__name__)

_STEPS = 6
#: A document timestamp may be this much earlier than the signing time it follows
#: (clocks of the holder and of time-stamp authorities differ a little), no more.
CLOCK_SKEW = timedelta(minutes=5)


def _der_length(content: bytes) -> int | None:
    """Length of the DER value at the start of ``content`` (tag + length + value)."""
    if len(content) < 2 or content[0] != 0x30:
        return None
    first = content[1]
    if first < 0x80:
        return 2 + first
    n = first & 0x7F
    if n == 0 or n > 4 or len(content) < 2 + n:
        return None
    return 2 + n + int.from_bytes(content[2 : 2 + n], "big")


def _crypto_cert(sig: EmbeddedPdfSignature) -> x509.Certificate:
    return x509.load_der_x509_certificate(sig.signer_cert.dump())


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


# -- the signature and the timestamps on it ---------------------------------------------------


def _tst_time(signed_data: cms.SignedData) -> datetime | None:
    """The genTime a time-stamp token states (unverified), or None."""
    try:
        moment = signed_data["encap_content_info"]["content"].parsed["gen_time"].native
    except PARSE_ERRORS:
        return None
    return moment if isinstance(moment, datetime) else None


def _ts_context(signed_data: cms.SignedData | None,
                roots: Sequence[asn1_x509.Certificate]) -> ValidationContext:
    """Trust for a timestamp: the trust store only, at the time the token states."""
    moment = _tst_time(signed_data) if signed_data is not None else None
    return ValidationContext(trust_roots=list(roots), allow_fetching=False, moment=moment,
                             revocation_mode="soft-fail")


def _signature_tst(sig: EmbeddedPdfSignature) -> cms.SignedData | None:
    try:
        token = find_unique_cms_attribute(sig.signer_info["unsigned_attrs"],
                                          "signature_time_stamp_token")
        content = token["content"]
    except NonexistentAttributeError:
        return None
    except PARSE_ERRORS:
        return None
    return content if isinstance(content, cms.SignedData) else None


def _check_signature(reader: PdfFileReader, report: VerifyReport,
                     roots: Sequence[asn1_x509.Certificate]) -> x509.Certificate | None:
    sigs = reader.embedded_signatures
    regular = [s for s in sigs if s.sig_object_type == "/Sig"]
    stamps = [s for s in sigs if s.sig_object_type == "/DocTimeStamp"]
    if not regular:
        report.add("signature.present", False, "bundle.verify.no_signature")
        return None
    if len(regular) > 1:
        report.add("signature.count", False, "bundle.verify.extra_signatures", count=len(regular))
    sig = regular[0]
    cert = _crypto_cert(sig)
    report.fingerprint = certificate_sha256(cert)
    fingerprint = display_fingerprint(report.fingerprint)
    report.signer = cert.subject.rfc4514_string()
    self_signed = _self_signed(cert)
    vc = ValidationContext(trust_roots=[sig.signer_cert] if self_signed else None,
                           allow_fetching=False)
    later = [t for t in stamps if t.signed_revision > sig.signed_revision]
    status = validate_pdf_signature(
        sig,
        signer_validation_context=vc,
        ts_validation_context=_ts_context(_signature_tst(sig), roots),
        key_usage_settings=KeyUsageConstraints(
            key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
        ),
        skip_diff=not later,
    )
    if status.signer_reported_dt is not None:
        report.signed_at = status.signer_reported_dt.isoformat()
    if status.intact and status.valid:
        report.add("signature.intact", True, "bundle.verify.sig_ok", signer=report.signer,
                   time=report.signed_at or "—")
    elif not status.intact:
        report.add("signature.intact", False, "bundle.verify.sig_digest")
    else:
        report.add("signature.intact", False, "bundle.verify.sig_invalid")
    padding = sig.pkcs7_content
    used = _der_length(padding)
    if used is None or used > len(padding) or any(padding[used:]):
        report.add("signature.container", False, "bundle.verify.sig_container")
    if self_signed:
        report.add("signature.trust", None, "bundle.verify.trust_self_signed",
                   fingerprint=fingerprint)
    elif status.trusted:
        report.add("signature.trust", None, "bundle.verify.trust_chain", fingerprint=fingerprint)
    else:
        report.add("signature.trust", None, "bundle.verify.trust_unknown",
                   fingerprint=fingerprint)
    signed_at: datetime | None = status.signer_reported_dt
    tst = status.timestamp_validity
    if tst is not None:
        time = tst.timestamp.isoformat()
        if not (tst.intact and tst.valid):
            report.add("signature.timestamp", False, "bundle.verify.sig_timestamp_bad", time=time)
        elif tst.trusted:
            report.add("signature.timestamp", True, "bundle.verify.sig_timestamp", time=time)
            signed_at = tst.timestamp
        else:
            report.add("signature.timestamp", None, "bundle.verify.sig_timestamp_untrusted",
                       time=time, tsa=tst.signing_cert.subject.human_friendly)
    _check_coverage(status, later, report, roots, signed_at)
    return cert


def _check_coverage(status: Any, later: list[EmbeddedPdfSignature], report: VerifyReport,
                    roots: Sequence[asn1_x509.Certificate], signed_at: datetime | None) -> None:
    """Whole-file coverage, or only document timestamps after the signature: each must be
    intact, from a trusted authority and not earlier than the signing time."""
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        report.add("signature.coverage", True, "bundle.verify.coverage_ok")
        return
    level = status.modification_level
    if (
        later
        and status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and level is not None
        and level <= ModificationLevel.LTA_UPDATES
    ):
        intact_all = True
        for n, stamp in enumerate(later):
            ts = validate_pdf_timestamp(stamp, validation_context=_ts_context(stamp.signed_data,
                                                                             roots),
                                        skip_diff=n == len(later) - 1)
            params = {"time": ts.timestamp.isoformat(),
                      "tsa": stamp.signer_cert.subject.human_friendly}
            if not (ts.intact and ts.valid):
                intact_all = False
                report.add("timestamp.document", False, "bundle.verify.doc_timestamp_bad",
                           **params)
            elif not ts.trusted:
                report.add("timestamp.document", False,
                           "bundle.verify.doc_timestamp_untrusted", **params)
            elif signed_at is not None and ts.timestamp < signed_at - CLOCK_SKEW:
                report.add("timestamp.document", False, "bundle.verify.doc_timestamp_early",
                           signed=signed_at.isoformat(), **params)
            else:
                report.add("timestamp.document", True, "bundle.verify.doc_timestamp", **params)
            if n == len(later) - 1 and ts.coverage != SignatureCoverageLevel.ENTIRE_FILE:
                intact_all = False
        if intact_all:
            report.add("signature.coverage", True, "bundle.verify.coverage_ts")
            return
    report.add("signature.coverage", False, "bundle.verify.modified_after")


# -- the signer's fingerprint: as expected, and as printed ----------------------------------------


def normalize_fingerprint(text: str) -> str | None:
    """A SHA-256 fingerprint as lower-case hex without separators (colons, spaces, dashes
    and case are forgiven), or None when ``text`` is not one."""
    cleaned = re.sub(r"[\s:\-]", "", text).lower()
    return cleaned if re.fullmatch(r"[0-9a-f]{64}", cleaned) else None


def _check_expected(report: VerifyReport, expect: str | None) -> None:
    if report.fingerprint is None:
        return
    shown = display_fingerprint(report.fingerprint)
    if expect is None:
        report.add("signature.fingerprint", None, "bundle.verify.fp_compare", fingerprint=shown)
        return
    wanted = normalize_fingerprint(expect)
    if wanted is None:
        report.add("signature.fingerprint", False, "bundle.verify.fp_expect_malformed")
    elif wanted == report.fingerprint:
        report.add("signature.fingerprint", True, "bundle.verify.fp_expected_ok",
                   fingerprint=shown)
    else:
        report.add("signature.fingerprint", False, "bundle.verify.fp_expected_bad",
                   fingerprint=shown, expected=display_fingerprint(wanted))


def _verify(path: Path, report: VerifyReport, extract_dir: Path | None,
            progress: Progress | None, roots: Sequence[asn1_x509.Certificate],
            expect: str | None) -> None:
    def step(n: int) -> None:
        if progress is not None:
            progress(n, _STEPS, "bundle.progress.verify")

    try:
        fh = path.open("rb")
    except OSError as exc:
        report.add("pdf.readable", False, "bundle.verify.cannot_open",
                   reason=exc.strerror or type(exc).__name__)
        return
    with fh:
        if b"%PDF-" not in fh.read(1024):
            report.add("pdf.readable", False, "bundle.verify.not_pdf")
            return
        fh.seek(0)
        try:
            reader = PdfFileReader(fh, strict=False)
            _ = reader.root["/Pages"]
        except PARSE_ERRORS as exc:
            report.add("pdf.readable", False, "bundle.verify.pdf_broken",
                       error=type(exc).__name__)
            return
        report.add("pdf.readable", True, "bundle.verify.pdf_ok")
        step(1)
        signer: x509.Certificate | None = None
        try:
            signer = _check_signature(reader, report, roots)
        except PARSE_ERRORS as exc:
            log.info("signature could not be validated (%s)", type(exc).__name__)
            report.add("signature.intact", False, "bundle.verify.sig_unreadable",
                       error=type(exc).__name__)
        add_level_check(reader, report)
        _check_expected(report, expect)
        verify_files.check_cover(reader, report)
        step(2)
        try:
            files = {f.name: f for f in embedded_files(reader)}
        except PARSE_ERRORS as exc:
            report.add("attachments.readable", False, "bundle.verify.attachments_unreadable",
                       error=type(exc).__name__)
            return
        step(3)
        manifest_file = files.get(MANIFEST_NAME)
        if manifest_file is None or manifest_file.data is None:
            report.add("manifest.present", False, "bundle.verify.manifest_missing")
        else:
            try:
                manifest = parse_manifest(manifest_file.data)
            except EvidenceKitError as exc:
                report.add("manifest.present", False, exc.key, **exc.params)
            else:
                report.manifest = manifest
                report.add("manifest.present", True, "bundle.verify.manifest_ok",
                           items=len(manifest["items"]))
                cert = verify_files.check_certificate(manifest, files, signer, report)
                verify_files.check_pages(reader, manifest, report)
                step(4)
                verify_files.check_files(path, manifest, files, report)
                step(5)
                records = None
                if cert is not None:
                    records = verify_custody.check_custody(manifest, cert, report)
                if records is not None:
                    verify_custody.check_items_custody(manifest, records, report)
                    verify_custody.check_log_timestamps(records, report, roots)
                verify_custody.check_tokens(manifest, files, report, roots=roots,
                                            records=records)
        if extract_dir is not None:
            verify_files.extract_files(files, extract_dir, report)
        step(6)


def verify_bundle(
    path: str | os.PathLike[str],
    *,
    extract_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    trust_roots_pem: bytes | None = None,
    expect_fingerprint: str | None = None,
) -> VerifyReport:
    """Verify the bundle at ``path``; never raises for bad input (the report says why).

    :param path: the bundle PDF; its side folder ``<stem>-files/`` is checked if present.
    :param extract_dir: if given, every attachment is written there (ASCII-safe names).
    :param progress: ``progress(done, total, message_key)`` callback.
    :param trust_roots_pem: PEM roots of time-stamp authorities the recipient trusts
        besides the public CA roots (e.g. a TSA of their own). Timestamps from any other
        authority - including one whose certificate the bundle itself carries - fail.
    :param expect_fingerprint: the signer certificate's SHA-256 fingerprint the holder
        gave (colons, spaces and case do not matter); a different signer fails. Without
        it the report carries a note to compare the fingerprint by hand.
    :return: a :class:`VerifyReport`; ``report.ok`` / ``report.exit_code`` give the verdict.

    Like the export, it runs pyHanko through ``asyncio.run``: call it from a worker thread,
    not from a thread running an asyncio event loop.
    """
    from evidencekit.timestamps.trust import trust_roots

    p = Path(path)
    report = VerifyReport(path=p)
    try:
        roots = trust_roots(trust_roots_pem)
    except ValueError:
        report.add("timestamps.roots", False, "bundle.verify.roots_unreadable")
        roots = trust_roots()
    try:
        _verify(p, report, Path(extract_dir) if extract_dir is not None else None, progress,
                roots, expect_fingerprint)
    except Exception as exc:  # noqa: BLE001 - hostile input must give a report, not a crash
        log.warning("verification stopped by an unexpected %s", type(exc).__name__)
        log.debug("verification traceback", exc_info=True)
        report.add("pdf.readable", False, "bundle.verify.unexpected", error=type(exc).__name__)
    return report
