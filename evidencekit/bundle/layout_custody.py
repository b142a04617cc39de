"""The custody section of the bundle: deletions explained, then the custody log.

Every event of the exported items and of the vault itself is listed with its time (in the
export zone, UTC beside it), what it was, the item and its chain hash; events of other
items appear as "N other events — hash only" rows (their digests are in ``manifest.json``,
so the whole chain still verifies). Every item deleted within the exported range is listed
and explained in plain words: when, why, the hash kept, and the event that records it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from evidencekit.bundle.fonts import MONO
from evidencekit.bundle.styles import (
    Labels,
    Styles,
    esc,
    grid_style,
    hard_wrap,
    mono_para,
)
from evidencekit.model import Item
from evidencekit.vault.custody import ChainRecord

__all__ = ["Deletion", "deletions_in_range", "deletion_section", "custody_table",
           "custody_section", "deletions_public"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deletion:
    """An item deleted within the exported range, as its tombstone and event keep it."""

    number: int
    item_id: str
    kind: str
    captured_at_utc: str
    deleted_at: str
    reason: str
    sha256: str | None
    parts: list[dict[str, Any]]
    seq: int | None  # the custody event recording the deletion


def deletions_in_range(all_items: list[Item], exported: list[int], whole_vault: bool,
                       records: list[ChainRecord]) -> list[Deletion]:
    """Deleted items whose number lies in the exported range (every deleted item when the
    whole vault is exported), with the custody event that recorded each deletion."""
    if not exported:
        return []
    low, high = min(exported), max(exported)
    seqs: dict[str, int] = {}
    for rec in records:
        if rec.body is not None and rec.body.get("event") == "item_deleted":
            seqs[str(rec.body.get("item_id"))] = rec.seq
    out: list[Deletion] = []
    for item in all_items:
        if item.state != "deleted" or not (whole_vault or low <= item.number <= high):
            continue
        tomb = item.deletion or {}
        parts = tomb.get("parts")
        out.append(Deletion(
            number=item.number, item_id=item.id, kind=item.kind,
            captured_at_utc=item.captured_at_utc, deleted_at=str(tomb.get("at") or ""),
            reason=str(tomb.get("reason") or ""), sha256=tomb.get("sha256"),
            parts=[p for p in parts if isinstance(p, dict)] if isinstance(parts, list) else [],
            seq=seqs.get(item.id)))
    return out


def deletions_public(deletions: list[Deletion]) -> list[dict[str, Any]]:
    """The manifest's ``deletions`` list."""
    return [{"number": d.number, "item_id": d.item_id, "kind": d.kind,
             "captured_at_utc": d.captured_at_utc, "deleted_at": d.deleted_at,
             "reason": d.reason, "sha256": d.sha256, "parts": d.parts, "event_seq": d.seq}
            for d in deletions]


def _kind(labels: Labels, kind: str) -> str:
    key = f"bundle.kind.{kind}"
    return labels(key) if labels.has(key) else kind


def deletion_section(deletions: list[Deletion], labels: Labels, st: Styles, width: float
                     ) -> list[Flowable]:
    """Plain words about each deletion (or that there was none in the range)."""
    story: list[Flowable] = [Paragraph(esc(labels("court.deleted.title")), st.h2)]
    if not deletions:
        for text in labels.texts("court.deleted.none"):
            story.append(Paragraph(esc(text), st.body))
        return story
    for text in labels.texts("court.deleted.intro", count=len(deletions)):
        story.append(Paragraph(esc(text), st.body))
    for d in deletions:
        for text in labels.texts(
            "court.deleted.one", number=d.number, kind=_kind(labels, d.kind),
            captured=labels.when(d.captured_at_utc), deleted=labels.when(d.deleted_at),
            reason=d.reason or "—", seq=d.seq if d.seq is not None else "—",
        ):
            story.append(Paragraph("• " + esc(text), st.body))
        hashes = [(p.get("name"), p.get("sha256")) for p in d.parts] or [("", d.sha256)]
        lines = [f"{esc(str(n or ''))} {hard_wrap(str(h or '—'), MONO, 7, width - 30 * mm)}"
                 for n, h in hashes]
        story.append(Paragraph("<br/>".join(lines), st.mono_small))
        story.append(Spacer(1, 2 * mm))
    for text in labels.texts("court.deleted.meaning"):
        story.append(Paragraph(esc(text), st.small))
    return story


