"""PAdES long-term validation of a bundle: validation data (DSS) and archive timestamps.

After the holder's signature (with its signature timestamp, PAdES B-T) the exporter calls
:func:`append_archive_timestamp`: one incremental revision holding the document security
store (DSS) — the signer's certificate chain, the time-stamp authorities' chains and any
revocation data (OCSP responses, CRLs) that can be fetched — and a document timestamp
over the whole file, DSS included (PAdES B-LT + B-LTA). The revision ends with the
timestamp, so it covers the file to its last byte.

:func:`renew_bundle` does the same later, for a bundle already signed: the DSS is brought
up to date (the newest document timestamp's authority chain and fresh revocation data
are added; nothing is removed) and a fresh archive timestamp is appended. Every earlier
signature and timestamp stays valid because nothing before them changes. Renew before
the newest archive timestamp's authority certificate expires (see :mod:`.pades_level`).

For a self-signed vault identity no revocation data exists (nobody could revoke it);
the outcome and the verify report say so rather than pretend otherwise.

The renewal is crash-safe: the new revision is built in memory over a read-only view of
the bundle, and only when the time-stamp authority has answered is it appended to the
file in one write (or to a copy, with ``out``).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import secrets
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from asn1crypto import cms, crl, ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import misc
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors

from evidencekit.bundle.verify_contexts import signature_tst
from evidencekit.errors import InputError, StorageError
from evidencekit.model import Progress
from evidencekit.vault.atomic import fsync_dir

__all__ = [
    "ArchiveOutcome",
    "RenewResult",
    "append_archive_timestamp",
    "async_append_archive_timestamp",
    "renew_bundle",
    "timestamper_roots",
    "cert_name",
    "has_revinfo",
    "ARCHIVE_FIELD_PREFIX",
]

log = logging.getLogger(__name__)

ARCHIVE_FIELD_PREFIX = "EvidenceKitArchiveTimestamp"
MD_ALGORITHM = "sha256"
CHUNK = 4 * 1024 * 1024
_MAX_CHAIN = 10
_CV_ERRORS: tuple[type[BaseException], ...] = (
    cv_errors.PathError,
    cv_errors.ValidationError,
    cv_errors.CRLValidationError,
    cv_errors.OCSPValidationError,
    ValueError,
    OSError,
    asyncio.TimeoutError,
)


@dataclass(frozen=True)
class ArchiveOutcome:
    """What the DSS revision holds: counts, and which certificates lack revocation data.

    ``self_signed_signer``: the signer certificate is its own root, so there is no
    revocation data for it to embed. ``missing_revocation``: subjects of certificates
    that name an OCSP or CRL address but for which none could be fetched (offline).
    """

    field_name: str
    certificates: int
    ocsp_responses: int
    crls: int
    self_signed_signer: bool
    missing_revocation: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenewResult:
    """A renewed bundle: where it is, its new size, the size before, and the DSS outcome.
    (No SHA-256 here: hashing the file again would double the time of a renewal.)"""

    path: Path
    size: int
    previous_size: int
    outcome: ArchiveOutcome


# -- certificate chains ----------------------------------------------------------------------


def _same(a: asn1_x509.Certificate, b: asn1_x509.Certificate) -> bool:
    return bool(a.dump() == b.dump())


def _is_self_issued(cert: asn1_x509.Certificate) -> bool:
    return bool(cert.self_issued)


def cert_name(cert: asn1_x509.Certificate) -> str:
    """A certificate's common name (or its whole subject when it has none), for messages."""
    cn = cert.subject.native.get("common_name")
    if isinstance(cn, list):
        cn = cn[0] if cn else None
    return str(cn) if cn else str(cert.subject.human_friendly)


def _issuer_of(cert: asn1_x509.Certificate, pool: Sequence[asn1_x509.Certificate]
               ) -> asn1_x509.Certificate | None:
    aki = cert.authority_key_identifier
    for cand in pool:
        if _same(cand, cert) or cand.subject != cert.issuer:
            continue
        if aki is not None and cand.key_identifier is not None and cand.key_identifier != aki:
            continue
        return cand
    return None


