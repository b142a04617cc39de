"""A signer certificate that has expired since the bundle was signed, judged the PAdES way.

Validity is judged at verification time, so a certificate a trusted root issued, valid
when the bundle was signed, fails path validation once it expires - although nothing
about the signature changed. PAdES (ETSI EN 319 102-1, validation at a point in time)
answers with a proof of existence: the signature's RFC 3161 timestamp from a trusted
authority shows the signature existed at that time, so the certificate path is validated
*at that time* (pyHanko's ``ValidationContext(moment=...)``; no path validation of our
own). The rules:

* no trusted signature timestamp: nothing proves when the signature was made, so an
  expired certificate stays unconfirmed (``verify_weak.signer_expired_no_timestamp``);
* the timestamp's time lies outside the certificate's validity (it had already expired,
  or was not yet valid): unconfirmed, and nothing is said here - the signature itself
  fails (``verify_extra.signer_not_valid_then``, :mod:`.verify_extra_content`);
* otherwise pyHanko validates the path at the timestamp's time against the recipient's
  roots: trusted then means confirmed (``verify_weak.signer_valid_at_timestamp``), anything
  else stays unconfirmed (``verify_weak.signer_expired_untrusted_then``).

Only the signature timestamp counts (it is the token over the signature value); the
printed signing time and the PDF's ``/M`` are the signer's own word.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

__all__ = ["PastValidity", "judge_expired", "judge_expired_pinned"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Pinned:
    """The fingerprint confirms the signer: nothing to validate at the timestamp's time
    (the signature itself is already intact and valid)."""

    intact: bool = True
    valid: bool = True
    trusted: bool = True


@dataclass(frozen=True)
class PastValidity:
    """What :func:`judge_expired` found: ``trusted`` at the time of signing or not, and
    the message (key, parameters) that says why."""

    trusted: bool
    key: str | None  # None: nothing to add (another check already fails the signature)
    params: dict[str, Any] = field(default_factory=dict)


def judge_expired(cert: x509.Certificate, stamp: datetime | None,
                  status_at: Callable[[datetime], Any], *,
                  provable_now: Callable[[datetime], bool] = lambda _stamp: True,
                  now: datetime | None = None, pinned: bool = False) -> PastValidity | None:
    """Judge a signer certificate that is not trusted now because it has expired.

    :param cert: the signer's certificate (from inside the CMS signature).
    :param stamp: the time of the signature's **trusted** timestamp, or None when the
        signature has none (or an untrusted one - never pass an unverified genTime).
    :param status_at: runs pyHanko's signature validation with the signer's path
        validated at the given moment and returns its status (or the name of the error
        it refused with).
    :param provable_now: whether the timestamp still proves its time today (its
        authority trusted now, or at a later covering document timestamp's time); a
        token is otherwise judged at the time it states itself, and whoever holds an
        expired authority's old key can state any time (``verify_round2.tsa_expired_now``).
    :param now: the verification time (default: the current time).
    :return: None when the certificate has not expired (then expiry is not why it is
        untrusted, and nothing is judged at another time), else a :class:`PastValidity`.
    """
    now = now or datetime.now(UTC)
    expired = cert.not_valid_after_utc
    if expired >= now:
        return None
    params: dict[str, Any] = {"expired": expired.isoformat(),
                              "valid_from": cert.not_valid_before_utc.isoformat()}
    if stamp is None:
        return PastValidity(False, "verify_weak.signer_expired_no_timestamp", params)
    params["time"] = stamp.isoformat()
    if not cert.not_valid_before_utc <= stamp <= expired:
        return PastValidity(False, None, params)  # the signature fails elsewhere
    if not provable_now(stamp):
        return PastValidity(False, "verify_round2.tsa_expired_now", params)
    status = status_at(stamp)
    if isinstance(status, str):
        log.info("validation at the timestamp's time refused (%s)", status)
        return PastValidity(False, "verify_weak.signer_expired_untrusted_then", params)
    if status.intact and status.valid and status.trusted:
        return PastValidity(True, "verify_round2.fp_valid_at_timestamp" if pinned else
                            "verify_weak.signer_valid_at_timestamp", params)
    log.info("signer not trusted at the timestamp's time either (%s)",
             getattr(status, "trust_problem_indic", None))
    return PastValidity(False, "verify_weak.signer_expired_untrusted_then", params)


def judge_expired_pinned(cert: x509.Certificate, stamp: datetime | None,
                         provable_now: Callable[[datetime], bool], *,
                         now: datetime | None = None) -> PastValidity | None:
    """The same judgement for a signer the fingerprint the holder gave confirms (no root,
    so no path to validate): an expired certificate counts only when a trusted signature
    timestamp inside its validity, still provable today, shows the signature was made
    then. Otherwise whoever holds the expired certificate's key could sign today.

    :return: None when the certificate has not expired, else a :class:`PastValidity`.
    """
    judged = judge_expired(cert, stamp, lambda _moment: _Pinned(), provable_now=provable_now,
                           now=now, pinned=True)
    if judged is None or judged.key not in _PINNED_KEYS:
        return judged
    return PastValidity(judged.trusted, _PINNED_KEYS[judged.key], judged.params)


#: The messages that name the root, in the words for a signer the fingerprint confirms.
_PINNED_KEYS = {"verify_weak.signer_expired_no_timestamp": "verify_round2.fp_expired_no_timestamp",
                "verify_round2.tsa_expired_now": "verify_round2.fp_tsa_expired_now"}
