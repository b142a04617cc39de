"""The RFC 3161 client: ask one time-stamp authority for a token and check it before use.

:func:`request_token` builds the request with pyHanko (SHA-256 imprint of a digest the
caller already has, a random nonce, ``certReq`` true), POSTs it with httpx and keeps the
answer only if every check of :mod:`evidencekit.timestamps.verify` passes, plus the nonce,
and the TSA's certificate chains to the trust store of :mod:`evidencekit.timestamps.trust`
(public CA roots plus roots the user added). Over plain HTTP anyone on the network path
could answer; the chain check is what makes such an answer worthless. Failures raise
:class:`~evidencekit.errors.TimestampError`; nothing is returned then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.timestamps import TimeStamper

from evidencekit.errors import InputError, TimestampError
from evidencekit.model import iso
from evidencekit.timestamps.trust import trust_roots
from evidencekit.timestamps.verify import (
    NOT_GRANTED,
    inspect_token,
    load_pem_certificates,
    only_untrusted,
)

__all__ = [
    "TokenResult",
    "request_token",
    "load_trust_roots",
    "token_trust_store",
    "MAX_RESPONSE_BYTES",
    "QUERY_MEDIA_TYPE",
    "REPLY_MEDIA_TYPE",
]

log = logging.getLogger(__name__)

QUERY_MEDIA_TYPE = "application/timestamp-query"
REPLY_MEDIA_TYPE = "application/timestamp-reply"
#: A real response with its certificate chain is a few kilobytes; refuse anything huge.
MAX_RESPONSE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class TokenResult:
    """A verified token, ready to store.

    ``token`` is the TSA's DER ``TimeStampResp`` exactly as received: save it as
    ``NAME.tsr`` and ``openssl ts -verify -data NAME -in NAME.tsr -CAfile CHAIN.pem`` checks
    it. ``time`` is the TSA's genTime in UTC. ``chain_pem`` holds the certificates the token
    carries, TSA certificate first; ``chain_complete`` says whether they end in a
    self-signed root (if not, ``openssl`` needs the TSA's root added to ``-CAfile``).
    ``trusted`` is always ``True``: a token that does not chain to the trust store is
    never returned.
    """

    token: bytes
    time: datetime
    tsa: str
    serial: int
    policy: str
    chain_pem: bytes
    tsa_url: str
    nonce: int
    chain_complete: bool
    trusted: bool | None = True

    def record(self) -> dict[str, Any]:
        """A JSON-safe summary for the vault index and the manifest (no token bytes).

        Keys: ``tsa``, ``time`` (ISO 8601 UTC), ``status`` (``"verified"``), ``url``,
        ``serial`` (decimal string: serials exceed JSON-safe integers), ``policy``,
        ``trusted``.
        """
        return {
            "tsa": self.tsa,
            "time": iso(self.time),
            "status": "verified",
            "url": self.tsa_url,
            "serial": str(self.serial),
            "policy": self.policy,
            "trusted": self.trusted,
        }


def load_trust_roots(ca_file: str | PathLike[str]) -> list[asn1_x509.Certificate]:
    """The certificates of a PEM file, or :class:`InputError` ``timestamps.bad_roots``."""
    path = Path(ca_file)
    try:
        return load_pem_certificates(path.read_bytes())
    except (OSError, ValueError) as e:
        raise InputError("timestamps.bad_roots", path=str(path)) from e


def token_trust_store(
    ca_file: str | PathLike[str] | None = None, trust_roots_pem: bytes | str | None = None
) -> list[asn1_x509.Certificate]:
    """The trust store for new tokens: public CA roots, the roots in ``ca_file`` and those
    in ``trust_roots_pem``. A bad ``ca_file`` raises :class:`InputError`
    ``timestamps.bad_roots``; unreadable ``trust_roots_pem`` (a stored setting) is logged
    and left out - a token from that TSA is then refused as untrusted, nothing is lost."""
    extra = load_trust_roots(ca_file) if ca_file is not None else []
    try:
        return trust_roots(trust_roots_pem, extra=extra)
    except ValueError:
        log.warning("the stored trusted TSA roots cannot be read; only the others are used")
        return trust_roots(None, extra=extra)


def check_url(url: str) -> None:
    """Refuse anything but an ``http``/``https`` URL with a host (``timestamps.bad_url``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TimestampError("timestamps.bad_url", url=url)


def request_token(
    digest: bytes,
    tsa_url: str,
    *,
    timeout: float = 20.0,
    ca_file: str | PathLike[str] | None = None,
) -> TokenResult:
    """Get and verify an RFC 3161 token for ``digest`` (32 bytes, SHA-256) from ``tsa_url``.

    The token must chain to the public CA roots (``certifi``) or to a root in ``ca_file``
    (a PEM file, e.g. the root of one's own TSA) - else it is refused with the problem
    ``untrusted chain``. It is also checked for imprint, nonce, signature and the
    timestamping purpose of the certificate.

    Raises :class:`TimestampError` (keys ``timestamps.bad_url``, ``.unreachable``,
    ``.timeout``, ``.http_status``, ``.response_too_large``, ``.refused``,
    ``.untrusted`` (intact, but not from a trusted TSA), ``.response_invalid`` - the last
    two with ``params["problems"]``, a list of problem codes) and :class:`InputError`
    ``timestamps.bad_roots``. Blocking; do not call it from the GUI thread or inside a
    running asyncio event loop.
    """
    return fetch_token(digest, tsa_url, timeout=timeout, roots=token_trust_store(ca_file))


def fetch_token(
    digest: bytes,
    tsa_url: str,
    *,
    timeout: float = 20.0,
    roots: list[asn1_x509.Certificate] | None = None,
) -> TokenResult:
    """:func:`request_token` with the trust store already built (``roots``; ``None``: the
    public CA roots alone). Used by ``try_tsas``."""
    if len(digest) != 32:
        raise ValueError("digest must be a 32-byte SHA-256 value")
    check_url(tsa_url)
    if roots is None:
        roots = trust_roots()
    nonce, request = TimeStamper(include_nonce=True).request_cms(digest, "sha256")
    body = _post(tsa_url, request.dump(), timeout)
    check = asyncio.run(
        inspect_token(body, digest, nonce=nonce, roots=roots, require_response=True)
    )
    if NOT_GRANTED in check.problems:
        log.warning("time-stamp authority %s refused the request", tsa_url)
        raise TimestampError(
            "timestamps.refused", url=tsa_url, reason=check.status_detail or check.granted_status
        )
    if only_untrusted(check):
        log.warning("time-stamp authority %s is not trusted (untrusted chain)", tsa_url)
        raise TimestampError(
            "timestamps.untrusted",
            url=tsa_url,
            tsa=check.tsa or "?",
            reasons=", ".join(check.problems),
            problems=list(check.problems),
        )
    if not check.ok:
        log.warning(
            "response from time-stamp authority %s failed checks: %s",
            tsa_url,
            ", ".join(check.problems),
        )
        raise TimestampError(
            "timestamps.response_invalid",
            url=tsa_url,
            reasons=", ".join(check.problems),
            problems=list(check.problems),
        )
    assert check.time is not None and check.serial is not None and check.policy is not None
    log.info("timestamp token received from %s (serial %s)", tsa_url, check.serial)
    return TokenResult(
        token=body,
        time=check.time,
        tsa=check.tsa or tsa_url,
        serial=check.serial,
        policy=check.policy,
        chain_pem=check.chain_pem,
        tsa_url=tsa_url,
        nonce=nonce,
        chain_complete=_ends_in_root(check.chain_pem),
        trusted=True,
    )


def _post(url: str, body: bytes, timeout: float) -> bytes:
    """POST the request; the whole exchange must finish within ``timeout`` seconds."""
    headers = {"Content-Type": QUERY_MEDIA_TYPE, "Accept": REPLY_MEDIA_TYPE}
    deadline = time.monotonic() + timeout
    try:
        with (
            httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False) as client,
            client.stream("POST", url, content=body, headers=headers) as response,
        ):
            if response.status_code != 200:
                raise TimestampError(
                    "timestamps.http_status", url=url, status=response.status_code
                )
            ctype = response.headers.get("Content-Type", "")
            if ctype.split(";")[0].strip().lower() != REPLY_MEDIA_TYPE:
                # not fatal: the checks below decide; some TSAs label their replies badly
                log.info("time-stamp authority %s answered with content type %r", url, ctype)
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_RESPONSE_BYTES:
                    raise TimestampError("timestamps.response_too_large", url=url)
                if time.monotonic() > deadline:  # a server dripping bytes
                    raise httpx.ReadTimeout("response too slow")
            return bytes(data)
    except httpx.TimeoutException as e:
        log.info("time-stamp authority %s timed out", url)
        raise TimestampError("timestamps.timeout", url=url, seconds=f"{timeout:g}") from e
    except httpx.InvalidURL as e:
        raise TimestampError("timestamps.bad_url", url=url) from e
    except (httpx.TransportError, httpx.TooManyRedirects, httpx.DecodingError) as e:
        log.info("time-stamp authority %s unreachable: %s", url, type(e).__name__)
        raise TimestampError("timestamps.unreachable", url=url) from e


def _ends_in_root(chain_pem: bytes) -> bool:
    try:
        certs = load_pem_certificates(chain_pem)
    except ValueError:
        return False
    last = certs[-1]
    return bool(last.subject == last.issuer)
