"""The default time-stamp authorities and trying a list of them in order.

The defaults are well-known free public TSAs. A vault keeps its own list (setting
``tsa_urls``); :func:`try_tsas` takes whatever list the caller chose - it never falls back
to the defaults by itself, so nothing is contacted that the caller did not name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike

from evidencekit.errors import TimestampError
from evidencekit.model import Progress
from evidencekit.timestamps.client import TokenResult, fetch_token, load_trust_roots

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


#: Free public TSAs, tried in this order. Their roots are not bundled: tokens from them are
#: checked for integrity and timestamping purpose; trust is established by the recipient.
DEFAULT_TSAS: tuple[TsaEntry, ...] = (
    TsaEntry("DigiCert", "http://timestamp.digicert.com"),
    TsaEntry("Sectigo", "http://timestamp.sectigo.com"),
    TsaEntry("FreeTSA", "https://freetsa.org/tsr"),
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
) -> TokenResult:
    """The first verified token for ``digest`` from ``urls``, tried in order.

    A TSA that is unreachable, slow, refuses, or answers with a response failing any check
    is skipped and the next one tried. If none gives a verified token, raises
    :class:`TimestampError` with key ``timestamps.offline`` (every TSA was unreachable:
    probably no network) or ``timestamps.all_failed`` (at least one answered, badly);
    ``params["failures"]`` is a list of :class:`TsaFailure`. The caller keeps the item
    queued. ``timestamps.no_tsa`` if ``urls`` is empty. A bad ``ca_file`` raises
    :class:`~evidencekit.errors.InputError` at once.
    """
    if not urls:
        raise TimestampError("timestamps.no_tsa")
    roots = load_trust_roots(ca_file) if ca_file is not None else None
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
