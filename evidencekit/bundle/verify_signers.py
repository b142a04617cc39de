"""The signatures of a bundle: who signed (only the certificate inside the CMS counts),
whether the signature and its container are sound, what followed the signed revision.

The holder's signature is the first signature (``/Sig``) of the file: the revision it
signs holds ``manifest.json`` and every page, and after it only document timestamps,
validation data and counter-signatures may follow (:mod:`.verify_revisions`). A
counter-signature (a counsellor's) is a later ``/Sig`` by another key; it must be valid
too. Every signer is listed with its status: confirmed by the fingerprint the holder gave,
confirmed by a root the recipient trusts, or unconfirmed (then the bundle is intact at
best, exit 10: compare the fingerprint with the holder's). An unconfirmed counter-signature
leaves the holder's signature as it is but makes the verdict exit 11, never 0: it shows
only that someone holding some key signed, in a name anyone can write.

Time-stamp tokens (the signature timestamp inside the CMS, document timestamps) count only
from authorities in the trust store; a token from any other authority is a failure.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    SignatureCoverageLevel,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints

from evidencekit.bundle.verify_cms import container_problems, signer_certificate
from evidencekit.bundle.verify_contexts import signature_tst, signer_context, ts_context
from evidencekit.bundle.verify_expired import judge_expired, judge_expired_pinned
from evidencekit.bundle.verify_files import PARSE_ERRORS
from evidencekit.bundle.verify_report import (
    CONFIRMED_FINGERPRINT,
    CONFIRMED_ROOT,
    INVALID,
    MISMATCH,
    UNCONFIRMED,
    SignerResult,
    VerifyReport,
    display_name,
)
from evidencekit.bundle.verify_revisions import revision_problems, trailing_bytes
from evidencekit.vault.identity import fingerprint as cert_fingerprint
from evidencekit.vault.identity import (
    fingerprint_matches,
    format_fingerprint,
    normalize_fingerprint,
    short_fingerprint,
)

__all__ = ["SignatureFacts", "check_signatures", "CLOCK_SKEW"]

log = logging.getLogger(__name__)

#: Clocks of the holder and of time-stamp authorities differ a little; no more than this.
CLOCK_SKEW = timedelta(minutes=5)
_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                 match_all_key_usages=False)


@dataclass
class SignatureFacts:
    """What the signature checks learned, for the checks against the manifest."""

    holder_cert: asn1_x509.Certificate | None = None
    signature_timestamp: datetime | None = None  # trusted time of the holder's signature
    signature_timestamp_present: bool = False
    document_timestamps: list[datetime] = field(default_factory=list)  # trusted, in order


def _container(sig: EmbeddedPdfSignature, report: VerifyReport, name: str,
               timestamp: bool = False) -> bool:
    signer_der = signer_certificate(sig.pkcs7_content)
    problems = container_problems(sig.pkcs7_content, signer_der=signer_der, timestamp=timestamp)
    for problem in problems:
        report.add("signature.container", False, "verify_trust.cms." + problem, field=name)
    return not problems


def _status(sig: EmbeddedPdfSignature, sig_roots: Sequence[asn1_x509.Certificate],
            ts_roots: Sequence[asn1_x509.Certificate], skip_diff: bool,
            moment: datetime | None = None, ts_at: datetime | None = None) -> Any:
    """pyHanko's verdict on a signature, or the name of the error it refused it with;
    ``moment``: validate the signer's certificate path at that time instead of now;
    ``ts_at``: validate the signature timestamp's authority then instead of at the
    token's own time."""
    try:
        return validate_pdf_signature(
            sig,
            signer_validation_context=signer_context(sig, sig_roots, moment),
            ts_validation_context=ts_context(signature_tst(sig), ts_roots, ts_at),
            key_usage_settings=_KEY_USAGE,
            skip_diff=skip_diff,
        )
    except Exception as exc:  # noqa: BLE001 - a hostile container must give a verdict
        log.info("pyHanko refused the signature %s (%s)", sig.field_name, type(exc).__name__)
        return type(exc).__name__


def _signer_cert(sig: EmbeddedPdfSignature) -> x509.Certificate | None:
    der = signer_certificate(sig.pkcs7_content)
    if der is None:
        return None
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


def _authority_name(cert: asn1_x509.Certificate) -> str:
    """A time-stamp authority as a person calls it: its common name (else organisation),
    never the raw distinguished name with its English field labels."""
    fields = cert.subject.native
    for key in ("common_name", "organization_name"):
        value = fields.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if value:
            return str(value)
    return str(cert.subject.human_friendly)


