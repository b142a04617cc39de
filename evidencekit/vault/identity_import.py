"""Certificates a holder brings to the vault identity: a PKCS#12 file (key, certificate and
chain, e.g. a support centre's document-signing certificate), a certificate signing request
from the vault's own key, and the certificate a CA issued for that request.

Every function here checks that the key and certificate can sign documents (an elliptic
curve key, the certificate's public key is the key's, valid now, not a CA, key usage for
signatures) and raises :class:`~evidencekit.errors.InputError` with a message key otherwise.
Nothing here reads or writes a vault: :meth:`evidencekit.vault.Vault.replace_identity`
stores what these functions return.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from evidencekit.errors import InputError

__all__ = [
    "SigningIdentity",
    "DOCUMENT_SIGNING_EKUS",
    "load_pkcs12",
    "load_issued_certificate",
    "make_request",
    "check_signing_certificate",
    "order_chain",
    "is_self_signed",
    "common_name",
    "same_public_key",
]

log = logging.getLogger(__name__)

#: id-kp-documentSigning (RFC 9336).
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
#: Extended key usages under which a certificate may sign a PDF: document signing (RFC 9336),
#: e-mail protection (what NSS and so ``pdfsig`` check for signers), Adobe's authentic
#: documents, Microsoft's document signing, and "any".
DOCUMENT_SIGNING_EKUS = frozenset({
    DOCUMENT_SIGNING,
    ExtendedKeyUsageOID.EMAIL_PROTECTION,
    ObjectIdentifier("1.2.840.113583.1.1.5"),
    ObjectIdentifier("1.3.6.1.4.1.311.10.3.12"),
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
})
_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
_MAX_FILE = 1024 * 1024


@dataclass(frozen=True)
class SigningIdentity:
    """A signing key, its certificate and the issuing certificates (nearest issuer first)."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]


def common_name(name: x509.Name) -> str:
    """The CN of a name, or its RFC 4514 text when it has none."""
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def is_self_signed(cert: x509.Certificate) -> bool:
    """Whether ``cert`` names itself as issuer and its own key verifies its signature."""
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def same_public_key(a: x509.Certificate | ec.EllipticCurvePrivateKey,
                    b: x509.Certificate | ec.EllipticCurvePrivateKey) -> bool:
    def spki(x: x509.Certificate | ec.EllipticCurvePrivateKey) -> bytes:
        return x.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return spki(a) == spki(b)


def _check_key(key: object) -> ec.EllipticCurvePrivateKey:
    if key is None:
        raise InputError("identity.p12_no_key")
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise InputError("identity.key_unsupported", kind=type(key).__name__.lstrip("_"))
    if not isinstance(key.curve, _CURVES):
        raise InputError("identity.key_unsupported", kind=f"EC {key.curve.name}")
    return key


def check_signing_certificate(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey,
                              now: dt.datetime | None = None) -> None:
    """Refuse a certificate that cannot sign bundles with ``key``.

    :raises InputError: ``identity.key_mismatch`` (the certificate is for another key),
        ``identity.cert_expired`` / ``identity.cert_not_yet_valid``, ``identity.cert_is_ca``,
        ``identity.cert_not_for_signing`` (key usage or extended key usage forbid it).
    """
    if not same_public_key(cert, key):
        raise InputError("identity.key_mismatch")
    now = now or dt.datetime.now(dt.UTC)
    if cert.not_valid_after_utc <= now:
        raise InputError("identity.cert_expired", date=cert.not_valid_after_utc.date().isoformat())
    if cert.not_valid_before_utc > now + dt.timedelta(minutes=5):
        raise InputError("identity.cert_not_yet_valid",
                         date=cert.not_valid_before_utc.date().isoformat())
    exts = cert.extensions
    try:
        if exts.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise InputError("identity.cert_is_ca")
    except x509.ExtensionNotFound:
        pass
    try:
        usage = exts.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            raise InputError("identity.cert_not_for_signing")
    except x509.ExtensionNotFound:
        pass
    try:
        ekus = set(exts.get_extension_for_class(x509.ExtendedKeyUsage).value)
        if not ekus & DOCUMENT_SIGNING_EKUS:
            raise InputError("identity.cert_not_for_signing")
    except x509.ExtensionNotFound:
        pass


