"""The recovery sheet: the one plaintext the user asks the program to write or print.

It holds the recovery key (eight groups of five characters), the vault's identity
fingerprint (in full, and in its short form for reading aloud) and where the vault is, with
a few plain sentences on what the key is for.
Written with ``QPrinter`` to a PDF the user chooses, or sent to a printer.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

from evidencekit.gui.theme import font_family
from evidencekit.i18n import tr
from evidencekit.vault.identity import format_fingerprint, short_fingerprint

__all__ = ["recovery_document", "save_recovery_pdf", "print_recovery_sheet"]

log = logging.getLogger(__name__)


def _key_lines(key: str) -> str:
    groups = key.split("-")
    if len(groups) == 8:
        return html.escape("-".join(groups[:4])) + "-<br/>" + html.escape("-".join(groups[4:]))
    return html.escape(key)


def recovery_document(key: str, fingerprint: str, folder: Path) -> QTextDocument:
    esc = html.escape
    family = font_family()
    full = format_fingerprint(fingerprint.replace(":", ""))
    short = short_fingerprint(fingerprint)
    body = f"""
    <h1 style="font-size:20pt;">{esc(tr('gui.sheet.title'))}</h1>
    <p style="font-size:12pt;">{esc(tr('gui.sheet.intro'))}</p>
    <p style="font-family:monospace; font-size:20pt; font-weight:bold;
              letter-spacing:2px; margin:18px 0;">{_key_lines(key)}</p>
    <p style="font-size:12pt;">{esc(tr('gui.sheet.keep'))}</p>
    <p style="font-size:12pt;">{esc(tr('gui.sheet.danger'))}</p>
    <hr/>
    <p style="font-size:10pt;">{esc(tr('gui.sheet.folder'))}: {esc(str(folder))}<br/>
    {esc(tr('gui.sheet.fingerprint'))}: {esc(full)}<br/>
    {esc(tr('identity.gui.sheet_short'))}:
    <span style="font-family:monospace; font-size:12pt;">{esc(short)}</span><br/>
    {esc(tr('gui.sheet.made'))}: {esc(datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z'))}
    </p>
    """
    doc = QTextDocument()
    doc.setDefaultStyleSheet(f"body {{ font-family: '{family}'; }}")
    doc.setHtml(f"<html><body style=\"font-family:'{family}';\">{body}</body></html>")
    return doc


def _printer(mode: QPrinter.PrinterMode = QPrinter.PrinterMode.HighResolution) -> QPrinter:
    printer = QPrinter(mode)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setDocName("EvidenceKit recovery key")
    return printer


def save_recovery_pdf(path: Path, key: str, fingerprint: str, folder: Path) -> Path:
    """Write the recovery sheet to ``path`` as a PDF."""
    printer = _printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    recovery_document(key, fingerprint, folder).print_(printer)
    log.info("recovery sheet saved as PDF")
    return path


def print_recovery_sheet(parent: QWidget | None, key: str, fingerprint: str,
                         folder: Path) -> bool:
    """Ask for a printer and print the sheet; True if it was sent."""
    printer = _printer()
    dialog = QPrintDialog(printer, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    recovery_document(key, fingerprint, folder).print_(printer)
    return True
