"""Verifying a bundle with nothing but the PDF (and its side folder, if present).

:func:`verify_bundle` checks what a recipient needs: the PAdES signature is intact and
covers the whole file (only document timestamps may follow it), the attachments match the
signed manifest, the side-folder files (when present) match too, the custody chain and its
signed head hold, and timestamp tokens verify where a verifier is available. The signer
certificate being self-signed is reported, with its fingerprint, and is not a failure.
Any input — garbage, a truncated file, a hostile PDF — gives a report, never a traceback.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import misc
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    SignatureCoverageLevel,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext

from evidencekit.bundle import verify_files
from evidencekit.bundle.attachments import EmbeddedFile, embedded_files
from evidencekit.bundle.manifest import (
    certificate_fingerprint,
    certificate_sha256,
    parse_manifest,
)
from evidencekit.bundle.verify_report import (
    Check,
    ItemResult,
    VerifyReport,
    format_report,
)
from evidencekit.errors import EvidenceKitError
from evidencekit.model import Progress

__all__ = ["verify_bundle", "VerifyReport", "Check", "ItemResult", "format_report"]

log = logging.getLogger(__name__)

#: What parsing a hostile PDF can raise (pyHanko, asn1crypto and the standard library).
PARSE_ERRORS: tuple[type[BaseException], ...] = (
    misc.PdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    AssertionError,
    OSError,
    EOFError,
    RecursionError,
    OverflowError,
    UnicodeError,
    NotImplementedError,
)
_STEPS = 6


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


def _check_signature(reader: PdfFileReader, report: VerifyReport) -> x509.Certificate | None:
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
    fingerprint = certificate_fingerprint(cert)
    report.fingerprint = certificate_sha256(cert)
    report.signer = cert.subject.rfc4514_string()
    self_signed = _self_signed(cert)
    vc = ValidationContext(trust_roots=[sig.signer_cert] if self_signed else None,
                           allow_fetching=False)
    later = [t for t in stamps if t.signed_revision > sig.signed_revision]
    status = validate_pdf_signature(
        sig,
        signer_validation_context=vc,
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
    _check_coverage(status, later, report)
    if self_signed:
        report.add("signature.trust", None, "bundle.verify.trust_self_signed",
                   fingerprint=fingerprint)
    elif status.trusted:
        report.add("signature.trust", None, "bundle.verify.trust_chain", fingerprint=fingerprint)
    else:
        report.add("signature.trust", None, "bundle.verify.trust_unknown",
                   fingerprint=fingerprint)
    tst = status.timestamp_validity
    if tst is not None:
        report.add("signature.timestamp", bool(tst.intact and tst.valid),
                   "bundle.verify.sig_timestamp" if tst.intact and tst.valid
                   else "bundle.verify.sig_timestamp_bad", time=tst.timestamp.isoformat())
    return cert


def _check_coverage(status: Any, later: list[EmbeddedPdfSignature], report: VerifyReport
                    ) -> None:
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
        stamp_ok = True
        for n, stamp in enumerate(later):
            vc = ValidationContext(trust_roots=[stamp.signer_cert], allow_fetching=False)
            ts = validate_pdf_timestamp(stamp, validation_context=vc,
                                        skip_diff=n == len(later) - 1)
            good = bool(ts.intact and ts.valid)
            stamp_ok = stamp_ok and good
            report.add("timestamp.document", good,
                       "bundle.verify.doc_timestamp" if good else "bundle.verify.doc_timestamp_bad",
                       time=ts.timestamp.isoformat(),
                       tsa=stamp.signer_cert.subject.human_friendly)
            if n == len(later) - 1 and ts.coverage != SignatureCoverageLevel.ENTIRE_FILE:
                stamp_ok = False
        if stamp_ok:
            report.add("signature.coverage", True, "bundle.verify.coverage_ts")
            return
    report.add("signature.coverage", False, "bundle.verify.modified_after")


def _check_certificate(manifest: dict[str, Any], files: dict[str, EmbeddedFile],
                       signer: x509.Certificate | None, report: VerifyReport
                       ) -> x509.Certificate | None:
    try:
        pem = str(manifest["signer"]["certificate_pem"]).encode("ascii")
        cert = x509.load_pem_x509_certificate(pem)
    except (KeyError, TypeError, ValueError):
        report.add("certificate.match", False, "bundle.verify.cert_unreadable")
        return None
    der = cert.public_bytes(serialization.Encoding.DER)
    problems = []
    if signer is not None and signer.public_bytes(serialization.Encoding.DER) != der:
        problems.append("signature")
    if manifest["signer"].get("sha256_fingerprint") != certificate_fingerprint(cert):
        problems.append("fingerprint")
    attached = files.get("signer-certificate.pem")
    if attached is not None and attached.data is not None:
        try:
            att = x509.load_pem_x509_certificate(attached.data)
            if att.public_bytes(serialization.Encoding.DER) != der:
                problems.append("signer-certificate.pem")
        except ValueError:
            problems.append("signer-certificate.pem")
    if problems:
        report.add("certificate.match", False, "bundle.verify.cert_mismatch",
                   where=", ".join(problems))
    else:
        report.add("certificate.match", True, "bundle.verify.cert_ok")
    return cert


def _check_pages(reader: PdfFileReader, manifest: dict[str, Any], report: VerifyReport) -> None:
    expected = manifest.get("pages")
    try:
        actual = int(reader.root["/Pages"]["/Count"])
    except PARSE_ERRORS:
        actual = -1
    if isinstance(expected, int) and expected == actual:
        report.add("layout.pages", True, "bundle.verify.pages_ok", pages=actual)
    else:
        report.add("layout.pages", False, "bundle.verify.pages_bad", pages=actual,
                   expected=expected)


def _extract(files: dict[str, EmbeddedFile], target: Path, report: VerifyReport) -> None:
    from evidencekit.bundle.manifest import NameAllocator, safe_file_name

    target.mkdir(parents=True, exist_ok=True)
    names = NameAllocator(reserved=())
    for f in files.values():
        if f.data is None:
            continue
        name = names.take(safe_file_name(f.name, "attachment"))
        dest = target / name
        tmp = target / f".{name}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(f.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
        report.extracted.append(dest)


def _verify(path: Path, report: VerifyReport, extract_dir: Path | None,
            progress: Progress | None) -> None:
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
            signer = _check_signature(reader, report)
        except PARSE_ERRORS as exc:
            log.info("signature could not be validated (%s)", type(exc).__name__)
            report.add("signature.intact", False, "bundle.verify.sig_unreadable",
                       error=type(exc).__name__)
        step(2)
        try:
            files = {f.name: f for f in embedded_files(reader)}
        except PARSE_ERRORS as exc:
            report.add("attachments.readable", False, "bundle.verify.attachments_unreadable",
                       error=type(exc).__name__)
            return
        step(3)
        manifest_file = files.get("manifest.json")
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
                cert = _check_certificate(manifest, files, signer, report)
                _check_pages(reader, manifest, report)
                step(4)
                verify_files.check_files(path, manifest, files, report)
                step(5)
                if cert is not None:
                    verify_files.check_custody(manifest, cert, report)
                verify_files.check_tokens(manifest, files, report)
        if extract_dir is not None:
            _extract(files, extract_dir, report)
        step(6)


def verify_bundle(
    path: str | os.PathLike[str],
    *,
    extract_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> VerifyReport:
    """Verify the bundle at ``path``; never raises for bad input (the report says why).

    :param path: the bundle PDF; its side folder ``<stem>-files/`` is checked if present.
    :param extract_dir: if given, every attachment is written there (ASCII-safe names).
    :param progress: ``progress(done, total, message_key)`` callback.
    :return: a :class:`VerifyReport`; ``report.ok`` / ``report.exit_code`` give the verdict.

    Like the export, it runs pyHanko through ``asyncio.run``: call it from a worker thread,
    not from a thread running an asyncio event loop.
    """
    p = Path(path)
    report = VerifyReport(path=p)
    try:
        _verify(p, report, Path(extract_dir) if extract_dir is not None else None, progress)
    except Exception as exc:  # noqa: BLE001 - hostile input must give a report, not a crash
        log.warning("verification stopped by an unexpected %s", type(exc).__name__)
        log.debug("verification traceback", exc_info=True)
        report.add("pdf.readable", False, "bundle.verify.unexpected", error=type(exc).__name__)
    return report

