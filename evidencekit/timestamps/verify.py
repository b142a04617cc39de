"""Checking RFC 3161 time-stamp tokens: imprint, signature, TSA certificate, trust chain.

:func:`verify_token` is what a recipient runs (the bundle verifier, no vault needed): it
names every failure it finds in :attr:`TokenCheck.problems` (stable English codes, see
``PROBLEMS``; :func:`describe_problem` gives the sentence for a person). The client uses
the same checks, plus the nonce, on each fresh response before it is kept.

Parsing is done with asn1crypto, the CMS signature check with pyHanko
(``validate_sig_integrity``), path validation with pyhanko-certvalidator. Nothing here
touches the network: revocation is not checked (no fetching). Trust is always checked:
the TSA certificate must chain, at the token's time, to the trust store of
:mod:`evidencekit.timestamps.trust` (public CA roots plus roots the caller adds); the
certificates a token carries only help to build the path, they are never trusted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from asn1crypto import cms, core, pem, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from pyhanko.sign.general import (
    CMSExtractionError,
    check_ess_certid,
    extract_certificate_info,
    extract_signer_info,
)
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import get_signing_cert_attr, validate_sig_integrity
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import InvalidSignature as UnsupportedSignature
from pyhanko_certvalidator.errors import PathError, ValidationError
from pyhanko_certvalidator.util import get_pyca_cryptography_hash
from rfc3161_client import PKIStatus, decode_timestamp_response

from evidencekit.i18n import tr
from evidencekit.timestamps.trust import load_pem_certificates, trust_roots

__all__ = [
    "MALFORMED",
    "NOT_GRANTED",
    "IMPRINT_MISMATCH",
    "NONCE_MISMATCH",
    "NO_SIGNER_CERTIFICATE",
    "SIGNER_CERTIFICATE_MISMATCH",
    "BAD_SIGNATURE",
    "NOT_TIMESTAMPING_CERTIFICATE",
    "CERTIFICATE_NOT_VALID_AT_TIME",
    "UNTRUSTED_CHAIN",
    "PROBLEMS",
    "only_untrusted",
    "TokenCheck",
    "verify_token",
    "describe_problem",
    "load_pem_certificates",
]

log = logging.getLogger(__name__)

MALFORMED = "malformed token"
NOT_GRANTED = "not granted"
IMPRINT_MISMATCH = "imprint mismatch"
NONCE_MISMATCH = "nonce mismatch"
NO_SIGNER_CERTIFICATE = "no signer certificate"
SIGNER_CERTIFICATE_MISMATCH = "signer certificate mismatch"
BAD_SIGNATURE = "bad signature"
NOT_TIMESTAMPING_CERTIFICATE = "not a timestamping certificate"
CERTIFICATE_NOT_VALID_AT_TIME = "certificate not valid at time"
UNTRUSTED_CHAIN = "untrusted chain"

#: Every problem code :func:`verify_token` can report (stable; the bundle and CLI show them).
PROBLEMS = (
    MALFORMED,
    NOT_GRANTED,
    IMPRINT_MISMATCH,
    NONCE_MISMATCH,
    NO_SIGNER_CERTIFICATE,
    SIGNER_CERTIFICATE_MISMATCH,
    BAD_SIGNATURE,
    NOT_TIMESTAMPING_CERTIFICATE,
    CERTIFICATE_NOT_VALID_AT_TIME,
    UNTRUSTED_CHAIN,
)

_GRANTED = (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS)

# What asn1crypto and pyHanko raise on hostile or broken DER.
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of checking one token against one digest.

    ``ok`` is true only when ``problems`` is empty. ``time`` (UTC), ``tsa``, ``serial``
    and ``policy`` are read from the token when it can be parsed, even if it fails checks
    (never show them as established when ``ok`` is false). ``trusted``: whether the TSA
    certificate chains to the trust store (``None`` only when the check could not run:
    the token is unreadable or carries no certificate).
    ``chain_pem`` holds the certificates the token carries, signer first.
    """

    ok: bool
    time: datetime | None
    tsa: str | None
    problems: list[str] = field(default_factory=list)
    serial: int | None = None
    policy: str | None = None
    nonce: int | None = None
    trusted: bool | None = None
    chain_pem: bytes = b""
    granted_status: str | None = None
    status_detail: str | None = None

    def messages(self, lang: str | None = None) -> list[str]:
        """The problems as sentences for a person, in ``lang`` (default: current)."""
        return [describe_problem(p, lang) for p in self.problems]


