"""The vault identity: an ECDSA P-256 key and a self-signed X.509 certificate naming the
holder (a real name or a pseudonym). It signs the custody-log head and the PDF bundles.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = [
    "new_identity",
    "fingerprint",
    "format_fingerprint",
    "short_fingerprint",
    "normalize_fingerprint",
    "fingerprint_matches",
    "key_to_pem",
    "key_from_pem",
]


def new_identity(
    holder: str, vault_id: str
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A fresh key and a 20-year self-signed certificate for ``holder``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, holder[:64] or "EvidenceKit holder"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "EvidenceKit vault"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, vault_id),
        ]
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, lowercase hex."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def format_fingerprint(fp: str) -> str:
    """``AB:CD:…`` in groups, as shown to people."""
    up = fp.upper()
    return ":".join(up[i : i + 2] for i in range(0, len(up), 2))


SHORT_GROUPS = 12
SHORT_GROUP_DIGITS = 5


def short_fingerprint(fp: str) -> str:
    """The short form of a SHA-256 fingerprint, for reading aloud or writing on paper.

    Twelve groups of five digits: the 256-bit fingerprint read as a big-endian integer,
    reduced modulo 10**60 (about 199 bits of the fingerprint; finding another certificate
    with the same short form costs about 2**199 work). ``fp`` is hex, with or without
    colons.
    """
    digest = bytes.fromhex(fp.replace(":", "").replace(" ", ""))
    if len(digest) != 32:
        raise ValueError("a SHA-256 fingerprint has 32 bytes")
    digits = SHORT_GROUPS * SHORT_GROUP_DIGITS
    number = int.from_bytes(digest, "big") % (10**digits)
    text = str(number).zfill(digits)
    return " ".join(
        text[i : i + SHORT_GROUP_DIGITS] for i in range(0, digits, SHORT_GROUP_DIGITS)
    )


def normalize_fingerprint(text: str) -> tuple[str, str]:
    """Parse a fingerprint a person typed: ``("sha256", hex)`` or ``("short", digits)``.

    Accepts 64 hex digits (colons, spaces and dashes ignored, any case) or the 60-digit
    short form (spaces and dashes ignored). Raises ``ValueError`` for anything else.
    """
    cleaned = "".join(ch for ch in text.strip() if ch not in ": -\t")
    if len(cleaned) == 64 and all(ch in "0123456789abcdefABCDEF" for ch in cleaned):
        return "sha256", cleaned.lower()
    digits = SHORT_GROUPS * SHORT_GROUP_DIGITS
    if len(cleaned) == digits and cleaned.isdigit():
        return "short", cleaned
    raise ValueError("not a SHA-256 fingerprint or its short form")


def fingerprint_matches(fp: str, typed: str) -> bool:
    """Whether ``typed`` (either form) names the certificate whose fingerprint is ``fp``."""
    kind, value = normalize_fingerprint(typed)
    if kind == "sha256":
        return value == fp.replace(":", "").lower()
    return value == short_fingerprint(fp).replace(" ", "")


def key_to_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def key_from_pem(pem: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("identity key is not an EC key")
    return key
