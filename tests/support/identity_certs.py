"""Certificates for identity tests: a throw-away CA, a document-signing certificate issued by
it, PKCS#12 files made from them (pyca/cryptography), and helpers for NSS and pdfsig."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

P12_PASSPHRASE = "p12 secret 123"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=sign,
                         key_encipherment=False, data_encipherment=False,
                         key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def make_ca(cn: str = "Test Centre Root") -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_usage(sign=False, ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def issue_leaf(ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate,
               key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, cn: str = "Counsellor Lee",
               *, days: int = 365, start_days: int = -1, sign_usage: bool = True,
               ca: bool = False, eku: list[x509.ObjectIdentifier] | None = None
               ) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    b = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca_cert.subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now + dt.timedelta(days=start_days))
         .not_valid_after(now + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(_usage(sign=sign_usage, ca=not sign_usage), critical=True))
    if eku is not None:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return b.sign(ca_key, hashes.SHA256())


def make_p12(key: object, cert: x509.Certificate | None,
             cas: list[x509.Certificate] | None = None,
             passphrase: str = P12_PASSPHRASE) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"test", key, cert, cas,  # type: ignore[arg-type]
        serialization.BestAvailableEncryption(passphrase.encode()))


def good_p12() -> tuple[bytes, x509.Certificate, x509.Certificate]:
    """A p12 with an ECDSA key, a document-signing certificate and its root; returns
    (p12 bytes, leaf, root)."""
    ca_key, ca_cert = make_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = issue_leaf(ca_key, ca_cert, key,
                      eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION])
    return make_p12(key, leaf, [ca_cert]), leaf, ca_cert


def nss_db(folder: Path, root_pem: Path, trust: str = ",C,") -> Path:
    """An NSS database trusting ``root_pem`` for signatures (S/MIME trust field)."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True,
                   capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{folder}", "-n", "centre root", "-t", trust,
                    "-i", str(root_pem)], check=True, capture_output=True)
    return folder


def pdfsig_signatures(pdf: Path, nssdir: Path | None = None) -> list[dict[str, str]]:
    """``pdfsig`` output split per signature: {"field", "validation", "certificate",
    "total"} for each."""
    cmd = ["pdfsig"] + (["-nssdir", str(nssdir)] if nssdir else []) + [str(pdf)]
    text = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout
    sigs: list[dict[str, str]] = []
    for block in re.split(r"^Signature #\d+:", text, flags=re.M)[1:]:
        def field(label: str, block: str = block) -> str:
            m = re.search(rf"- {label}: (.*)", block)
            return m.group(1).strip() if m else ""
        sigs.append({
            "field": field("Signature Field Name"),
            "validation": field("Signature Validation"),
            "certificate": field("Certificate Validation"),
            "total": "Total document signed" if "- Total document signed" in block
            else "Not total document signed" if "Not total document signed" in block else "",
        })
    return sigs
