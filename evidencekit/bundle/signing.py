"""Signing the bundle with the vault identity (pyHanko, PAdES baseline B-B … B-LTA).

The vault's ECDSA P-256 key and self-signed certificate come from pyca/cryptography and
are handed to pyHanko as asn1crypto objects. With a :class:`TimeStamper` the signature gets
a signature timestamp (B-T), then :mod:`.ltv` appends the validation data (DSS: chains and
any revocation data) and a document timestamp over it (B-LT, B-LTA). When the time-stamp
authority cannot be reached, the file is signed without (B-B) and the caller is told.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import constants as sign_constants
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from evidencekit.bundle.ltv import ArchiveOutcome, append_archive_timestamp, timestamper_roots
from evidencekit.errors import NetworkError, TimestampError

__all__ = [
    "SIGNATURE_FIELD",
    "SignOutcome",
    "to_asn1",
    "make_signer",
    "sign_in_place",
]

log = logging.getLogger(__name__)

SIGNATURE_FIELD = "EvidenceKitSignature"
TIMESTAMP_FIELD = "EvidenceKitDocumentTimestamp"
SIGN_REASON = "EvidenceKit evidence bundle"


def _tsa_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [
        TimestampRequestError,
        OSError,
        TimeoutError,
        asyncio.TimeoutError,
        TimestampError,
        NetworkError,
    ]
    try:
        import aiohttp

        errors.append(aiohttp.ClientError)
    except ImportError:  # pragma: no cover - aiohttp is a pyHanko extra
        pass
    return tuple(errors)


@dataclass(frozen=True)
class SignOutcome:
    """What was added: the signature (always), a signature timestamp, a document timestamp
    (with the DSS before it: ``archive`` describes the validation data)."""

    signature_timestamp: bool
    document_timestamp: bool
    archive: ArchiveOutcome | None = None


def to_asn1(
    key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
) -> tuple[asn1_keys.PrivateKeyInfo, asn1_x509.Certificate]:
    """The cryptography key and certificate as the asn1crypto objects pyHanko expects."""
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        asn1_keys.PrivateKeyInfo.load(key_der),
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
    )


def make_signer(key: ec.EllipticCurvePrivateKey, cert: x509.Certificate,
                chain: Sequence[x509.Certificate] = ()) -> signers.SimpleSigner:
    """A pyHanko signer over the vault identity (key material stays in memory); the CMS
    carries ``cert`` and its issuers ``chain`` (empty for a self-signed identity), each
    once: pyHanko adds the signing certificate itself, so the registry holds only issuers."""
    asn1_key, asn1_cert = to_asn1(key, cert)
    issuers = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
               for c in chain if c != cert]
    return signers.SimpleSigner(
        signing_cert=asn1_cert,
        signing_key=asn1_key,
        cert_registry=SimpleCertificateStore.from_certs(issuers),
    )


class _Pdf17Signer(signers.PdfSigner):
    """A PAdES signer that keeps the file at PDF 1.7 (PDF/A-3 is based on 1.7).

    pyHanko also announces the ISO 32002 extension for ECDSA keys, which sets the
    catalogue's ``/Version`` to 2.0; PAdES on PDF 1.7 needs only the ESIC extension
    (ECDSA is a PAdES signature algorithm there), so only that one is registered.
    """

    def register_extensions(self, pdf_out: BasePdfFileWriter, *, md_algorithm: str) -> None:
        pdf_out.ensure_output_version(version=(1, 7))
        pdf_out.register_extension(sign_constants.ESIC_EXTENSION_1)


def _sign(fh: BinaryIO, signer: signers.SimpleSigner, timestamper: TimeStamper | None,
          name: str | None) -> None:
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=SIGN_REASON,
        name=name,
    )
    pdf_signer = _Pdf17Signer(meta, signer=signer, timestamper=timestamper)
    fh.seek(0)
    writer = IncrementalPdfFileWriter(fh)
    pdf_signer.sign_pdf(writer, in_place=True)


def sign_in_place(
    fh: BinaryIO,
    key: ec.EllipticCurvePrivateKey,
    cert: x509.Certificate,
    *,
    timestamper: TimeStamper | None = None,
    signer_name: str | None = None,
    chain: Sequence[x509.Certificate] = (),
) -> SignOutcome:
    """Append the signature revision (and a document timestamp) to the PDF open in ``fh``.

    ``fh`` must be opened read-write (``r+b``) and hold the complete unsigned bundle. When
    the time-stamp authority fails, whatever was appended is cut off again and the file is
    signed without a timestamp; the outcome says what was added.
    """
    signer = make_signer(key, cert, chain)
    fh.seek(0, 2)
    unsigned_len = fh.tell()
    tsa_errors = _tsa_errors()
    sig_ts = False
    if timestamper is not None:
        try:
            _sign(fh, signer, timestamper, signer_name)
            sig_ts = True
        except tsa_errors as exc:
            log.warning("time-stamp authority unavailable, signing without (%s)",
                        type(exc).__name__)
            fh.seek(unsigned_len)
            fh.truncate()
    if not sig_ts:
        _sign(fh, signer, None, signer_name)
    archive: ArchiveOutcome | None = None
    if timestamper is not None and sig_ts:
        fh.seek(0, 2)
        signed_len = fh.tell()
        try:
            archive = append_archive_timestamp(
                fh, timestamper, field_name=TIMESTAMP_FIELD,
                extra_certs=timestamper_roots(timestamper),
            )
        except tsa_errors as exc:
            log.warning("document timestamp failed (%s)", type(exc).__name__)
            fh.seek(signed_len)
            fh.truncate()
    fh.flush()
    return SignOutcome(signature_timestamp=sig_ts, document_timestamp=archive is not None,
                       archive=archive)
