"""A support centre's own small certificate authority: one root key (encrypted with its own
passphrase, PKCS#8) and root certificate in a folder, and document-signing certificates
issued from the certificate signing requests that vaults make (``identity request``).

Folder layout::

    root.pem          the root certificate (give it to recipients once)
    root-key.pem      the root key, PKCS#8 encrypted with the CA passphrase
    issued/<serial>.pem   every certificate issued, for the centre's records

Recipients who trust ``root.pem`` (``evidencekit verify --trust-ca``, ``pyhanko sign
validate --trust``, ``pdfsig -nssdir``) can check every bundle signed by a vault holding a
certificate from this folder. All primitives come from pyca/cryptography.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from evidencekit.errors import InputError, StorageError, WrongSecretError
from evidencekit.vault.atomic import storage_error, write_atomic
from evidencekit.vault.identity_import import DOCUMENT_SIGNING, common_name, same_public_key
from evidencekit.vault.keys import MIN_PASSPHRASE_LENGTH, normalise_passphrase

__all__ = [
    "ROOT_CERT",
    "ROOT_KEY",
    "ISSUED_DIR",
    "ROOT_YEARS",
    "ISSUE_DAYS",
    "Issued",
    "init_ca",
    "load_root",
    "issue",
]

log = logging.getLogger(__name__)

ROOT_CERT = "root.pem"
ROOT_KEY = "root-key.pem"
ISSUED_DIR = "issued"
ROOT_YEARS = 10
ISSUE_DAYS = 3 * 365
_MAX_CSR = 64 * 1024


@dataclass(frozen=True)
class Issued:
    """A certificate issued by the centre, and the root that issued it."""

    cert: x509.Certificate
    root: x509.Certificate
    record: Path

    def pem(self) -> bytes:
        """The certificate followed by the root: what ``identity install`` takes."""
        enc = serialization.Encoding.PEM
        return self.cert.public_bytes(enc) + self.root.public_bytes(enc)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def init_ca(folder: Path, name: str, passphrase: str) -> x509.Certificate:
    """Create the root key and a 10-year root certificate named ``name`` in ``folder``
    (new or empty). The key is written encrypted with ``passphrase``.

    :raises InputError: empty name, short passphrase, folder not empty.
    """
    name = name.strip()
    if not name:
        raise InputError("org.name_missing")
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise InputError("error.passphrase_short", minimum=MIN_PASSPHRASE_LENGTH)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError("error.folder_not_empty", path=str(folder))
    try:
        (folder / ISSUED_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise storage_error(exc, folder) from exc
    key = ec.generate_private_key(ec.SECP384R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"{name[:50]} Root CA"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, name[:64]),
    ])
    now = _now()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                       critical=False)
        .sign(key, hashes.SHA384())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(normalise_passphrase(passphrase)))
    write_atomic(folder / ROOT_KEY, key_pem)
    write_atomic(folder / ROOT_CERT, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    log.info("organisation CA created")
    return cert


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        if not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return False
        return bool(cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign)
    except x509.ExtensionNotFound:
        return False


def load_root(folder: Path, passphrase: str
              ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The root key and certificate of a CA folder.

    :raises InputError: ``org.not_a_ca_folder`` (files missing or unreadable),
        ``org.not_a_ca`` (the certificate may not issue certificates, or the key is not its).
    :raises WrongSecretError: ``org.wrong_passphrase``.
    """
    try:
        cert_pem = (folder / ROOT_CERT).read_bytes()
        key_pem = (folder / ROOT_KEY).read_bytes()
    except OSError as exc:
        raise InputError("org.not_a_ca_folder", path=str(folder)) from exc
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError as exc:
        raise InputError("org.not_a_ca_folder", path=str(folder)) from exc
    try:
        key = serialization.load_pem_private_key(key_pem, normalise_passphrase(passphrase))
    except TypeError as exc:  # an unencrypted key: not what init_ca writes
        raise InputError("org.not_a_ca_folder", path=str(folder)) from exc
    except ValueError as exc:
        if b"ENCRYPTED" in key_pem:
            raise WrongSecretError("org.wrong_passphrase") from exc
        raise InputError("org.not_a_ca_folder", path=str(folder)) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not same_public_key(cert, key):
        raise InputError("org.not_a_ca")
    if not _is_ca(cert):
        raise InputError("org.not_a_ca")
    return key, cert


def _load_csr(data: bytes) -> x509.CertificateSigningRequest:
    if not data or len(data) > _MAX_CSR:
        raise InputError("org.csr_unreadable")
    try:
        return x509.load_pem_x509_csr(data)
    except ValueError:
        try:
            return x509.load_der_x509_csr(data)
        except ValueError as exc:
            raise InputError("org.csr_unreadable") from exc


def issue(folder: Path, passphrase: str, csr_data: bytes, *,
          days: int = ISSUE_DAYS) -> Issued:
    """A document-signing certificate for the key in the request ``csr_data`` (PEM or DER).

    Only the request's common name is taken; the organisation name is the centre's. The
    certificate: not a CA, key usage digitalSignature + nonRepudiation, extended key usage
    document signing (RFC 9336) and e-mail protection (what NSS checks), subject and
    authority key identifiers, valid ``days`` days but never past the root. The certificate
    is also written to ``issued/<serial>.pem``.

    :raises InputError: an unreadable request, a request whose signature does not verify
        (``org.csr_bad_signature``), a key that cannot sign bundles, a bad number of days.
    """
    if not 1 <= days <= 3650:
        raise InputError("org.bad_days", days=days)
    key, root = load_root(folder, passphrase)
    csr = _load_csr(csr_data)
    try:
        valid = csr.is_signature_valid
    except (ValueError, TypeError, InvalidSignature):
        valid = False
    if not valid:
        raise InputError("org.csr_bad_signature")
    public = csr.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise InputError("identity.key_unsupported", kind=type(public).__name__.lstrip("_"))
    holder = common_name(csr.subject) if csr.subject else ""
    org = root.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, (holder or "EvidenceKit holder")[:64])]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, str(org[0].value)))
    now = _now()
    root_ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(root.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + dt.timedelta(days=days), root.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(
            [DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski),
                       critical=False)
        .sign(key, hashes.SHA384())
    )
    record = folder / ISSUED_DIR / f"{cert.serial_number:x}.pem"
    try:
        record.parent.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise storage_error(exc, record.parent) from exc
    try:
        write_atomic(record, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    except StorageError:
        log.error("issued certificate could not be recorded")
        raise
    log.info("certificate issued")
    return Issued(cert=cert, root=root, record=record)
