"""The trust store for time-stamp tokens: public CA roots plus the roots a user adds.

A token is *trusted* only when the certificate of the time-stamp authority (TSA) that
signed it chains to one of these roots. The public part is the Mozilla CA bundle shipped by
``certifi`` (installed with httpx); it holds the roots of the well-known public TSAs
(DigiCert Trusted Root G4, USERTrust RSA for Sectigo). A TSA of one's own (or a test TSA)
is trusted only when its root is added explicitly: the ``--tsa-ca FILE`` options, the
vault setting ``tsa_roots_pem`` and the ``trust_roots_pem`` parameters.

The certificates a token or a bundle carries are never trust roots: anyone can make a
self-signed "DigiCert" root and put it next to a forged token.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

__all__ = ["public_roots", "trust_roots", "roots_pem_text", "load_pem_certificates",
           "VAULT_SETTING"]

log = logging.getLogger(__name__)

#: The vault setting holding extra trusted TSA roots (PEM text, one or more certificates).
VAULT_SETTING = "tsa_roots_pem"

_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


@lru_cache(maxsize=1)
def public_roots() -> tuple[asn1_x509.Certificate, ...]:
    """The CA roots of the ``certifi`` bundle (read once per process).

    If the bundle cannot be read (a broken installation), the result is empty and every
    token from a public TSA counts as untrusted: the failure is safe, and logged.
    """
    try:
        import certifi

        data = Path(certifi.where()).read_bytes()
    except (ImportError, OSError) as exc:
        log.warning("the public CA bundle (certifi) cannot be read: %s", type(exc).__name__)
        return ()
    roots: list[asn1_x509.Certificate] = []
    try:
        blocks = list(pem.unarmor(data, multiple=True))
    except _PARSE_ERRORS:
        log.warning("the public CA bundle (certifi) is damaged")
        return ()
    for kind, _headers, der in blocks:
        if kind != "CERTIFICATE":
            continue
        try:
            cert = asn1_x509.Certificate.load(der)
            cert.native  # noqa: B018 - parse fully now, not during path validation
        except _PARSE_ERRORS:
            log.info("a certificate of the public CA bundle cannot be parsed; skipped")
            continue
        roots.append(cert)
    return tuple(roots)


def trust_roots(
    extra_pem: bytes | str | None = None,
    *,
    extra: Sequence[asn1_x509.Certificate] = (),
    public: bool = True,
) -> list[asn1_x509.Certificate]:
    """The trust store: the public roots (unless ``public`` is false) plus extra roots.

    ``extra_pem``: PEM (or one DER certificate) with roots the user chose to trust;
    raises ``ValueError`` when it holds no readable certificate. ``extra``: roots already
    loaded.
    """
    roots: list[asn1_x509.Certificate] = list(public_roots()) if public else []
    roots.extend(extra)
    if extra_pem:
        data = extra_pem.encode("ascii", "replace") if isinstance(extra_pem, str) else extra_pem
        roots.extend(load_pem_certificates(data))
    return roots


def load_pem_certificates(data: bytes) -> list[asn1_x509.Certificate]:
    """Every certificate in a PEM (or single DER) blob; ``ValueError`` if there is none
    or one of them cannot be parsed."""
    certs: list[asn1_x509.Certificate] = []
    try:
        if pem.detect(data):
            for kind, _headers, der in pem.unarmor(data, multiple=True):
                if kind == "CERTIFICATE":
                    cert = asn1_x509.Certificate.load(der)
                    cert.native  # noqa: B018 - parse fully now, not later
                    certs.append(cert)
        elif data:
            cert = asn1_x509.Certificate.load(data, strict=True)
            cert.native  # noqa: B018
            certs.append(cert)
    except _PARSE_ERRORS as exc:
        raise ValueError("unreadable certificate") from exc
    if not certs:
        raise ValueError("no certificate found")
    return certs


def roots_pem_text(certs: Iterable[asn1_x509.Certificate]) -> str:
    """Certificates as PEM text (what the vault setting ``tsa_roots_pem`` stores)."""
    return b"".join(pem.armor("CERTIFICATE", c.dump()) for c in certs).decode("ascii")