def _event_text(labels: Labels, body: dict[str, Any]) -> str:
    kind = str(body.get("event"))
    key = f"bundle.event.{kind}"
    text = esc(labels(key) if labels.has(key) else kind)
    if kind == "item_deleted":
        text += "<br/>" + esc(labels("court.custody.reason", reason=body.get("reason") or "—"))
    return text


def custody_table(records: list[ChainRecord], numbers: dict[str, int], labels: Labels,
                  st: Styles, width: float) -> Table:
    """Every disclosed event (time in the export zone and UTC) and the withheld runs."""
    # The chain hash on one line (6 pt); the previous hash only where the row above is not
    # the previous event (it is the hash of the row above otherwise).
    widths = [12 * mm, 37 * mm, 0.0, 16 * mm, 73 * mm]
    widths[2] = width - sum(widths)
    head = [Paragraph(esc(labels(k)), st.cell_head) for k in (
        "court.custody.seq", "court.custody.time", "court.custody.event",
        "court.custody.item", "court.custody.hash")]
    data: list[list[Any]] = [head]
    spans: list[tuple[Any, ...]] = []

    def withheld(count: int) -> None:
        data.append([Paragraph(esc(labels("court.custody.withheld", count=count)), st.small)]
                    + [""] * 4)
        spans.append(("SPAN", (0, len(data) - 1), (-1, len(data) - 1)))

    expected = 1
    for rec in records:
        if rec.body is None:
            continue
        if rec.seq > expected:
            withheld(rec.seq - expected)
        body = rec.body
        item_no = numbers.get(str(body.get("item_id"))) if body.get("item_id") else None
        if item_no is None and body.get("item_number") is not None and body.get("item_id"):
            item_no = body.get("item_number")
        when = "<font size='7'>" + esc(labels.when(body.get("at"))).replace(
            " (", "<br/>(", 1) + "</font>"
        link = f"{esc(rec.hash)}"
        if rec.seq != expected or rec.seq == 1:
            link += f"<br/><font color='#666666'>← {esc(rec.prev_hash)}</font>"
        data.append([
            Paragraph(str(rec.seq), st.cell),
            Paragraph(when, st.cell),
            Paragraph(_event_text(labels, body), st.cell_wrap),
            Paragraph(esc(labels("court.item_ref", number=item_no)) if item_no is not None
                      else "—", st.cell),
            Paragraph(f"<font name='{MONO}' size='6'>{link}</font>", st.cell),
        ])
        expected = rec.seq + 1
    last = records[-1].seq if records else 0
    if last >= expected:
        withheld(last - expected + 1)
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(grid_style(*spans, ("TOPPADDING", (0, 1), (-1, -1), 1.5),
                          ("BOTTOMPADDING", (0, 1), (-1, -1), 1.5)))
    return t


def custody_section(records: list[ChainRecord], head: dict[str, Any], numbers: dict[str, int],
                    deletions: list[Deletion], labels: Labels, st: Styles, width: float,
                    label_w: float = 52 * mm) -> list[Flowable]:
    """The whole custody section: title, intro, deletions, the log, the signed head."""
    disclosed = sum(1 for r in records if r.body is not None)
    story: list[Flowable] = [Paragraph(esc(labels("court.custody.title")), st.h1)]
    for text in labels.texts("court.custody.intro", total=len(records), disclosed=disclosed):
        story.append(Paragraph(esc(text), st.body))
    story.append(Spacer(1, 2 * mm))
    story.extend(deletion_section(deletions, labels, st, width))
    story.append(Spacer(1, 3 * mm))
    story.append(Paragraph(esc(labels("court.custody.log")), st.h2))
    story.append(custody_table(records, numbers, labels, st, width))
    story.append(Spacer(1, 4 * mm))
    rows = [
        (labels("court.custody.head_seq"), Paragraph(str(head.get("seq")), st.cell)),
        (labels("court.custody.head_hash"),
         mono_para(str(head.get("hash")), st.mono, width - label_w)),
        (labels("court.custody.head_signature"),
         Paragraph(esc(labels("court.custody.head_signed")), st.cell_wrap)),
    ]
    data = [[Paragraph(esc(k), st.cell_bold), v] for k, v in rows]
    t = Table(data, colWidths=[label_w, width - label_w])
    t.setStyle(grid_style())
    story.append(KeepTogether([Paragraph(esc(labels("court.custody.head")), st.h2), t]))
    return story