def _chain(leaf: asn1_x509.Certificate, pool: Sequence[asn1_x509.Certificate]
           ) -> list[asn1_x509.Certificate]:
    """``leaf`` and its issuers found in ``pool``, up to a self-issued root (or as far as
    the pool goes). Nothing is trusted here: this only gathers material for the DSS."""
    chain = [leaf]
    while len(chain) < _MAX_CHAIN and not _is_self_issued(chain[-1]):
        issuer = _issuer_of(chain[-1], pool)
        if issuer is None or any(_same(issuer, c) for c in chain):
            break
        chain.append(issuer)
    return chain


def _token_certs(signed_data: cms.SignedData) -> tuple[asn1_x509.Certificate | None,
                                                       list[asn1_x509.Certificate]]:
    """The signer certificate of a CMS signed data (token or signature) and all its
    embedded certificates."""
    certs = [c.chosen for c in signed_data["certificates"] or []
             if isinstance(c.chosen, asn1_x509.Certificate)]
    try:
        sid = signed_data["signer_infos"][0]["sid"]
    except (IndexError, KeyError):
        return None, certs
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if cert.issuer == ias["issuer"] and cert.serial_number == ias["serial_number"].native:
                return cert, certs
        elif cert.key_identifier == sid.chosen.native:
            return cert, certs
    return None, certs


def timestamper_roots(timestamper: Any) -> list[asn1_x509.Certificate]:
    """The trust roots a :class:`~evidencekit.timestamps.document.VerifyingHTTPTimeStamper`
    was given (public roots plus the user's), to complete the authority's chain."""
    roots = getattr(timestamper, "_roots", None)
    return [r for r in roots or [] if isinstance(r, asn1_x509.Certificate)]


# -- validation material ---------------------------------------------------------------------


@dataclass
class _Material:
    chains: list[list[asn1_x509.Certificate]] = field(default_factory=list)
    leaves_eku: list[tuple[asn1_x509.Certificate, set[str] | None]] = field(
        default_factory=list)
    self_signed_signer: bool = False

    def certs(self) -> list[asn1_x509.Certificate]:
        out: list[asn1_x509.Certificate] = []
        for chain in self.chains:
            for cert in chain:
                if not any(_same(cert, c) for c in out):
                    out.append(cert)
        return out


def _material(reader: PdfFileReader, extra: Sequence[asn1_x509.Certificate]) -> _Material:
    """Chains of the signer and of every time-stamp authority used in the file."""
    mat = _Material()
    sigs = reader.embedded_signatures
    regular = [s for s in sigs if s.sig_object_type == "/Sig"]
    if not regular:
        raise InputError("pades.not_signed")
    for sig in sigs:
        leaf, certs = _token_certs(sig.signed_data)
        if leaf is None:
            continue
        pool = [*certs, *extra]
        chain = _chain(leaf, pool)
        is_stamp = sig.sig_object_type == "/DocTimeStamp"
        mat.chains.append(chain)
        mat.leaves_eku.append((leaf, {"time_stamping"} if is_stamp else None))
        if not is_stamp:
            mat.self_signed_signer = mat.self_signed_signer or (
                len(chain) == 1 and _is_self_issued(leaf))
            token = signature_tst(sig)
            if token is not None:
                ts_leaf, ts_certs = _token_certs(token)
                if ts_leaf is not None:
                    mat.chains.append(_chain(ts_leaf, [*ts_certs, *extra]))
                    mat.leaves_eku.append((ts_leaf, {"time_stamping"}))
    return mat


def has_revinfo(cert: asn1_x509.Certificate, ocsps: Iterable[ocsp.OCSPResponse],
                crls: Iterable[crl.CertificateList]) -> bool:
    """Whether an OCSP response names ``cert`` or a CRL of its issuer is among those given
    (also used by :mod:`~.pades_level` on what a bundle's DSS holds: never raises)."""
    for resp in ocsps:
        try:
            basic = resp["response_bytes"]["response"].parsed
            for single in basic["tbs_response_data"]["responses"]:
                if single["cert_id"]["serial_number"].native == cert.serial_number:
                    return True
        except (KeyError, ValueError, TypeError, IndexError, AttributeError):
            continue
    return any(c.issuer == cert.issuer for c in crls)