def _signer_timestamp(status: object, report: VerifyReport, facts: SignatureFacts | None,
                      name: str) -> str | None:
    """The signature timestamp: trusted (its time), or a failure."""
    tst = getattr(status, "timestamp_validity", None)
    if tst is None:
        return None
    time = tst.timestamp.isoformat()
    if facts is not None:
        facts.signature_timestamp_present = True
    if not (tst.intact and tst.valid):
        report.add("signature.timestamp", False, "bundle.verify.sig_timestamp_bad", time=time)
        return None
    if not tst.trusted:
        report.add("signature.timestamp", False, "verify_trust.sig_timestamp_untrusted",
                   time=time, tsa=_authority_name(tst.signing_cert), field=name)
        return None
    report.add("signature.timestamp", True, "bundle.verify.sig_timestamp", time=time)
    if facts is not None:
        facts.signature_timestamp = tst.timestamp
    return time


def _trusted_time(status: object) -> datetime | None:
    """The time of the signature timestamp when pyHanko found it intact and trusted."""
    tst = getattr(status, "timestamp_validity", None)
    if tst is None or not (tst.intact and tst.valid and tst.trusted):
        return None
    moment = tst.timestamp
    return moment if isinstance(moment, datetime) else None


def _provable_now(sig: EmbeddedPdfSignature, stamp: datetime,
                  sig_roots: Sequence[asn1_x509.Certificate],
                  ts_roots: Sequence[asn1_x509.Certificate],
                  archives: Sequence[EmbeddedPdfSignature]) -> bool:
    """The signature timestamp still proves its time today: its authority's certificate
    is trusted now, or it was at the time of a later document timestamp (which covers the
    token) whose own authority is trusted now. A token is otherwise judged at the time it
    states itself - and whoever holds an expired authority's old key can state any time."""
    now = datetime.now(UTC)
    moments = [now]
    for stamp_sig in archives:
        if stamp_sig.signed_revision <= sig.signed_revision:
            continue
        try:
            ts = validate_pdf_timestamp(stamp_sig, skip_diff=True, validation_context=ts_context(
                stamp_sig.signed_data, ts_roots, now))
        except Exception:  # noqa: BLE001 - a hostile token proves nothing
            continue
        if ts.intact and ts.valid and ts.trusted and isinstance(ts.timestamp, datetime):
            moments.append(ts.timestamp)
    for moment in moments:
        status = _status(sig, sig_roots, ts_roots, skip_diff=True, ts_at=moment)
        if not isinstance(status, str) and _trusted_time(status) == stamp:
            return True
    return False


def _revoked(sig: EmbeddedPdfSignature, status: Any, sig_roots: Sequence[asn1_x509.Certificate],
             ts_roots: Sequence[asn1_x509.Certificate], report: VerifyReport,
             subject: str) -> bool | None:
    """None: pyHanko found no revocation in the signer's path. Else the revocation is
    judged at the signature's trusted time (its timestamp's, else now): revoked after a
    trusted timestamp that shows the signature existed before, and trusted then - False
    (confirmed); otherwise True, said as a failure (a revoked key may be anyone's)."""
    details = getattr(status, "revocation_details", None)
    if details is None:
        return None
    stamp = _trusted_time(status)
    if stamp is not None and stamp < details.revocation_date:
        then = _status(sig, sig_roots, ts_roots, skip_diff=True, moment=stamp)
        if not isinstance(then, str) and then.trusted and then.revocation_details is None:
            return False
    report.add("signature.validity", False, "verify_round2.signer_revoked",
               field=sig.field_name, signer=display_name(subject),
               revoked=details.revocation_date.isoformat(),
               time=stamp.isoformat() if stamp is not None else "—")
    return True


