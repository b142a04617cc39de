"""The hash certificate (해시값 확인서), the acquisition record and the preparer's statement.

One table lists every original file of the bundle: number, file name, size, SHA-256, when
the hash was first computed (at capture, in the export zone with UTC), by whom (the vault
owner as the vault identity names them) and how (screen capture, file import with the
original name and modification time, link fetch), with the program and its build. The
statement (확인서) follows: the preparer's name, role, organisation, contact, the case
number and the recipient, a sentence that the files are unaltered since capture, and the
date. Empty fields stay blank lines to be filled in by hand; nothing is invented.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table, TableStyle

from evidencekit.bundle.export_options import Declaration
from evidencekit.bundle.fonts import MONO
from evidencekit.bundle.layout_items import ItemView
from evidencekit.bundle.manifest import LOCATION_EMBEDDED, LOCATION_SIDE
from evidencekit.bundle.styles import (
    CELL_PADDING,
    RULE,
    SHADE,
    Labels,
    Styles,
    esc,
    fmt_size,
    grid_style,
    hard_wrap,
    zone_abbr,
)

__all__ = ["CertInput", "hash_certificate", "acquisition", "hash_time"]

log = logging.getLogger(__name__)

_BLANK = "&nbsp;"


@dataclass
class CertInput:
    """What the certificate and the statement print."""

    items: list[ItemView]
    holder: str
    program: str
    build: str
    prepared_by: str
    declaration: Declaration
    exported_at: datetime


def hash_time(view: ItemView) -> str:
    """When the item's hashes were first computed: the fetch of a link recorded offline,
    else the capture (the vault hashes every part as it stores it)."""
    item = view.item
    meta = item.metadata if isinstance(item.metadata, Mapping) else {}
    if item.kind == "link" and meta.get("fetched_at"):
        return str(meta.get("fetched_at"))
    return item.captured_at_utc


def acquisition(view: ItemView, labels: Labels) -> str:
    """How the item was acquired, as one line of escaped markup."""
    item = view.item
    meta = item.metadata if isinstance(item.metadata, Mapping) else {}
    if item.kind == "screenshot":
        return esc(labels("court.how.screenshot"))
    if item.kind == "file":
        name = meta.get("original_name") or meta.get("display_name") or item.source or "—"
        mtime = meta.get("mtime")
        return esc(labels("court.how.file", name=name,
                          mtime=labels.when(mtime) if mtime else labels("court.how.unknown")))
    if item.kind == "link":
        url = meta.get("url") or item.source or "—"
        return esc(labels("court.how.link", url=url))
    if item.kind == "incident":
        return esc(labels("court.how.incident"))
    return esc(labels("court.how.other", kind=item.kind))


def _kv(rows: list[tuple[str, str]], st: Styles, width: float, label_w: float,
        blank_h: float = 0.0) -> Table:
    data: list[list[Any]] = []
    for label, value in rows:
        cell: Any = Paragraph(value, st.cell_wrap) if value else (
            Spacer(1, blank_h) if blank_h else Paragraph(_BLANK, st.cell))
        data.append([Paragraph(esc(label), st.cell_bold), cell])
    t = Table(data, colWidths=[label_w, width - label_w])
    t.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("BACKGROUND", (0, 0), (0, -1), SHADE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return t


def _file_rows(inp: CertInput, labels: Labels, st: Styles, widths: list[float]
               ) -> tuple[list[list[Any]], list[tuple[Any, ...]]]:
    """Per item a heading row (number, how, when the hash was computed), then one row per
    file (name, size, SHA-256 on one line); returns the rows and their style commands."""
    rows: list[list[Any]] = []
    style: list[tuple[Any, ...]] = []
    name_w = widths[1] - 2 * CELL_PADDING - 0.5
    for view in inp.items:
        if not view.parts:
            continue
        heading = (f"<font size='7'><b>{esc(labels('court.item_ref', number=view.item.number))}"
                   f"</b> · {acquisition(view, labels)} · "
                   f"{esc(labels('court.cert.hashed_at', time=labels.when(hash_time(view))))}"
                   "</font>")
        rows.append([Paragraph(heading, st.cell_wrap), "", "", ""])
        style += [("SPAN", (0, len(rows)), (-1, len(rows))),
                  ("BACKGROUND", (0, len(rows)), (-1, len(rows)), SHADE),
                  ("TOPPADDING", (0, len(rows)), (-1, len(rows)), 1.5),
                  ("BOTTOMPADDING", (0, len(rows)), (-1, len(rows)), 1.5)]
        for pv in view.parts:
            number = labels("court.cert.file_no", number=view.item.number, part=pv.index + 1)
            where = ""
            if pv.location == LOCATION_SIDE:
                where = "<br/>" + esc(labels("bundle.part.side", path=pv.path or pv.file))
            elif pv.location != LOCATION_EMBEDDED:
                where = "<br/>" + esc(labels("bundle.part.omitted"))
            rows.append([
                Paragraph(esc(number), st.cell),
                Paragraph(f"<font name='{MONO}' size='7'>"
                          f"{hard_wrap(pv.file, MONO, 7, name_w)}</font>{where}", st.cell_wrap),
                Paragraph(esc(fmt_size(pv.part.size).split(" (")[0]), st.cell),
                Paragraph(f"<font name='{MONO}' size='6'>{esc(pv.part.sha256)}</font>",
                          st.cell),
            ])
    return rows, style


def hash_certificate(inp: CertInput, labels: Labels, st: Styles, width: float,
                     label_w: float) -> list[Flowable]:
    """The certificate table and the statement, as flowables (one section)."""
    zone_dt = inp.exported_at.astimezone(labels.zone)
    story: list[Flowable] = [Paragraph(esc(labels("court.cert.title")), st.h1)]
    for text in labels.texts("court.cert.intro"):
        story.append(Paragraph(esc(text), st.body))
    story.append(Spacer(1, 2 * mm))
    zone_name = getattr(labels.zone, "key", str(labels.zone))
    story.append(_kv([
        (labels("court.cert.algorithm"), "SHA-256 (FIPS 180-4)"),
        (labels("court.cert.by"), esc(labels("court.cert.by_value", holder=inp.holder))),
        (labels("court.cert.program"), esc(f"{inp.program} ({inp.build})")),
        (labels("court.cert.zone"), esc(f"{zone_name} ({zone_abbr(zone_dt)}) · UTC")),
        (labels("court.cert.rechecked"),
         esc(labels("court.cert.rechecked_value", time=labels.when(inp.exported_at)))),
    ], st, width, label_w))
    story.append(Spacer(1, 3 * mm))
    widths = [14 * mm, 0.0, 23 * mm, 73 * mm]
    widths[1] = width - sum(widths)
    head = [Paragraph(esc(labels(k)), st.cell_head) for k in (
        "court.cert.col_number", "court.cert.col_file", "court.cert.col_size")]
    head.append(Paragraph(esc(labels("court.cert.col_hash")), st.cell_head))
    rows, style = _file_rows(inp, labels, st, widths)
    if not rows:
        rows = [[Paragraph(esc(labels("court.cert.no_files")), st.small), "", "", ""]]
        style = [("SPAN", (0, 1), (-1, 1))]
    table = Table([head, *rows], colWidths=widths, repeatRows=1)
    table.setStyle(grid_style(*style))
    story.append(table)
    story.append(Spacer(1, 5 * mm))
    story.append(CondPageBreak(110 * mm))  # the statement starts with room for its fields
    story.extend(statement(inp, labels, st, width, label_w))
    return story


def statement(inp: CertInput, labels: Labels, st: Styles, width: float, label_w: float
              ) -> list[Flowable]:
    """The preparer's statement (확인서); empty fields are lines to fill in by hand."""
    d = inp.declaration
    local = inp.exported_at.astimezone(labels.zone)
    out: list[Flowable] = [Paragraph(esc(labels("court.statement.title")), st.h1)]
    out.append(_kv([
        (labels("court.statement.name"), esc(inp.prepared_by.strip())),
        (labels("court.statement.role"), esc(d.role.strip())),
        (labels("court.statement.organisation"), esc(d.organisation.strip())),
        (labels("court.statement.contact"), esc(d.contact.strip())),
        (labels("court.statement.case_number"), esc(d.case_number.strip())),
        (labels("court.statement.recipient"), esc(d.recipient.strip())),
    ], st, width, label_w, blank_h=6 * mm))
    out.append(Spacer(1, 3 * mm))
    count = sum(len(v.parts) for v in inp.items)
    for text in labels.texts("court.statement.text", count=count):
        out.append(Paragraph(esc(text), st.body))
    out.append(Spacer(1, 3 * mm))
    out.append(_kv([
        (labels("court.statement.date"),
         esc(labels("court.statement.date_value", year=local.year, month=local.month,
                    day=local.day))),
        (labels("court.statement.signature"), ""),
    ], st, width, label_w, blank_h=12 * mm))
    return out
