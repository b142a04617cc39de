"""Cross-checks between the index rows and the custody log (used by ``check`` and before
any clean-up): every record must be the one its newest custody event names, every item the
log says was added must have its row, and every row its creation event.

Each event that writes a sealed record carries ``record_sha256`` (the SHA-256 of the sealed
bytes). An older version of a record put back into its row still authenticates — it was
sealed with the same key for the same row — but no longer matches its newest event.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evidencekit.errors import IntegrityError
from evidencekit.model import Event

if TYPE_CHECKING:
    from evidencekit.vault.store import Vault

__all__ = ["Problem", "consistency_problems"]

_CREATION = ("item_captured", "item_imported")


@dataclass(frozen=True)
class Problem:
    """``target`` is ("item", number) or ("settings", 0) / ("identity", 0); ``key`` a
    catalogue key for the problem."""

    target: tuple[str, int]
    key: str


def _digest(sealed: bytes | None) -> str | None:
    return hashlib.sha256(sealed).hexdigest() if sealed is not None else None


def consistency_problems(vault: Vault, events: list[Event] | None = None) -> list[Problem]:
    """All mismatches between rows and the log; an empty list when consistent. Unreadable
    rows or events count as problems too (details come from ``check``). ``events`` may be
    passed by a caller that has already decrypted the log."""
    problems: list[Problem] = []
    if events is None:
        try:
            events = vault.events()
        except IntegrityError:
            return [Problem(("log", 0), "check.event_unreadable")]
    expected: dict[str, str] = {}
    created: dict[str, int] = {}
    settings_expected: str | None = None
    identity_expected: str | None = None
    for e in events:
        body = e.body
        digest = body.get("record_sha256")
        if e.kind == "vault_created":
            settings_expected = body.get("settings_record_sha256")
            identity_expected = body.get("identity_record_sha256")
        elif e.kind == "identity_changed" and isinstance(digest, str):
            identity_expected = digest
        elif e.kind == "setting_changed" and isinstance(digest, str):
            settings_expected = digest
        iid = e.item_id
        if iid is None:
            continue
        if e.kind in _CREATION:
            created[iid] = int(body.get("item_number") or 0)
        if isinstance(digest, str):
            expected[iid] = digest
    rows = vault._index.item_rows()
    seen = set()
    for item_id, number, _state, sealed in rows:
        seen.add(item_id)
        if item_id not in created:
            problems.append(Problem(("item", number), "check.row_without_event"))
        elif expected.get(item_id) != _digest(sealed):
            problems.append(Problem(("item", number), "check.record_replayed"))
    for iid, number in created.items():
        if iid not in seen:
            problems.append(Problem(("item", number), "check.item_missing_row"))
    if settings_expected != _digest(vault._index.get_meta("settings")):
        problems.append(Problem(("settings", 0), "check.record_replayed"))
    if identity_expected != _digest(vault._index.get_meta("identity")):
        problems.append(Problem(("identity", 0), "check.record_replayed"))
    return problems
