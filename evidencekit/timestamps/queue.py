"""The per-vault timestamp queue: every part without a trusted RFC 3161 token is waiting; a
run asks the configured TSAs (in order) for a token per part, stores each verified token
with its part, and stamps the custody log's head. Offline, nothing is lost: the parts stay
waiting and the next run (CLI or GUI) finishes the queue.

Only tokens from a trusted TSA are stored: the certificate must chain to the public CA
roots or to a root the user added (``ca_file`` / ``--tsa-ca``, or the vault setting
``tsa_roots_pem``). A part holding a token stored before this rule (not marked trusted)
that does not chain to the trust store counts as waiting again.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Protocol

from asn1crypto import x509 as asn1_x509

from evidencekit.errors import TimestampError
from evidencekit.model import Event, Item, Part, Progress
from evidencekit.timestamps.client import TokenResult, token_trust_store
from evidencekit.timestamps.trust import VAULT_SETTING

__all__ = ["TimestampRun", "waiting_parts", "tsa_urls", "timestamp_vault", "token_record"]

log = logging.getLogger(__name__)


class _Vault(Protocol):
    def items(self, include_deleted: bool = False) -> list[Item]: ...
    def get_setting(self, key: str, default: Any = None) -> Any: ...
    def set_part_timestamp(self, number: int, index: int, timestamp: dict[str, Any]) -> Item: ...
    def log_head(self) -> dict[str, Any]: ...
    def log_event(self, event: str, item: Item | None = None, **details: Any) -> Event: ...


@dataclass
class TimestampRun:
    stamped: list[tuple[int, str]] = field(default_factory=list)
    waiting: int = 0
    log_stamped: bool = False
    error: TimestampError | None = None


def waiting_parts(vault: _Vault) -> list[tuple[Item, int]]:
    """Every (item, part index) of a stored item that has no trusted token yet."""
    roots: list[asn1_x509.Certificate] | None = None
    out: list[tuple[Item, int]] = []
    for item in vault.items():
        if item.state != "active":
            continue
        for i, part in enumerate(item.parts):
            if not part.timestamp:
                out.append((item, i))
            elif part.timestamp.get("trusted") is not True:
                if roots is None:
                    roots = _store(vault, None)
                if not _legacy_token_trusted(part, roots):
                    out.append((item, i))
    return out


def _store(vault: _Vault, ca_file: str | PathLike[str] | None) -> list[asn1_x509.Certificate]:
    """Public roots + ``ca_file`` + the vault's ``tsa_roots_pem`` setting."""
    stored = vault.get_setting(VAULT_SETTING)
    if isinstance(stored, list):
        stored = "".join(str(s) for s in stored)
    return token_trust_store(ca_file, stored if isinstance(stored, str) else None)


_LEGACY_CHECKED: dict[tuple[str, int], bool] = {}


def _legacy_token_trusted(part: Part, roots: list[asn1_x509.Certificate]) -> bool:
    """Whether a token stored without ``trusted: true`` chains to the trust store now
    (remembered per token and store size for this process: the GUI asks often)."""
    from evidencekit.timestamps.verify import verify_token

    ts = part.timestamp or {}
    try:
        token = base64.b64decode(str(ts.get("token") or ""), validate=True)
        digest = bytes.fromhex(part.sha256)
    except ValueError:
        return False
    if not token:
        return False
    key = (hashlib.sha256(token + digest).hexdigest(), len(roots))
    if key not in _LEGACY_CHECKED:
        _LEGACY_CHECKED[key] = verify_token(token, digest, roots=roots).ok
    return _LEGACY_CHECKED[key]


def tsa_urls(vault: _Vault) -> list[str]:
    from evidencekit.timestamps.tsa_list import DEFAULT_TSA_URLS

    urls = vault.get_setting("tsa_urls")
    return list(urls) if urls else list(DEFAULT_TSA_URLS)


def token_record(result: TokenResult) -> dict[str, Any]:
    """What is stored with a part: the summary, the token (.tsr, base64) and its chain."""
    return {
        **result.record(),
        "token": base64.b64encode(result.token).decode("ascii"),
        "token_sha256": hashlib.sha256(result.token).hexdigest(),
        "chain_pem": result.chain_pem.decode("ascii"),
    }


def timestamp_vault(
    vault: _Vault,
    *,
    urls: Sequence[str] | None = None,
    timeout: float = 20.0,
    ca_file: str | PathLike[str] | None = None,
    progress: Progress | None = None,
    stamp_log: bool = True,
) -> TimestampRun:
    """Stamp every waiting part, then the custody-log head. Never raises for an
    unreachable, misbehaving or untrusted TSA: the error is returned in the run and the
    parts that got no token stay waiting.

    A token is kept only when it chains to the public CA roots, to a root in ``ca_file``
    or to a root of the vault setting ``tsa_roots_pem`` (else ``timestamps.untrusted``,
    problem ``untrusted chain``). A bad ``ca_file`` raises
    :class:`~evidencekit.errors.InputError` before anything is asked."""
    from evidencekit.timestamps.tsa_list import try_tsas

    chosen = list(urls) if urls else tsa_urls(vault)
    roots = _store(vault, ca_file)
    run = TimestampRun()
    todo = waiting_parts(vault)
    for n, (item, index) in enumerate(todo, 1):
        part = item.parts[index]
        try:
            result = try_tsas(bytes.fromhex(part.sha256), chosen, timeout=timeout,
                              roots=roots)
        except TimestampError as exc:
            run.error = exc
            run.waiting = len(todo) - n + 1
            log.info("timestamping stopped: %s", exc.key)
            return run
        vault.set_part_timestamp(item.number, index, token_record(result))
        run.stamped.append((item.number, part.name))
        if progress is not None:
            progress(n, len(todo), "progress.timestamping")
    if stamp_log and (run.stamped or not _log_recently_stamped(vault)):
        head = vault.log_head()
        try:
            result = try_tsas(bytes.fromhex(head["hash"]), chosen, timeout=timeout,
                              roots=roots)
        except TimestampError as exc:
            run.error = exc
            return run
        vault.log_event("log_timestamped", head_seq=head["seq"], head_hash=head["hash"],
                        **token_record(result))
        run.log_stamped = True
    return run


def _log_recently_stamped(vault: _Vault) -> bool:
    """True when the head itself is a log timestamp (nothing happened since)."""
    events = getattr(vault, "events", None)
    if events is None:
        return False
    evs = events()
    return bool(evs) and evs[-1].kind == "log_timestamped"
