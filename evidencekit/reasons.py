"""Library reasons said in the reader's language.

Errors carry the reason a library gave (OpenSSL's ``WRONG_VERSION_NUMBER``, an HTTP
library's ``Connection refused``, the vault's ``chunk 0 failed authentication``). Inside a
Korean sentence that raw English is noise: :func:`localized_message` replaces a known
reason by its catalogue wording and an unknown one by a pointer to the details, which
stay in the log (``--debug``) and in ``--json`` output. English keeps the raw reason.
"""

from __future__ import annotations

import logging
import re

from evidencekit.errors import EvidenceKitError
from evidencekit.i18n import current_language, set_reason_hook, tr

__all__ = ["KNOWN_REASONS", "friendly_reason", "localized_message"]

log = logging.getLogger(__name__)

#: (pattern, catalogue key), first match wins.
KNOWN_REASONS: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.I), k) for p, k in (
    (r"wrong[_ ]version[_ ]number|unsupported protocol|no protocols available",
     "reason.tls_version"),
    (r"certificate has expired|CERT_HAS_EXPIRED", "reason.cert_expired"),
    (r"hostname mismatch|doesn't match|does not match|not valid for|IP address mismatch",
     "reason.cert_name"),
    (r"unable to get local issuer|self[- ]signed certificate|certificate verify failed|"
     r"unknown ca|untrusted", "reason.cert_untrusted"),
    (r"chunk \d+ failed authentication|InvalidTag|authentication tag|failed authentication",
     "reason.auth_failed"),
    (r"connection refused|ECONNREFUSED", "reason.refused"),
    (r"connection reset|broken pipe|EOF occurred|unexpected eof|RemoteProtocolError|"
     r"server disconnected", "reason.reset"),
    (r"timed? ?out", "reason.timeout"),
    (r"name or service not known|getaddrinfo|nodename nor servname|no address associated|"
     r"temporary failure in name resolution", "reason.dns"),
    (r"network is unreachable|no route to host", "reason.unreachable"),
    (r"no space left|ENOSPC", "reason.disk_full"),
    (r"permission denied|EACCES|operation not permitted", "reason.permission"),
    (r"no such file|ENOENT", "reason.missing"),
    (r"read-only file system|EROFS", "reason.read_only"),
)]

#: Parameters that hold a library's reason.
REASON_PARAMS = ("reason", "error")
_LATIN_WORDS = re.compile(r"[A-Za-z_]{3,}")


def friendly_reason(reason: str, lang: str | None = None) -> str:
    """A known reason in ``lang``'s words; an unknown English one as a pointer to the
    details (Korean); anything in English left as it is."""
    language = lang or current_language()
    if language == "en" or re.search("[가-힣]", reason):
        return reason
    for pattern, key in KNOWN_REASONS:
        if pattern.search(reason):
            return tr(key, language)
    if _LATIN_WORDS.search(reason):
        return tr("reason.other", language)
    return reason


def localized_message(exc: EvidenceKitError, lang: str | None = None) -> str:
    """``exc``'s message with its raw reason said in ``lang`` (tr() does it through the
    hook this module installs; the raw reason is logged)."""
    return tr(exc.key, lang, **exc.params)


_CN = re.compile(r"(?:^|,)\s*CN=((?:[^,\\]|\\.)+)")


def _hook(reason: str, lang: str) -> str:
    # A certificate's distinguished name (2.5.4.5=…,O=…,CN=name) is said by its name.
    if "=" in reason and (cn := _CN.search(reason)):
        return cn.group(1).replace("\\,", ",").strip()
    friendly = friendly_reason(reason, lang)
    if friendly != reason:
        log.info("reason: %s", reason)
    return friendly


set_reason_hook(_hook)
