"""pyHanko validation contexts for the signatures of a bundle (:mod:`.verify_signers`).

A time-stamp token is trusted through the trust store only, at the time it states (or at
a later moment given). A signer is trusted through the roots the recipient named, never
the bundle's own, with the revocation lists and OCSP responses of the bundle's validation
data (DSS) given to pyHanko - each signed by its CA, so nobody can forge a revocation;
anyone can only leave one out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from pyhanko.sign.general import NonexistentAttributeError, find_unique_cms_attribute
from pyhanko.sign.validation import dss
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from evidencekit.bundle.verify_files import PARSE_ERRORS

__all__ = ["tst_time", "ts_context", "signature_tst", "signer_context"]

log = logging.getLogger(__name__)

_CA_KEYS = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey,
            ed448.Ed448PublicKey)


def tst_time(signed_data: cms.SignedData | None) -> datetime | None:
    """The genTime a time-stamp token states (unverified), or None."""
    if signed_data is None:
        return None
    try:
        moment = signed_data["encap_content_info"]["content"].parsed["gen_time"].native
    except PARSE_ERRORS:
        return None
    return moment if isinstance(moment, datetime) else None


def ts_context(signed_data: cms.SignedData | None, roots: Sequence[asn1_x509.Certificate],
                at: datetime | None = None) -> ValidationContext:
    """Trust for a timestamp: the trust store only, at ``at`` (default: the time the token
    states)."""
    return ValidationContext(trust_roots=list(roots), allow_fetching=False,
                             moment=at or tst_time(signed_data), revocation_mode="soft-fail")


def signature_tst(sig: EmbeddedPdfSignature) -> cms.SignedData | None:
    try:
        token = find_unique_cms_attribute(sig.signer_info["unsigned_attrs"],
                                          "signature_time_stamp_token")
        content = token["content"]
    except NonexistentAttributeError:
        return None
    except PARSE_ERRORS:
        return None
    return content if isinstance(content, cms.SignedData) else None


def issuer_crl(sig: EmbeddedPdfSignature, roots: Sequence[asn1_x509.Certificate],
                crls: Sequence[Any]) -> bool:
    """A CRL among ``crls`` is signed by the issuer of the signer's certificate (a trusted
    root or a certificate the signature carries) - not one of a look-alike in its name."""
    issuer = sig.signer_cert.issuer
    keys = [c.public_key for c in [*roots, *sig.other_embedded_certs] if c.subject == issuer]
    for crl in crls:
        if crl["tbs_cert_list"]["issuer"] != issuer:
            continue
        try:
            parsed = x509.load_der_x509_crl(crl.dump())
            for key in keys:
                public = serialization.load_der_public_key(key.dump())
                if isinstance(public, _CA_KEYS) and parsed.is_signature_valid(public):
                    return True
        except (ValueError, TypeError):
            continue
    return False


def signer_context(sig: EmbeddedPdfSignature, roots: Sequence[asn1_x509.Certificate],
                    moment: datetime | None = None) -> ValidationContext:
    """Trust for a signer: only the roots the recipient named (never the bundle's own),
    at ``moment`` (default: now; a trusted timestamp's time for :mod:`.verify_expired`).

    The CRLs and OCSP responses in the bundle's validation data (DSS) are given to
    pyHanko, which checks them (each is signed by its CA, so nobody can forge one): a
    certificate revoked before ``moment`` is not trusted. Revocation data issued after
    ``moment`` counts for it (``retroactive_revinfo``) - a revocation dated after the
    signature leaves it standing. No revocation data at all still passes (soft-fail:
    ``verify`` fetches nothing)."""
    kwargs: dict[str, Any] = {
        "trust_roots": list(roots), "allow_fetching": False,
        "other_certs": list(sig.other_embedded_certs), "moment": moment,
        "revocation_mode": "soft-fail", "retroactive_revinfo": moment is not None}
    try:
        store = dss.DocumentSecurityStore.read_dss(sig.reader)
        context = store.as_validation_context(kwargs)
    except dss.NoDSSFoundError:
        return ValidationContext(**kwargs)
    except Exception as exc:  # noqa: BLE001 - hostile validation data: checked elsewhere
        log.info("validation data (DSS) unreadable (%s)", type(exc).__name__)
        return ValidationContext(**kwargs)
    if not issuer_crl(sig, roots, context.crls):
        return context
    # pyHanko's soft-fail reads a CRL only for a certificate that names its distribution
    # point (a centre's CA names none): with its issuer's own CRL at hand, require one
    kwargs.pop("revocation_mode")
    retro = kwargs.pop("retroactive_revinfo")
    kwargs["revinfo_policy"] = CertRevTrustPolicy(RevocationCheckingPolicy(
        RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
        RevocationCheckingRule.CHECK_IF_DECLARED_SOFT), retroactive_revinfo=retro)
    return store.as_validation_context(kwargs)
