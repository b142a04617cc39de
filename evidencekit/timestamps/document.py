"""pyHanko time stampers for PDF document timestamps, and a quick TSA reachability check.

The bundle exporter passes :func:`document_timestamper` to pyHanko (``PdfTimeStamper`` or
a signer's ``timestamper=``) to add a PAdES document timestamp. Every token it obtains is
checked like :func:`~evidencekit.timestamps.client.request_token` does (imprint, nonce,
signature, timestamping certificate, chain to the public CA roots or to roots the caller
adds) before pyHanko embeds it.
"""

from __future__ import annotations

import logging
import os

from asn1crypto import cms, tsp
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import handle_tsp_response

from evidencekit.errors import TimestampError
from evidencekit.timestamps.client import check_url, fetch_token
from evidencekit.timestamps.trust import trust_roots
from evidencekit.timestamps.verify import inspect_token, only_untrusted

__all__ = ["VerifyingHTTPTimeStamper", "document_timestamper", "tsa_reachable"]

log = logging.getLogger(__name__)


class VerifyingHTTPTimeStamper(HTTPTimeStamper):
    """pyHanko's aiohttp ``HTTPTimeStamper`` that refuses tokens failing our checks.

    A failing token raises :class:`TimestampError` ``timestamps.response_invalid`` (or
    ``timestamps.untrusted`` when it is intact but does not chain to the public CA roots
    or ``trust_roots_pem``); a network failure raises pyHanko's ``TimestampRequestError``
    (an ``OSError``). Unreadable ``trust_roots_pem`` raises ``ValueError``.
    """

    def __init__(
        self, url: str, *, timeout: float = 20.0, trust_roots_pem: bytes | None = None
    ) -> None:
        check_url(url)
        super().__init__(url, timeout=timeout)
        self._roots = trust_roots(trust_roots_pem)

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        nonce, request = self.request_cms(message_digest, md_algorithm)
        response: tsp.TimeStampResp = await self.async_request_tsa_response(request)
        check = await inspect_token(
            response.dump(),
            message_digest,
            md_algorithm=md_algorithm,
            nonce=nonce,
            roots=self._roots,
            require_response=True,
        )
        if not check.ok:
            log.warning(
                "document timestamp from %s failed checks: %s", self.url, ", ".join(check.problems)
            )
            raise TimestampError(
                "timestamps.untrusted" if only_untrusted(check) else "timestamps.response_invalid",
                tsa=check.tsa or "?",
                url=self.url,
                reasons=", ".join(check.problems),
                problems=list(check.problems),
            )
        token: cms.ContentInfo = handle_tsp_response(response, nonce)
        return token


def document_timestamper(
    url: str, *, timeout: float = 20.0, trust_roots_pem: bytes | None = None
) -> TimeStamper:
    """A pyHanko ``TimeStamper`` for ``url`` whose tokens are verified before use.

    Example (bundle code)::

        stamper = document_timestamper(url)
        PdfTimeStamper(stamper).timestamp_pdf(IncrementalPdfFileWriter(f), "sha256", output=out)

    The TSA must chain to the public CA roots or to a root in ``trust_roots_pem`` (PEM,
    optional: one's own TSA). Raises :class:`TimestampError` ``timestamps.bad_url`` for a
    non-HTTP(S) URL, ``ValueError`` for unreadable ``trust_roots_pem``.
    """
    return VerifyingHTTPTimeStamper(url, timeout=timeout, trust_roots_pem=trust_roots_pem)


def tsa_reachable(url: str, timeout: float = 5.0, *, trust_roots_pem: bytes | None = None
                  ) -> bool:
    """Whether ``url`` answers a real time-stamp request with a token that passes the checks
    (including the chain to the public CA roots or ``trust_roots_pem``).

    Costs one token from the TSA (for a random digest, so nothing about any evidence is
    sent). Never raises for network or TSA failures: ``False`` then.
    """
    try:
        roots = trust_roots(trust_roots_pem)
    except ValueError:
        log.warning("the trusted TSA roots given cannot be read")
        return False
    try:
        fetch_token(os.urandom(32), url, timeout=timeout, roots=roots)
    except TimestampError as e:
        log.info("time-stamp authority %s not usable now (%s)", url, e.key)
        return False
    return True
