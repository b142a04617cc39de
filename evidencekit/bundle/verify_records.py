"""Verifying that each exported item is the record the custody chain bound.

Every custody event that wrote an item's record since the item-record format was
introduced carries ``item_record_sha256`` (see :mod:`evidencekit.item_record`). For each
item of the manifest, :func:`check_item_records` takes the newest disclosed event of the
item that wrote its record and recomputes the digest from the manifest entry: a title,
source, capture time, note or metadata value changed after the event (in the vault or in
the manifest) no longer matches and the item is named. Events written before the format
existed carry no such digest; they are reported as "older event format", not as failures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evidencekit.bundle.verify_report import Check, VerifyReport, short_list
from evidencekit.item_record import EVENT_FIELD, bound_record_sha256
from evidencekit.vault.custody import ChainRecord

__all__ = ["check_item_records", "record_event"]

#: Custody events that write an item's record name the sealed record with this field;
#: the oldest vaults' events have neither it nor the item-record digest.
_WRITES_RECORD = "record_sha256"
_CREATION = frozenset({"item_captured", "item_imported", "link_fetched"})


def record_event(records: Sequence[ChainRecord], item_id: Any) -> dict[str, Any] | None:
    """The body of the newest disclosed event that wrote the record of ``item_id``."""
    found: dict[str, Any] | None = None
    for rec in records:
        body = rec.body
        if body is None or str(body.get("item_id")) != str(item_id):
            continue
        if _WRITES_RECORD in body or EVENT_FIELD in body or body.get("event") in _CREATION:
            found = body
    return found


def _mark_item(report: VerifyReport, number: Any, check: Check) -> None:
    for res in report.items:
        if res.number == number:
            res.parts.append(check)
            if check.ok is False:
                res.ok = False


def check_item_records(manifest: dict[str, Any], records: Sequence[ChainRecord],
                       report: VerifyReport) -> None:
    """Each manifest item against the record digest of its newest record-writing event."""
    bad: list[str] = []
    old: list[str] = []
    good = 0
    for item in manifest.get("items", []):
        if not isinstance(item, dict):
            continue
        number = item.get("number")
        body = record_event(records, item.get("id"))
        if body is None:
            continue  # no disclosed event at all: the custody check names it
        expected = body.get(EVENT_FIELD)
        if expected is None:
            old.append(f"#{number}")
            continue
        if bound_record_sha256(item) == expected:
            good += 1
            continue
        bad.append(f"#{number}")
        _mark_item(report, number, Check("record", False, "court.verify.item_record_bad",
                                         {"event": body.get("event", "?")}))
    if bad:
        report.add("custody.records", False, "court.verify.records_bad", items=short_list(bad))
    elif good:
        report.add("custody.records", True, "court.verify.records_ok", count=good)
    if old:
        report.add("custody.records_old", None, "court.verify.records_old",
                   items=short_list(old))
