"""The default time-stamp authorities and trying a list of them in order.

The defaults are well-known free public TSAs whose certificates chain to roots of the
public CA bundle (``certifi``), so their tokens verify with no extra configuration. A vault
keeps its own list (setting ``tsa_urls``); :func:`try_tsas` takes whatever list the caller
chose - it never falls back to the defaults by itself, so nothing is contacted that the
caller did not name. A TSA whose root is not public (one's own) needs its root added
(``--tsa-ca``, vault setting ``tsa_roots_pem``), else its tokens are refused.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike

from asn1crypto import x509 as asn1_x509

from evidencekit.errors import TimestampError
from evidencekit.model import Progress
from evidencekit.timestamps.client import TokenResult, fetch_token, token_trust_store

__all__ = [
    "TsaEntry",
    "DEFAULT_TSAS",
    "DEFAULT_TSA_URLS",
    "NETWORK_FAILURE_KEYS",
    "TsaFailure",
    "try_tsas",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TsaEntry:
    """One time-stamp authority: a display name and its RFC 3161 HTTP endpoint."""

    name: str
    url: str


#: Free public TSAs, tried in this order. Both chain to roots in the public CA bundle
#: (DigiCert Trusted Root G4; USERTrust RSA for Sectigo). Both document only plain-HTTP
#: endpoints; integrity does not depend on the transport (every token must chain to the
#: trust store). FreeTSA is not a default: its root is in no public CA bundle.
DEFAULT_TSAS: tuple[TsaEntry, ...] = (
    TsaEntry("DigiCert", "http://timestamp.digicert.com"),
    TsaEntry("Sectigo", "http://timestamp.sectigo.com"),
)
DEFAULT_TSA_URLS: tuple[str, ...] = tuple(t.url for t in DEFAULT_TSAS)

#: Error keys that mean "could not talk to the TSA" rather than "it answered badly".
NETWORK_FAILURE_KEYS = frozenset(
    {"timestamps.unreachable", "timestamps.timeout", "timestamps.http_status"}
)


@dataclass(frozen=True)
class TsaFailure:
    """Why one TSA gave no token: the error key, its English message, problem codes."""

    url: str
    key: str
    message: str
    problems: list[str] = field(default_factory=list)


def try_tsas(
    digest: bytes,
    urls: Sequence[str],
    *,
    timeout: float = 20.0,
    ca_file: str | PathLike[str] | None = None,
    progress: Progress | None = None,
    roots: list[asn1_x509.Certificate] | None = None,
) -> TokenResult:
    """The first verified token for ``digest`` from ``urls``, tried in order.

    A TSA that is unreachable, slow, refuses, or answers with a response failing any check
    is skipped and the next one tried. If none gives a verified token, raises
    :class:`TimestampError` with key ``timestamps.offline`` (every TSA was unreachable:
    probably no network) or ``timestamps.all_failed`` (at least one answered, badly);
    ``params["failures"]`` is a list of :class:`TsaFailure`. The caller keeps the item
    queued. ``timestamps.no_tsa`` if ``urls`` is empty. Tokens must chain to the public CA
    roots or to a root in ``ca_file`` (or exactly to ``roots``, a trust store the caller
    built with :func:`~evidencekit.timestamps.client.token_trust_store`); an intact token
    from any other TSA fails with ``timestamps.untrusted`` (problem ``untrusted chain``).
    A bad ``ca_file`` raises :class:`~evidencekit.errors.InputError` at once.
    """
    if not urls:
        raise TimestampError("timestamps.no_tsa")
    if roots is None:
        roots = token_trust_store(ca_file)
    failures: list[TsaFailure] = []
    total = len(urls)
    for index, url in enumerate(urls):
        if progress is not None:
            progress(index, total, "timestamps.progress.trying")
        try:
            result = fetch_token(digest, url, timeout=timeout, roots=roots)
        except TimestampError as e:
            problems = e.params.get("problems")
            failures.append(
                TsaFailure(
                    url=url,
                    key=e.key,
                    message=e.message("en"),
                    problems=list(problems) if isinstance(problems, list) else [],
                )
            )
            log.info("time-stamp authority %d of %d failed (%s)", index + 1, total, e.key)
            continue
        if progress is not None:
            progress(total, total, "timestamps.progress.done")
        return result
    offline = all(f.key in NETWORK_FAILURE_KEYS for f in failures)
    details = "; ".join(f"{f.url}: {f.message}" for f in failures)
    raise TimestampError(
        "timestamps.offline" if offline else "timestamps.all_failed",
        count=total,
        details=details,
        failures=failures,
    )