def order_chain(cert: x509.Certificate,
                others: Sequence[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """The issuers of ``cert`` found in ``others``, nearest first, each checked by signature
    (``verify_directly_issued_by``). Certificates not on the path are left out."""
    chain: list[x509.Certificate] = []
    current = cert
    pool = [c for c in others if c != cert]
    while pool and not is_self_signed(current):
        issuer = None
        for candidate in pool:
            try:
                current.verify_directly_issued_by(candidate)
            except (InvalidSignature, ValueError, TypeError):
                continue
            issuer = candidate
            break
        if issuer is None:
            break
        chain.append(issuer)
        pool.remove(issuer)
        current = issuer
    if len(chain) < len(others):
        log.info("%d certificate(s) not on the signer's path left out", len(others) - len(chain))
    return tuple(chain)


def _read(data: bytes) -> None:
    if not data:
        raise InputError("identity.file_empty")
    if len(data) > _MAX_FILE:
        raise InputError("identity.file_too_large")


def load_pkcs12(data: bytes, passphrase: str) -> SigningIdentity:
    """Key, certificate and chain from a PKCS#12 (``.p12`` / ``.pfx``) file, checked.

    :raises InputError: ``identity.p12_damaged`` (not a PKCS#12 file),
        ``identity.p12_wrong_passphrase``, ``identity.p12_no_key`` / ``identity.p12_no_cert``,
        ``identity.key_unsupported`` (only ECDSA P-256/384/521 keys sign bundles), and the
        refusals of :func:`check_signing_certificate`.
    """
    _read(data)
    try:
        asn1_pkcs12.Pfx.load(data, strict=True).native  # noqa: B018 - parse it all
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise InputError("identity.p12_damaged") from exc
    try:
        loaded = pkcs12.load_pkcs12(data, passphrase.encode("utf-8") if passphrase else None)
    except (ValueError, TypeError) as exc:
        raise InputError("identity.p12_wrong_passphrase") from exc
    key = _check_key(loaded.key)
    if loaded.cert is None:
        raise InputError("identity.p12_no_cert")
    cert = loaded.cert.certificate
    check_signing_certificate(cert, key)
    chain = order_chain(cert, [c.certificate for c in loaded.additional_certs])
    return SigningIdentity(key=key, cert=cert, chain=chain)


def load_issued_certificate(pem: bytes, key: ec.EllipticCurvePrivateKey
                            ) -> tuple[x509.Certificate, tuple[x509.Certificate, ...]]:
    """The certificate issued for ``key`` and its chain, from a PEM file (certificate first
    or anywhere, issuers in any order), checked.

    :raises InputError: ``identity.cert_unreadable``, ``identity.key_mismatch`` when no
        certificate in the file is for the vault's key, ``identity.cert_not_issued`` when a
        certificate given as issuer did not sign it, and the refusals of
        :func:`check_signing_certificate`.
    """
    _read(pem)
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError:
        try:
            certs = [x509.load_der_x509_certificate(pem)]
        except ValueError as exc:
            raise InputError("identity.cert_unreadable") from exc
    mine = [c for c in certs if same_public_key(c, key)]
    if not mine:
        raise InputError("identity.key_mismatch")
    cert = mine[0]
    check_signing_certificate(cert, key)
    others = [c for c in certs if c is not cert]
    chain = order_chain(cert, others)
    if others and not chain:
        raise InputError("identity.cert_not_issued")
    return cert, chain


def make_request(key: ec.EllipticCurvePrivateKey, holder: str) -> bytes:
    """A PKCS#10 certificate signing request (PEM) for ``key`` naming ``holder``."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                         holder[:64] or "EvidenceKit holder")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)
