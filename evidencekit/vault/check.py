"""The full integrity check of a vault (``evidencekit check``).

It re-reads everything: the header against its protected copy, the identity, every
custody event (authentication, hash chain, signed head), every item record, and every
part's blob (decrypted and re-hashed). Each problem is a :class:`Finding` naming what it
concerns ("item 12", "custody event 7", "vault.json"), so a report can point at it.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from evidencekit.errors import IntegrityError
from evidencekit.i18n import tr
from evidencekit.model import Event, Progress
from evidencekit.vault import custody
from evidencekit.vault.blobs import BlobError
from evidencekit.vault.index import event_ad, item_ad
from evidencekit.vault.records import item_from_record
from evidencekit.vault.sealing import SealError
from evidencekit.vault.store import Vault

__all__ = ["Finding", "CheckReport", "check_vault"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finding:
    """One problem: ``target`` names what is affected, ``key``/``params`` say what."""

    target_key: str
    target_params: dict[str, object]
    key: str
    params: dict[str, object] = field(default_factory=dict)

    def target(self, lang: str | None = None) -> str:
        return tr(self.target_key, lang, **self.target_params)

    def message(self, lang: str | None = None) -> str:
        return f"{self.target(lang)}: {tr(self.key, lang, **self.params)}"


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    items_checked: int = 0
    parts_checked: int = 0
    bytes_checked: int = 0
    events_checked: int = 0
    intact_items: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _item(number: int) -> tuple[str, dict[str, object]]:
    return "check.target.item", {"number": number}


def _event(seq: int) -> tuple[str, dict[str, object]]:
    return "check.target.event", {"seq": seq}


def check_vault(vault: Vault, progress: Progress | None = None) -> CheckReport:
    """Check everything; never raises for damage (it is reported), only for I/O faults."""
    report = CheckReport()
    add: Callable[..., None] = lambda t, k, **p: report.findings.append(  # noqa: E731
        Finding(t[0], t[1], k, p)
    )
    for key, params in vault.header_problems:
        add(("check.target.header", {}), key, **params)
    bad_sql = vault._index.quick_check()
    if bad_sql:
        add(("check.target.index", {}), "check.index_structure", detail="; ".join(bad_sql[:3]))
    try:
        _key, cert = vault.identity()
    except IntegrityError:
        add(("check.target.identity", {}), "error.identity_damaged")
        cert = None

    # custody log
    records: list[custody.ChainRecord] = []
    events: list[Event] = []
    for seq, sealed in vault._index.event_rows():
        report.events_checked += 1
        try:
            rec = vault._log.open_json(sealed, event_ad(seq))
            records.append(custody.ChainRecord(seq=seq, prev_hash=rec["prev_hash"],
                                               body_sha256=rec["body_sha256"], hash=rec["hash"],
                                               body=rec["body"]))
            events.append(Event(seq=seq, prev_hash=rec["prev_hash"], hash=rec["hash"],
                                body=rec["body"]))
        except (SealError, KeyError, TypeError):
            add(_event(seq), "check.event_unreadable")
    for problem in custody.verify_chain(records):
        add(_event(problem.seq), "check.chain_broken", detail=problem.detail)
    try:
        head = vault.log_head()
        last = records[-1] if records else None
        if last is None or head["seq"] != last.seq or head["hash"] != last.hash:
            add(("check.target.log", {}), "check.head_mismatch", seq=head["seq"],
                found=last.seq if last else 0)
        elif cert is not None and not custody.verify_head(
            cert, vault.vault_id, head["seq"], head["hash"], base64.b64decode(head["signature"])
        ):
            add(("check.target.log", {}), "check.head_signature")
    except IntegrityError:
        add(("check.target.log", {}), "error.log_head_missing")

    # items
    rows = vault._index.item_rows()
    total = len(rows)
    referenced: set[str] = set()
    for n, (item_id, number, state, sealed) in enumerate(rows, 1):
        report.items_checked += 1
        if progress is not None:
            progress(n, total, "progress.checking")
        try:
            rec = vault._meta.open_json(sealed, item_ad(item_id, number, state))
            item = item_from_record(item_id, number, state, rec)
        except (SealError, KeyError, TypeError, ValueError):
            add(_item(number), "check.record_unreadable")
            continue
        ok = True
        referenced.update(p.blob for p in item.parts)
        for part in item.parts:
            report.parts_checked += 1
            try:
                info = vault.blobs.read(part.blob)
            except BlobError as exc:
                add(_item(number), "check.part_damaged", part=part.name, reason=exc.reason)
                ok = False
                continue
            report.bytes_checked += info.size
            if info.sha256 != part.sha256 or info.size != part.size:
                add(_item(number), "check.part_hash", part=part.name)
                ok = False
        if ok and state != "deleted":
            report.intact_items.append(number)

    # rows against the log: no replayed, removed or smuggled-in records
    from evidencekit.vault.consistency import consistency_problems

    for mismatch in consistency_problems(vault, events):
        kind, number = mismatch.target
        if kind == "item":
            add(_item(number), mismatch.key)
        elif kind != "log":
            add((f"check.target.{kind}", {}), mismatch.key)

    # encrypted files no item refers to: left by a crash (named in the journal, removed at
    # the next open) or a sign that rows were rolled back
    try:
        pending = set(vault.pending_blobs())
    except IntegrityError:
        add(("check.target.index", {}), "error.journal_damaged")
        pending = set()
    for name in sorted(vault.blobs.names() - referenced - pending):
        add(("check.target.blob", {"name": name[:8]}), "check.blob_unreferenced")
    log.info("check finished: %d finding(s)", len(report.findings))
    return report