def describe_problem(problem: str, lang: str | None = None) -> str:
    """One problem code (e.g. ``"imprint mismatch"``) as a sentence from the catalogue."""
    return tr("timestamps.problem." + problem.replace(" ", "_"), lang)


def only_untrusted(check: TokenCheck) -> bool:
    """True when the token is intact and its only problem is an untrusted chain."""
    return check.problems == [UNTRUSTED_CHAIN]


def verify_token(
    token: bytes,
    digest: bytes,
    *,
    trust_roots_pem: bytes | None = None,
    roots: Sequence[asn1_x509.Certificate] | None = None,
    intermediates_pem: bytes | None = None,
) -> TokenCheck:
    """Check a time-stamp token (``.tsr`` TimeStampResp, or a bare TimeStampToken) against
    the SHA-256 ``digest`` of the data it should cover.

    Checks: the response status (granted), the message imprint (SHA-256, equal to
    ``digest``), the CMS signature over the TSTInfo, the ESS signing-certificate binding,
    the TSA certificate (``id-kp-timeStamping`` extended key usage, critical, alone; valid
    at the token's time) and the certificate path, at the token's time, to the trust
    store: the public CA roots plus ``trust_roots_pem`` (see
    :func:`evidencekit.timestamps.trust.trust_roots`), or exactly ``roots`` when given.
    ``intermediates_pem``: extra CA certificates that may help build the path (e.g. the
    chain file of a bundle) - never used as roots.

    Never raises on bad tokens: every failure is named in ``problems`` (a token that is
    intact but does not chain to the store has exactly ``["untrusted chain"]``). Unreadable
    ``trust_roots_pem`` gives ``untrusted chain`` too. Must not be called from inside a
    running asyncio event loop.
    """
    if roots is None:

        try:
            roots = trust_roots(trust_roots_pem)
        except ValueError:
            log.warning("the trust roots given for timestamp verification could not be read")
            return TokenCheck(
                ok=False, time=None, tsa=None, problems=[UNTRUSTED_CHAIN], trusted=False
            )
    intermediates: list[asn1_x509.Certificate] = []
    if intermediates_pem:
        try:
            intermediates = load_pem_certificates(intermediates_pem)
        except ValueError:
            log.info("the extra certificates given with a token could not be read; ignored")
    return asyncio.run(inspect_token(token, digest, roots=roots, intermediates=intermediates))


# --------------------------------------------------------------------------------------
# the shared core (also used by client.py and document.py)
# --------------------------------------------------------------------------------------