async def _fetch_revinfo(mat: _Material, online: bool
                         ) -> tuple[ValidationContext, list[str]]:
    """Run path validation once per leaf (anchored at the top of its own chain) so that
    pyhanko-certvalidator fetches OCSP responses / CRLs when ``online``; returns the
    context holding what was fetched and the subjects still without revocation data."""
    anchors = [chain[-1] for chain in mat.chains]
    vc = ValidationContext(trust_roots=anchors, other_certs=mat.certs(),
                           allow_fetching=online, revocation_mode="soft-fail")
    try:
        for leaf, eku in mat.leaves_eku:
            chain = next(c for c in mat.chains if _same(c[0], leaf))
            validator = CertificateValidator(leaf, intermediate_certs=chain[1:-1],
                                             validation_context=vc)
            try:
                await validator.async_validate_usage(set(), extended_key_usage=eku,
                                                     extended_optional=eku is None)
            except _CV_ERRORS as exc:
                log.info("validation data for a certificate is incomplete (%s)",
                         type(exc).__name__)
    finally:
        await vc.aclose()  # the fetchers' network sessions; what they fetched stays
    missing: list[str] = []
    for chain in mat.chains:
        for cert in chain:
            if _is_self_issued(cert):
                continue
            wants = bool(cert.ocsp_urls) or bool(cert.crl_distribution_points)
            if wants and not has_revinfo(cert, vc.ocsps, vc.crls):
                name = cert_name(cert)
                if name not in missing:
                    missing.append(name)
    return vc, missing


def _next_field_name(reader: PdfFileReader) -> str:
    names = {str(s.field_name) for s in reader.embedded_signatures}
    n = 1
    while f"{ARCHIVE_FIELD_PREFIX}{n}" in names:
        n += 1
    return f"{ARCHIVE_FIELD_PREFIX}{n}"


async def async_append_archive_timestamp(
    stream: BinaryIO,
    timestamper: TimeStamper,
    *,
    field_name: str | None = None,
    extra_certs: Sequence[asn1_x509.Certificate] = (),
    online: bool = True,
) -> ArchiveOutcome:
    """Append one revision to the signed PDF in ``stream`` (read-write, positioned
    anywhere): the DSS with every chain and the revocation data that could be fetched,
    then a document timestamp over everything. Raises pyHanko / network errors from the
    time-stamp authority (the caller undoes the partial write); :class:`InputError`
    ``pades.not_signed`` if the file has no signature.
    """
    stream.seek(0)
    reader = PdfFileReader(stream, strict=False)
    mat = _material(reader, extra_certs)
    vc, missing = await _fetch_revinfo(mat, online)
    name = field_name or _next_field_name(reader)
    writer = IncrementalPdfFileWriter.from_reader(reader)
    DocumentSecurityStore.supply_dss_in_writer(
        writer, None, certs=mat.certs(), validation_context=vc)
    await signers.PdfTimeStamper(timestamper, field_name=name).async_timestamp_pdf(
        writer, MD_ALGORITHM, in_place=True, chunk_size=CHUNK)
    outcome = ArchiveOutcome(
        field_name=name,
        certificates=len(mat.certs()),
        ocsp_responses=len(list(vc.ocsps)),
        crls=len(list(vc.crls)),
        self_signed_signer=mat.self_signed_signer,
        missing_revocation=tuple(missing),
    )
    if missing:
        log.warning("no revocation data could be obtained for %d certificate(s)",
                    len(missing))
    return outcome


def append_archive_timestamp(stream: BinaryIO, timestamper: TimeStamper, **kwargs: Any
                             ) -> ArchiveOutcome:
    """:func:`async_append_archive_timestamp` through ``asyncio.run`` (call it from a
    thread that runs no event loop)."""
    return asyncio.run(async_append_archive_timestamp(stream, timestamper, **kwargs))


# -- renewal -------------------------------------------------------------------------------


