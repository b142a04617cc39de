"""Signing the bundle with the vault identity (pyHanko, PAdES baseline B-B or B-T).

The vault's ECDSA P-256 key and self-signed certificate come from pyca/cryptography and
are handed to pyHanko as asn1crypto objects. With a :class:`TimeStamper` the signature gets
a signature timestamp (B-T) and the file a PAdES document timestamp; when the time-stamp
authority cannot be reached, the file is signed without (B-B) and the caller is told.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import BinaryIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator.registry import SimpleCertificateStore

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
    """What was added: the signature (always), a signature timestamp, a document timestamp."""

    signature_timestamp: bool
    document_timestamp: bool


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


def make_signer(key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> signers.SimpleSigner:
    """A pyHanko signer over the vault identity (key material stays in memory)."""
    asn1_key, asn1_cert = to_asn1(key, cert)
    return signers.SimpleSigner(
        signing_cert=asn1_cert,
        signing_key=asn1_key,
        # the signing certificate goes into the CMS by itself: listing it in the registry
        # too would put it there twice, which verification refuses
        cert_registry=SimpleCertificateStore(),
    )


def _sign(fh: BinaryIO, signer: signers.SimpleSigner, timestamper: TimeStamper | None,
          name: str | None) -> None:
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=SIGN_REASON,
        name=name,
    )
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper)
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
    document_timestamp: bool = True,
) -> SignOutcome:
    """Append the signature revision (and a document timestamp) to the PDF open in ``fh``.

    ``fh`` must be opened read-write (``r+b``) and hold the complete unsigned bundle. When
    the time-stamp authority fails, whatever was appended is cut off again and the file is
    signed without a timestamp; the outcome says what was added. ``document_timestamp``:
    add the document timestamp too (when a ``timestamper`` is given).
    """
    signer = make_signer(key, cert)
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
    doc_ts = False
    if timestamper is not None and sig_ts and document_timestamp:
        fh.seek(0, 2)
        signed_len = fh.tell()
        try:
            fh.seek(0)
            writer = IncrementalPdfFileWriter(fh)
            signers.PdfTimeStamper(timestamper, field_name=TIMESTAMP_FIELD).timestamp_pdf(
                writer, "sha256", in_place=True
            )
            doc_ts = True
        except tsa_errors as exc:
            log.warning("document timestamp failed (%s)", type(exc).__name__)
            fh.seek(signed_len)
            fh.truncate()
    fh.flush()
    return SignOutcome(signature_timestamp=sig_ts, document_timestamp=doc_ts)