@dataclass
class _Findings:
    problems: list[str] = field(default_factory=list)
    time: datetime | None = None
    tsa: str | None = None
    serial: int | None = None
    policy: str | None = None
    nonce: int | None = None
    trusted: bool | None = None
    chain_pem: bytes = b""
    status: str | None = None
    status_detail: str | None = None

    def add(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def result(self) -> TokenCheck:
        return TokenCheck(
            ok=not self.problems,
            time=self.time,
            tsa=self.tsa,
            problems=list(self.problems),
            serial=self.serial,
            policy=self.policy,
            nonce=self.nonce,
            trusted=self.trusted,
            chain_pem=self.chain_pem,
            granted_status=self.status,
            status_detail=self.status_detail,
        )


async def inspect_token(
    token: bytes,
    digest: bytes,
    *,
    md_algorithm: str = "sha256",
    nonce: int | None = None,
    roots: Sequence[asn1_x509.Certificate] | None = None,
    require_response: bool = False,
    intermediates: Sequence[asn1_x509.Certificate] = (),
) -> TokenCheck:
    """The checks of :func:`verify_token`, awaitable, with options for the client.

    ``nonce``: the nonce that was sent (checked when given). ``require_response``: accept
    only a full TimeStampResp (what a TSA must answer), not a bare token.
    ``md_algorithm``: the hash that made ``digest`` (pyHanko may ask for another than
    SHA-256 for PDF document timestamps). ``roots``: the trust store, exactly; ``None``
    skips the trust check (``trusted`` stays ``None``) - only for callers that check
    trust themselves. ``intermediates``: extra certificates for path building.
    """
    found = _Findings()
    try:
        await _inspect(token, digest, md_algorithm, nonce, roots, require_response,
                       list(intermediates), found)
    except _PARSE_ERRORS as e:
        log.info("timestamp token could not be parsed: %s", type(e).__name__)
        found.add(MALFORMED)
    return found.result()


def _load(token: bytes, require_response: bool, found: _Findings) -> cms.ContentInfo | None:
    """The TimeStampToken inside ``token``; records the response status when there is one."""
    try:
        resp = tsp.TimeStampResp.load(token, strict=True)
        found.status = resp["status"]["status"].native
    except _PARSE_ERRORS:
        resp = None
    if resp is None:
        # asn1crypto insists on a token in every TimeStampResp, so a refusal (status only)
        # is read with rfc3161-client
        try:
            refusal = decode_timestamp_response(token)
        except ValueError:
            refusal = None
        if refusal is not None and refusal.status not in _GRANTED:
            found.status = PKIStatus(refusal.status).name.lower()
            found.add(NOT_GRANTED)
            detail = "; ".join(str(s) for s in refusal.status_string)
            found.status_detail = detail[:200] or found.status
            return None
        if require_response:
            found.add(MALFORMED)
            return None
        info = cms.ContentInfo.load(token, strict=True)
        if info["content_type"].native != "signed_data":
            found.add(MALFORMED)
            return None
        return info
    if found.status not in ("granted", "granted_with_mods"):
        # a refusal that still carries a token: never use the token
        found.add(NOT_GRANTED)
        found.status_detail = str(found.status)
        return None
    tst = resp["time_stamp_token"]
    if tst.native is None or tst["content_type"].native != "signed_data":
        found.add(MALFORMED)
        return None
    return tst


async def _inspect(
    token: bytes,
    digest: bytes,
    md_algorithm: str,
    nonce: int | None,
    roots: Sequence[asn1_x509.Certificate] | None,
    require_response: bool,
    intermediates: list[asn1_x509.Certificate],
    found: _Findings,
) -> None:
    tst = _load(token, require_response, found)
    if tst is None:
        return
    signed_data: cms.SignedData = tst["content"]
    encap = signed_data["encap_content_info"]
    if encap["content_type"].native != "tst_info" or not isinstance(
        encap["content"], core.ParsableOctetString
    ):
        found.add(MALFORMED)
        return
    econtent: bytes = encap["content"].contents
    tst_info = tsp.TSTInfo.load(econtent)
    tst_info.native  # noqa: B018 - parse fully, so a broken TSTInfo fails here

    gen_time = tst_info["gen_time"].native
    found.time = gen_time.astimezone(UTC)
    found.serial = tst_info["serial_number"].native
    found.policy = tst_info["policy"].dotted
    found.nonce = tst_info["nonce"].native

    # the imprint: the digest this token is about
    imprint = tst_info["message_imprint"]
    if (
        imprint["hash_algorithm"]["algorithm"].native != md_algorithm
        or imprint["hashed_message"].native != digest
    ):
        found.add(IMPRINT_MISMATCH)
    if nonce is not None and found.nonce != nonce:
        found.add(NONCE_MISMATCH)

    # the signer and its certificate
    try:
        signer_info = extract_signer_info(signed_data)
        cert_info = extract_certificate_info(signed_data)
    except CMSExtractionError:
        found.add(NO_SIGNER_CERTIFICATE)
        found.tsa = _tsa_name(tst_info, None)
        return
    signer = cert_info.signer_cert
    others = list(cert_info.other_certs)
    found.tsa = _tsa_name(tst_info, signer)
    found.chain_pem = _chain_pem(signer, others)

    signed_attrs = signer_info["signed_attrs"]
    if signed_attrs is core.VOID or not len(signed_attrs):
        # RFC 3161 tokens must sign their attributes (content type, digest, ESS cert id)
        found.add(BAD_SIGNATURE)
    else:
        try:
            ess = get_signing_cert_attr(signed_attrs)
        except SignatureValidationError:
            ess = None
        if ess is None or not check_ess_certid(signer, ess["certs"][0]):
            found.add(SIGNER_CERTIFICATE_MISMATCH)

    # the signature over the TSTInfo
    si_md = signer_info["digest_algorithm"]["algorithm"].native
    try:
        h = hashes.Hash(get_pyca_cryptography_hash(si_md))
        h.update(econtent)
        intact, valid = validate_sig_integrity(signer_info, signer, "tst_info", h.finalize())
    except (
        SignatureValidationError,
        UnsupportedSignature,
        ValidationError,
        NotImplementedError,
        *_PARSE_ERRORS,
    ) as e:
        log.info("timestamp signature check failed: %s", type(e).__name__)
        intact, valid = False, False
    if not (intact and valid):
        found.add(BAD_SIGNATURE)

    # the TSA certificate
    if not _is_timestamping_certificate(signer):
        found.add(NOT_TIMESTAMPING_CERTIFICATE)
    validity = signer["tbs_certificate"]["validity"]
    if not validity["not_before"].native <= gen_time <= validity["not_after"].native:
        found.add(CERTIFICATE_NOT_VALID_AT_TIME)

    if roots is not None:
        carried = {c.dump() for c in others}
        helpers = others + [c for c in intermediates if c.dump() not in carried]
        found.trusted = await _chain_trusted(signer, helpers, roots, gen_time)
        if not found.trusted:
            found.add(UNTRUSTED_CHAIN)


def _is_timestamping_certificate(cert: asn1_x509.Certificate) -> bool:
    """RFC 3161 §2.3: one EKU extension, critical, with id-kp-timeStamping as its only
    purpose; if key usage is present it allows digitalSignature or nonRepudiation."""
    ekus = [
        ext
        for ext in cert["tbs_certificate"]["extensions"]
        if ext["extn_id"].native == "extended_key_usage"
    ]
    if len(ekus) != 1 or not ekus[0]["critical"].native:
        return False
    if list(ekus[0]["extn_value"].parsed.native) != ["time_stamping"]:
        return False
    usage = cert.key_usage_value
    if usage is not None and not (
        {"digital_signature", "non_repudiation"} & set(usage.native)
    ):
        return False
    return True


async def _chain_trusted(
    signer: asn1_x509.Certificate,
    others: list[asn1_x509.Certificate],
    roots: Sequence[asn1_x509.Certificate],
    moment: datetime,
) -> bool:
    if not roots:  # an empty store trusts nothing (None would mean the system store)
        return False
    context = ValidationContext(
        trust_roots=list(roots),
        other_certs=others,
        moment=moment,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    validator = CertificateValidator(signer, intermediate_certs=others, validation_context=context)
    try:
        await validator.async_validate_usage(set(), {"time_stamping"})
    except (PathError, ValidationError, *_PARSE_ERRORS) as e:
        log.info("timestamp certificate path not trusted: %s", type(e).__name__)
        return False
    return True


def _tsa_name(tst_info: tsp.TSTInfo, signer: asn1_x509.Certificate | None) -> str | None:
    """The TSA's name: the common name of the TSTInfo ``tsa`` field or of the signer."""
    name: Any = None
    general = tst_info["tsa"]
    if general.native is not None:
        if general.name == "directory_name":
            name = general.chosen
        else:
            return str(general.native)
    if name is None and signer is not None:
        name = signer.subject
    if name is None:
        return None
    fields = name.native
    for key in ("common_name", "organization_name"):
        if fields.get(key):
            return str(fields[key])
    return str(name.human_friendly)


def _chain_pem(signer: asn1_x509.Certificate, others: list[asn1_x509.Certificate]) -> bytes:
    """The carried certificates as PEM, signer first, then each issuer when present."""
    ordered = [signer]
    rest = list(others)
    current = signer
    while rest and current.subject != current.issuer:
        issuer = next((c for c in rest if c.subject == current.issuer), None)
        if issuer is None:
            break
        ordered.append(issuer)
        rest.remove(issuer)
        current = issuer
    ordered.extend(rest)
    return b"".join(pem.armor("CERTIFICATE", c.dump()) for c in ordered)