class _AppendOnlyView(io.RawIOBase):
    """A seekable read-write view of ``base`` (opened read-only) whose writes may only go
    past its end: they land in memory. pyHanko writes its incremental revision here, so
    the bundle on disk is untouched until :meth:`tail` is appended in one write."""

    def __init__(self, base: BinaryIO) -> None:
        super().__init__()
        self._base = base
        base.seek(0, os.SEEK_END)
        self.base_len = base.tell()
        self._tail = bytearray()
        self._pos = 0

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            pos = offset
        elif whence == os.SEEK_CUR:
            pos = self._pos + offset
        else:
            pos = self.base_len + len(self._tail) + offset
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = len(view)
        done = 0
        if self._pos < self.base_len and want:
            self._base.seek(self._pos)
            n = self._base.readinto(  # type: ignore[attr-defined]
                view[: min(want, self.base_len - self._pos)]) or 0
            done += n
            self._pos += n
            if n == 0:
                return done
        if done < want and self._pos >= self.base_len:
            start = self._pos - self.base_len
            chunk = self._tail[start: start + want - done]
            view[done: done + len(chunk)] = chunk
            done += len(chunk)
            self._pos += len(chunk)
        return done

    def write(self, data: Any) -> int:
        data = bytes(data)
        if self._pos < self.base_len:
            raise OSError("the signed part of the bundle cannot be changed")
        start = self._pos - self.base_len
        if start > len(self._tail):
            self._tail.extend(b"\0" * (start - len(self._tail)))
        self._tail[start: start + len(data)] = data
        self._pos += len(data)
        return len(data)

    def tail(self) -> bytes:
        return bytes(self._tail)


def _append(path: Path, expect_len: int, tail: bytes) -> None:
    with path.open("r+b") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell() != expect_len:
            raise StorageError("pades.renew_changed", path=str(path))
        fh.write(tail)
        fh.flush()
        os.fsync(fh.fileno())


def renew_bundle(
    path: str | os.PathLike[str],
    timestamper: TimeStamper,
    *,
    out: str | os.PathLike[str] | None = None,
    extra_certs: Sequence[asn1_x509.Certificate] = (),
    online: bool = True,
    progress: Progress | None = None,
) -> RenewResult:
    """Add a fresh archive timestamp (and updated DSS) to the signed bundle at ``path``.

    :param path: the bundle; appended to in place unless ``out`` is given.
    :param timestamper: pyHanko ``TimeStamper`` of the time-stamp authority (use
        :func:`~evidencekit.timestamps.document.document_timestamper`).
    :param out: write the renewed bundle there instead (a copy plus the new revision;
        replaced atomically).
    :param extra_certs: certificates that may complete the authorities' chains (roots).
    :param online: fetch OCSP responses / CRLs named in the certificates.
    :raises InputError: not a PDF, or not a signed bundle.
    :raises StorageError: the file could not be read or written, or changed meanwhile.
    Errors of the time-stamp authority propagate (pyHanko ``TimestampRequestError``,
    :class:`~evidencekit.errors.TimestampError`); the bundle is then left as it was.
    """
    src = Path(path)
    if not src.is_file():
        raise InputError("error.cannot_read_file", path=str(src), reason="not a file")
    if progress is not None:
        progress(0, 2, "pades.progress.renew")
    try:
        base = src.open("rb")
    except OSError as exc:
        raise StorageError("pades.renew_write_failed", path=str(src),
                           reason=exc.strerror or type(exc).__name__) from exc
    # Errors below (network ones are OSErrors too) propagate: nothing was written yet.
    with base:
        if b"%PDF-" not in base.read(1024):
            raise InputError("pades.not_pdf", path=str(src))
        view = _AppendOnlyView(base)
        try:
            outcome = append_archive_timestamp(view, timestamper,  # type: ignore[arg-type]
                                               extra_certs=extra_certs, online=online)
        except misc.PdfReadError as exc:
            raise InputError("pades.not_pdf", path=str(src)) from exc
        base_len = view.base_len
        tail = view.tail()
    if progress is not None:
        progress(1, 2, "pades.progress.renew")
    target = Path(out) if out is not None else src
    try:
        if out is None:
            _append(src, base_len, tail)
        else:
            tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
            try:
                shutil.copyfile(src, tmp)
                _append(tmp, base_len, tail)
                os.replace(tmp, target)
                fsync_dir(target.parent)
            finally:
                tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise StorageError("pades.renew_write_failed", path=str(target),
                           reason=exc.strerror or type(exc).__name__) from exc
    if progress is not None:
        progress(2, 2, "pades.progress.renew")
    log.info("bundle renewed with a new archive timestamp (%s)", outcome.field_name)
    return RenewResult(path=target, size=base_len + len(tail), previous_size=base_len,
                       outcome=outcome)
