"""Verifying a bundle with nothing but the PDF (and its side folder, if present).

:func:`verify_bundle` trusts only what is signed. It checks that the holder's PAdES
signature is intact, that its CMS container holds nothing but what belongs there, and that
only document timestamps, validation data and counter-signatures follow the signed
revision (:mod:`.verify_signers`, :mod:`.verify_cms`, :mod:`.verify_revisions`); that the
attachments and side-folder files match the signed manifest, the custody chain and its
signed head hold, every item matches the custody event that recorded it; that every
timestamp comes from a trusted authority and lies where the manifest says it should
(:mod:`.verify_timestamps_policy`).

Who signed is the certificate inside the CMS signature - never the printed text or the
attached certificate copy. The bundle passes (exit 0) only when it is intact and that
signer is confirmed: by the fingerprint the holder gave (``expect_fingerprint``, either
form) or by a root the recipient trusts (``signer_roots_pem``; a certificate that has
expired since is judged at the time of the signature's trusted timestamp,
:mod:`.verify_expired`) - and every counter-signature is confirmed too. Intact but the
holder unconfirmed is exit 10; intact, the holder confirmed but a counter-signature not is
exit 11. Any input - garbage, a truncated file, a hostile PDF - gives a report, never a
traceback.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader

from evidencekit.bundle import verify_custody, verify_extra, verify_files, verify_records
from evidencekit.bundle.attachments import embedded_files
from evidencekit.bundle.manifest import MANIFEST_NAME, parse_manifest
from evidencekit.bundle.pades_level import add_level_check
from evidencekit.bundle.verify_files import PARSE_ERRORS
from evidencekit.bundle.verify_report import (
    Check,
    ItemResult,
    SignerResult,
    VerifyReport,
    format_report,
)
from evidencekit.bundle.verify_signers import SignatureFacts, check_signatures
from evidencekit.bundle.verify_timestamps_policy import check_timestamp_policy
from evidencekit.errors import EvidenceKitError
from evidencekit.model import Progress

__all__ = ["verify_bundle", "normalize_fingerprint", "VerifyReport", "Check", "ItemResult",
           "SignerResult", "format_report"]

log = logging.getLogger(__name__)

_STEPS = 6
_TAIL = 4096


def normalize_fingerprint(text: str) -> str | None:
    """The typed fingerprint in a comparable form (64 hex digits, or the 60 digits of the
    short form), or None when ``text`` is neither."""
    from evidencekit.vault.identity import normalize_fingerprint as parse

    try:
        return parse(text)[1]
    except ValueError:
        return None


def _verify(path: Path, report: VerifyReport, extract_dir: Path | None,
            progress: Progress | None, roots: Sequence[asn1_x509.Certificate],
            signer_roots: Sequence[asn1_x509.Certificate], expect: str | None) -> None:
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
        facts = SignatureFacts()
        try:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - _TAIL))
            tail = fh.read(_TAIL)
            facts = check_signatures(reader, report, ts_roots=roots, signer_roots=signer_roots,
                                     expect=expect, tail=tail)
            verify_extra.check_updates(fh, reader, report)
            verify_extra.check_signer_certificates(reader, report)
            if facts.holder_cert is not None:
                signer = x509.load_der_x509_certificate(facts.holder_cert.dump())
        except PARSE_ERRORS as exc:
            log.info("signature could not be validated (%s)", type(exc).__name__)
            report.add("signature.intact", False, "bundle.verify.sig_unreadable",
                       error=type(exc).__name__)
        verify_extra.level_check(reader, report, add_level_check)
        verify_files.check_cover(reader, report)
        step(2)
        if not verify_extra.attachments_fit(reader, path, report):
            return
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
                verify_extra.check_side_folder(path, manifest, report)
                check_timestamp_policy(manifest, facts, report)
                step(5)
                records = None
                if cert is not None:
                    records = verify_custody.check_custody(manifest, cert, report)
                if records is not None:
                    verify_custody.check_items_custody(manifest, records, report)
                    verify_records.check_item_records(manifest, records, report)
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
    signer_roots_pem: Sequence[bytes | str] = (),
) -> VerifyReport:
    """Verify the bundle at ``path``; never raises for bad input (the report says why).

    :param path: the bundle PDF; its side folder ``<stem>-files/`` is checked if present.
    :param extract_dir: if given, every attachment is written there (ASCII-safe names).
    :param progress: ``progress(done, total, message_key)`` callback.
    :param trust_roots_pem: PEM roots of time-stamp authorities the recipient trusts
        besides the public CA roots (e.g. a TSA of their own). Timestamps from any other
        authority - including one whose certificate the bundle itself carries - fail.
    :param expect_fingerprint: the signer certificate's fingerprint the holder gave: the
        SHA-256 (colons, spaces and case do not matter) or its 60-digit short form; a
        different signer fails (exit 3).
    :param signer_roots_pem: PEM roots (a support centre's CA, a certificate the holder
        handed over) that confirm a signer whose certificate chains to one of them.
        Without a matching fingerprint or root the signer is unconfirmed (exit 10).
    :return: a :class:`VerifyReport`; ``report.exit_code`` gives the verdict (0 intact
        and every signer confirmed, 10 intact but the holder unconfirmed, 11 intact and
        the holder confirmed but a counter-signature not, 3 failed); ``report.intact``,
        ``report.confirmed`` (the holder) and ``report.countersignatures_confirmed`` the
        parts.

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
    signer_roots: list[asn1_x509.Certificate] = []
    for pem_text in signer_roots_pem:
        try:
            signer_roots.extend(trust_roots(pem_text, public=False))
        except ValueError:
            report.add("signature.roots", False, "verify_trust.roots_unreadable")
    try:
        _verify(p, report, Path(extract_dir) if extract_dir is not None else None, progress,
                roots, signer_roots, expect_fingerprint)
    except Exception as exc:  # noqa: BLE001 - hostile input must give a report, not a crash
        log.warning("verification stopped by an unexpected %s", type(exc).__name__)
        log.debug("verification traceback", exc_info=True)
        report.add("pdf.readable", False, "bundle.verify.unexpected", error=type(exc).__name__)
    return report