def _past_validity(sig: EmbeddedPdfSignature, cert: x509.Certificate, status: Any,
                   sig_roots: Sequence[asn1_x509.Certificate],
                   ts_roots: Sequence[asn1_x509.Certificate], report: VerifyReport,
                   subject: str, archives: Sequence[EmbeddedPdfSignature]) -> bool:
    """For a valid signature that no root confirms now: if its certificate has expired,
    judge it at the time of the trusted signature timestamp (:mod:`.verify_expired`) and
    say so - only while that timestamp's authority is trusted now or was at a later
    document timestamp's time (:func:`_provable_now`). True when the recipient's roots
    confirm it at that time."""
    if not sig_roots or bool(status.trusted):
        return False
    seen: list[Any] = []

    def status_at(moment: datetime) -> Any:
        seen.append(_status(sig, sig_roots, ts_roots, skip_diff=True, moment=moment))
        return seen[-1]

    judged = judge_expired(cert, _trusted_time(status), status_at, provable_now=lambda stamp:
                           _provable_now(sig, stamp, sig_roots, ts_roots, archives))
    if judged is None:
        return False
    if seen and _revoked(sig, seen[-1], sig_roots, ts_roots, report, subject):
        return False
    if judged.key is not None:
        report.add("signature.validity", True if judged.trusted else None, judged.key,
                   field=sig.field_name, signer=display_name(subject), **judged.params)
    return judged.trusted


def _confirm(fp: str, trusted: bool, expect: str | None) -> str:
    if expect is not None:
        try:
            if fingerprint_matches(fp, expect):
                return CONFIRMED_FINGERPRINT
        except ValueError:
            return MISMATCH
        return MISMATCH
    return CONFIRMED_ROOT if trusted else UNCONFIRMED


def _holder(sig: EmbeddedPdfSignature, report: VerifyReport, facts: SignatureFacts,
            sig_roots: Sequence[asn1_x509.Certificate], ts_roots: Sequence[asn1_x509.Certificate],
            expect: str | None, later: bool,
            archives: Sequence[EmbeddedPdfSignature] = ()) -> Any:
    cert = _signer_cert(sig)
    container_ok = _container(sig, report, sig.field_name)
    if cert is None:
        report.add("signature.intact", False, "bundle.verify.sig_unreadable",
                   error="no signer certificate")
        return None
    facts.holder_cert = asn1_x509.Certificate.load(
        cert.public_bytes(serialization.Encoding.DER))
    fp = cert_fingerprint(cert)
    report.fingerprint = fp
    report.signer = cert.subject.rfc4514_string()
    status = _status(sig, sig_roots, ts_roots, skip_diff=not later)
    if isinstance(status, str):
        report.add("signature.intact", False, "bundle.verify.sig_unreadable", error=status)
        report.signers.append(SignerResult("holder", sig.field_name, report.signer, fp,
                                           INVALID))
        return None
    intact = bool(status.intact and status.valid)
    if status.signer_reported_dt is not None:
        report.signed_at = status.signer_reported_dt.isoformat()
    if intact:
        report.add("signature.intact", True, "bundle.verify.sig_ok",
                   signer=display_name(report.signer), time=report.signed_at or "—")
    elif not status.intact:
        report.add("signature.intact", False, "bundle.verify.sig_digest")
    else:
        report.add("signature.intact", False, "bundle.verify.sig_invalid")
    if container_ok:
        report.add("signature.container", True, "verify_trust.cms_ok")
    stamp = _signer_timestamp(status, report, facts, sig.field_name)
    trusted = bool(status.trusted)
    revoked = _revoked(sig, status, sig_roots, ts_roots, report, report.signer)
    if revoked is not None:
        trusted = not revoked
    if intact and expect is None and not trusted and revoked is None:
        trusted = _past_validity(sig, cert, status, sig_roots, ts_roots, report,
                                 report.signer, archives)
    state = _confirm(fp, trusted, expect) if intact else INVALID
    pinned = None
    if state == CONFIRMED_FINGERPRINT:  # an expired certificate: only with proof of time
        pinned = judge_expired_pinned(cert, _trusted_time(status), lambda stamp: _provable_now(
            sig, stamp, sig_roots, ts_roots, archives))
        if pinned is not None and pinned.key is not None:
            report.add("signature.validity", True if pinned.trusted else None, pinned.key,
                       field=sig.field_name, signer=display_name(report.signer),
                       **pinned.params)
        if pinned is not None and not pinned.trusted:
            state = UNCONFIRMED
    report.signers.append(SignerResult("holder", sig.field_name, report.signer, fp, state,
                                       report.signed_at, stamp))
    shown = format_fingerprint(fp)
    short = short_fingerprint(fp)
    if state == CONFIRMED_FINGERPRINT:
        report.add("signature.fingerprint", True, "bundle.verify.fp_expected_ok",
                   fingerprint=shown)
    elif state == MISMATCH:
        try:
            kind, value = normalize_fingerprint(expect or "")
            wanted = format_fingerprint(value) if kind == "sha256" else value
        except ValueError:
            wanted = expect or ""
        report.add("signature.fingerprint", False, "bundle.verify.fp_expected_bad",
                   fingerprint=shown, expected=wanted)
    elif state == CONFIRMED_ROOT:
        report.add("signature.fingerprint", True, "verify_trust.signer_trusted_root",
                   fingerprint=shown, short=short)
    elif state == UNCONFIRMED and pinned is not None:
        report.add("signature.fingerprint", None, "verify_round2.fp_expired",
                   fingerprint=shown)
    elif state == UNCONFIRMED:
        report.add("signature.fingerprint", None, "verify_trust.signer_unconfirmed",
                   fingerprint=shown, short=short)
    return status


