"""A reporting list as an Excel workbook (openpyxl): a heading block, then the table.

Every cell is written as text: a value from a web page that starts with ``=`` (a post
title, a URL) stays text and is never run as a formula; characters XML cannot hold are
dropped. Korean text is stored as Unicode, which Excel and LibreOffice read directly.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill

from evidencekit.reports.lists import ReportTable

__all__ = ["xlsx_bytes"]

_FONT = "맑은 고딕"


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def xlsx_bytes(table: ReportTable, title: str, heading: list[tuple[str, str]],
               header: list[str]) -> bytes:
    """The workbook in memory: ``title``, ``heading`` rows (label, value), the table."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _text(title)[:31] or "list"
    ws.cell(row=1, column=1, value=_text(title)).font = Font(name=_FONT, bold=True, size=14)
    row = 2
    for label, value in heading:
        ws.cell(row=row, column=1, value=_text(label)).font = Font(name=_FONT, bold=True)
        cell = ws.cell(row=row, column=2, value=_text(value))
        cell.data_type = "s"
        cell.font = Font(name=_FONT)
        row += 1
    row += 1
    first = row
    fill = PatternFill("solid", fgColor="E8E4DC")
    for col, name in enumerate(header, start=1):
        cell = ws.cell(row=row, column=col, value=_text(name))
        cell.font = Font(name=_FONT, bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for values in table.rows:
        row += 1
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=_text(value))
            cell.data_type = "s"  # never a formula, whatever the text starts with
            cell.font = Font(name=_FONT)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, column in enumerate(table.columns, start=1):
        letter = ws.cell(row=first, column=col).column_letter
        ws.column_dimensions[letter].width = max(6.0, column.width * 1.1)
    ws.freeze_panes = ws.cell(row=first + 1, column=1)
    if table.rows:
        ws.auto_filter.ref = f"A{first}:{ws.cell(row=row, column=len(header)).coordinate}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
