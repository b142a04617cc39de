"""Strict reading of the CMS container in a PDF signature's ``/Contents``.

pyHanko checks that a signature is cryptographically sound; it does not care what else a
container carries. A forger can use that: add certificates, change bytes in the
certificates set (which the signature does not cover), put a second SignerInfo or other
unsigned attributes beside the real one, or hide data in the zero padding. None of this
changes what pyHanko reports, all of it changes the file. This module refuses every such
container:

* the DER value fills ``/Contents`` up to zero bytes only (the padding);
* it decodes, and re-encodes to exactly the same bytes (no BER, no stray bytes);
* exactly one SignerInfo; no CRLs or other revocation data inside;
* the certificates set holds the signer's certificate and, for a certificate issued by a
  CA, the certificates of its chain up to the root - each once, nothing else;
* the signed attributes name the signer's certificate (ESS signing-certificate(-v2))
  with the hash of exactly the certificate in the set;
* the unsigned attributes hold nothing but one signature time-stamp token.

Document timestamps (an RFC 3161 token as container) get the first three checks; the
certificates inside them belong to the time-stamp authority.

:func:`container_problems` returns stable English problem codes (empty = sound); the
message keys ``bundle.verify.cms.<code>`` say them to a person.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature

from evidencekit.bundle.verify_files import PARSE_ERRORS

__all__ = ["container_problems", "PROBLEMS", "issued_by", "signer_certificate"]

log = logging.getLogger(__name__)

#: Every code :func:`container_problems` can return.
PROBLEMS = (
    "unreadable",
    "padding",
    "not_der",
    "signer_count",
    "revocation_inside",
    "certificate_kind",
    "certificate_twice",
    "certificate_extra",
    "signer_certificate_missing",
    "signing_certificate_attr",
    "unsigned_attrs",
)


def _der_length(content: bytes) -> int | None:
    """Length of the DER SEQUENCE at the start of ``content`` (tag + length + value)."""
    if len(content) < 2 or content[0] != 0x30:
        return None
    first = content[1]
    if first < 0x80:
        return 2 + first
    n = first & 0x7F
    if n == 0 or n > 4 or len(content) < 2 + n:
        return None
    return 2 + n + int.from_bytes(content[2 : 2 + n], "big")


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when ``issuer`` names and signed ``cert`` (the signature is checked)."""
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _chain_only(signer_der: bytes, ders: Sequence[bytes]) -> list[str]:
    """The certificates set is the signer's certificate plus its issuers, each once."""
    problems: list[str] = []
    if len(set(ders)) != len(ders):
        problems.append("certificate_twice")
    if signer_der not in ders:
        return [*problems, "signer_certificate_missing"]
    try:
        certs = {d: x509.load_der_x509_certificate(d) for d in set(ders)}
    except ValueError:
        return [*problems, "unreadable"]
    chain = [signer_der]
    current = certs[signer_der]
    while len(chain) < len(certs):
        if current.issuer == current.subject:  # a root: the chain ends here
            break
        issuer = next((d for d, c in certs.items() if d not in chain and issued_by(current, c)),
                      None)
        if issuer is None:
            break
        chain.append(issuer)
        current = certs[issuer]
    if set(certs) - set(chain):
        problems.append("certificate_extra")
    return problems


def _signing_cert_attr_ok(signer_info: cms.SignerInfo, signer_der: bytes) -> bool:
    """The ESS signing-certificate(-v2) signed attribute names exactly this certificate."""
    attrs = signer_info["signed_attrs"]
    found = [a for a in attrs if a["type"].native in ("signing_certificate_v2",
                                                      "signing_certificate")]
    if len(found) != 1 or len(found[0]["values"]) != 1:
        return False
    attr = found[0]
    certs = attr["values"][0]["certs"]
    if len(certs) < 1:
        return False
    first = certs[0]
    if attr["type"].native == "signing_certificate":
        return bool(first["cert_hash"].native == hashlib.sha1(signer_der).digest())
    algo = first["hash_algorithm"]["algorithm"].native
    if algo not in ("sha256", "sha384", "sha512"):
        return False
    return bool(first["cert_hash"].native == hashlib.new(algo, signer_der).digest())


def signer_certificate(contents: bytes) -> bytes | None:
    """The DER of the certificate the (first) SignerInfo names, found in the container's
    certificates set by issuer and serial number or subject key identifier; None when
    there is none (pyHanko then refuses the signature, and so do we)."""
    used = _der_length(contents)
    if used is None or used > len(contents):
        return None
    try:
        signed = cms.ContentInfo.load(contents[:used])["content"]
        sid = signed["signer_infos"][0]["sid"]
        for choice in signed["certificates"] if signed["certificates"].native else []:
            if choice.name != "certificate":
                continue
            cert = choice.chosen
            if sid.name == "issuer_and_serial_number":
                if cert.issuer == sid.chosen["issuer"] and \
                        cert.serial_number == sid.chosen["serial_number"].native:
                    return bytes(cert.dump())
            elif cert.key_identifier == sid.chosen.native:
                return bytes(cert.dump())
    except PARSE_ERRORS:
        return None
    return None


def container_problems(contents: bytes, *, signer_der: bytes | None,
                       timestamp: bool = False) -> list[str]:
    """What is wrong with the CMS container ``contents`` (the decoded ``/Contents``).

    :param signer_der: the DER of the signer's certificate as pyHanko identified it; None
        when pyHanko could not (then the certificate checks report it missing).
    :param timestamp: the container is a document timestamp's token (only the structural
        checks apply).
    """
    used = _der_length(contents)
    if used is None or used > len(contents):
        return ["unreadable"]
    problems: list[str] = []
    if any(contents[used:]):
        problems.append("padding")
    der = contents[:used]
    try:
        info = cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            return [*problems, "unreadable"]
        if info.dump(force=True) != der:
            problems.append("not_der")
        signed: cms.SignedData = info["content"]
        signer_infos = signed["signer_infos"]
        if len(signer_infos) != 1:
            return [*problems, "signer_count"]
        if timestamp:
            return problems
        if len(signed["crls"]) if signed["crls"].native is not None else 0:
            problems.append("revocation_inside")
        ders: list[bytes] = []
        for choice in signed["certificates"] if signed["certificates"].native else []:
            if choice.name != "certificate":
                problems.append("certificate_kind")
                continue
            ders.append(choice.chosen.dump())
        if signer_der is None:
            return [*problems, "signer_certificate_missing"]
        problems.extend(p for p in _chain_only(signer_der, ders) if p not in problems)
        signer_info = signer_infos[0]
        if not _signing_cert_attr_ok(signer_info, signer_der):
            problems.append("signing_certificate_attr")
        unsigned = signer_info["unsigned_attrs"]
        if unsigned.native is not None and len(unsigned):
            kinds = [a["type"].native for a in unsigned]
            if kinds != ["signature_time_stamp_token"] or len(unsigned[0]["values"]) != 1:
                problems.append("unsigned_attrs")
    except PARSE_ERRORS as exc:
        log.info("signature container unreadable (%s)", type(exc).__name__)
        return [*problems, "unreadable"]
    return problems