def _countersigner(sig: EmbeddedPdfSignature, report: VerifyReport,
                   sig_roots: Sequence[asn1_x509.Certificate],
                   ts_roots: Sequence[asn1_x509.Certificate],
                   archives: Sequence[EmbeddedPdfSignature] = ()) -> None:
    cert = _signer_cert(sig)
    container_ok = _container(sig, report, sig.field_name)
    fp = cert_fingerprint(cert) if cert is not None else "00" * 32
    subject = cert.subject.rfc4514_string() if cert is not None else "?"
    status = _status(sig, sig_roots, ts_roots, skip_diff=True) if cert is not None else "-"
    state, when, stamp = INVALID, None, None
    if not isinstance(status, str):
        intact = bool(status.intact and status.valid)
        when = status.signer_reported_dt
        stamp = _signer_timestamp(status, report, None, sig.field_name)
        revoked = _revoked(sig, status, sig_roots, ts_roots, report, subject)
        if intact and container_ok and revoked is not None:
            state = UNCONFIRMED if revoked else CONFIRMED_ROOT
        elif intact and container_ok:
            trusted = bool(status.trusted) or (
                cert is not None and
                _past_validity(sig, cert, status, sig_roots, ts_roots, report, subject,
                               archives))
            state = CONFIRMED_ROOT if trusted else UNCONFIRMED
    report.signers.append(SignerResult("countersigner", sig.field_name, subject, fp, state,
                                       when.isoformat() if when else None, stamp))
    params = {"field": sig.field_name, "signer": display_name(subject),
              "fingerprint": format_fingerprint(fp),
              "short": short_fingerprint(fp)}
    if state == INVALID:
        report.add("signature.countersignature", False, "verify_trust.counter_bad", **params)
    elif state == CONFIRMED_ROOT:
        report.add("signature.countersignature", True, "verify_trust.counter_trusted", **params)
    else:
        report.add("signature.countersignature", None, "verify_weak.counter_unconfirmed",
                   **params)


def _document_timestamp(stamp: EmbeddedPdfSignature, report: VerifyReport,
                        facts: SignatureFacts, ts_roots: Sequence[asn1_x509.Certificate],
                        after: datetime | None) -> None:
    _container(stamp, report, stamp.field_name, timestamp=True)
    try:
        ts = validate_pdf_timestamp(stamp, validation_context=ts_context(stamp.signed_data,
                                                                         ts_roots),
                                    skip_diff=True)
        params = {"time": ts.timestamp.isoformat(),
                  "tsa": _authority_name(stamp.signer_cert)}
    except Exception as exc:  # noqa: BLE001 - a hostile token must give a verdict
        log.info("pyHanko refused the document timestamp (%s)", type(exc).__name__)
        report.add("timestamp.document", False, "bundle.verify.doc_timestamp_bad",
                   time="?", tsa="?")
        return
    if not (ts.intact and ts.valid):
        report.add("timestamp.document", False, "bundle.verify.doc_timestamp_bad", **params)
    elif not ts.trusted:
        report.add("timestamp.document", False, "bundle.verify.doc_timestamp_untrusted",
                   **params)
    elif after is not None and ts.timestamp < after - CLOCK_SKEW:
        report.add("timestamp.document", False, "bundle.verify.doc_timestamp_early",
                   signed=after.isoformat(), **params)
    else:
        report.add("timestamp.document", True, "bundle.verify.doc_timestamp", **params)
        facts.document_timestamps.append(ts.timestamp)


def _coverage(reader: PdfFileReader, holder: EmbeddedPdfSignature, status: Any,
              report: VerifyReport, tail: bytes) -> None:
    """The holder's signature covers the file, or only allowed updates follow it."""
    coverage = status.coverage
    total = reader.xrefs.total_revisions
    if trailing_bytes(tail):
        report.add("signature.coverage", False, "verify_trust.trailing_data")
        report.add("revisions.after", False, "verify_trust.trailing_data")
        return
    if coverage == SignatureCoverageLevel.ENTIRE_FILE and holder.signed_revision == total - 1:
        if not (getattr(status, "intact", False) and getattr(status, "valid", False)):
            # Nothing was appended, but the signed bytes themselves changed: never a tick
            # beside the failed signature (a reader would quote the two as contradicting).
            report.add("signature.coverage", None, "verify_trust.coverage_changed_inside")
            return
        report.add("signature.coverage", True, "bundle.verify.coverage_ok")
        report.add("revisions.after", True, "verify_trust.revisions_none")
        return
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        report.add("signature.coverage", False, "bundle.verify.modified_after")
        return
    problems = revision_problems(reader, holder.signed_revision)
    level = status.modification_level
    if level is None or level > ModificationLevel.FORM_FILLING:
        problems.append((total, "pyhanko", str(getattr(level, "name", level))))
    if problems:
        report.add("signature.coverage", False, "bundle.verify.modified_after")
        for rev, what, detail in problems[:8]:
            report.add("revisions.after", False, "verify_trust.rev." + what, revision=rev,
                       detail=detail)
        return
    report.add("signature.coverage", True, "bundle.verify.coverage_ts")
    report.add("revisions.after", True, "verify_trust.revisions_ok",
               count=total - 1 - holder.signed_revision)


def _name_refused_containers(reader: PdfFileReader, report: VerifyReport) -> None:
    """When pyHanko refuses to read a signature at all, say what is wrong with each
    container it could not read."""
    from pyhanko.sign.fields import enumerate_sig_fields

    try:
        for name, value, _ref in enumerate_sig_fields(reader, filled_status=True):
            contents = value.get_object().get("/Contents")
            if not isinstance(contents, (bytes, str)):
                continue
            raw = contents if isinstance(contents, bytes) else contents.encode("latin-1")
            timestamp = value.get_object().get("/Type") == "/DocTimeStamp"
            for problem in container_problems(raw, signer_der=signer_certificate(raw),
                                              timestamp=timestamp):
                report.add("signature.container", False, "verify_trust.cms." + problem,
                           field=str(name))
    except PARSE_ERRORS as exc:
        log.info("signature fields unreadable (%s)", type(exc).__name__)


def check_signatures(reader: PdfFileReader, report: VerifyReport, *,
                     ts_roots: Sequence[asn1_x509.Certificate],
                     signer_roots: Sequence[asn1_x509.Certificate],
                     expect: str | None, tail: bytes) -> SignatureFacts:
    """Every signature and timestamp of the file; ``tail``: the file's last bytes (for
    data appended after the last revision)."""
    facts = SignatureFacts()
    try:
        sigs = sorted(reader.embedded_signatures, key=lambda s: s.signed_revision)
    except Exception as exc:  # noqa: BLE001 - pyHanko refuses some containers outright
        log.info("pyHanko cannot read the signatures (%s)", type(exc).__name__)
        _name_refused_containers(reader, report)
        report.add("signature.intact", False, "bundle.verify.sig_unreadable",
                   error=type(exc).__name__)
        return facts
    regular = [s for s in sigs if s.sig_object_type == "/Sig"]
    if not regular:
        report.add("signature.present", False, "bundle.verify.no_signature")
        return facts
    holder = regular[0]
    if sigs[0] is not holder:
        report.add("signature.present", False, "verify_trust.timestamp_before_signature")
    later = [s for s in sigs if s.signed_revision > holder.signed_revision]
    archives = [s for s in later if s.sig_object_type == "/DocTimeStamp"]
    status = _holder(holder, report, facts, signer_roots, ts_roots, expect,
                     later=reader.xrefs.total_revisions - 1 > holder.signed_revision,
                     archives=archives)
    after = None
    if status is not None:
        _coverage(reader, holder, status, report, tail)
        after = facts.signature_timestamp or status.signer_reported_dt
    for sig in later:
        if sig.sig_object_type == "/DocTimeStamp":
            _document_timestamp(sig, report, facts, ts_roots, after)
            if facts.document_timestamps:
                after = facts.document_timestamps[-1]
        else:
            _countersigner(sig, report, signer_roots, ts_roots, archives)
    return facts
