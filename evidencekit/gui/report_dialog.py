"""The GUI for the reporting lists and for re-checking every link: a dialog that makes
one list (deletion support, KCSC, police pack, platform hashes) from all or the selected
items into a chosen folder, and a results table of a bulk link re-check."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDoubleSpinBox,
    QHBoxLayout,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from evidencekit.gui.file_dialogs import choose_folder
from evidencekit.gui.messages import show_info
from evidencekit.gui.widgets import button, button_row, dialog_layout, heading, muted, primary
from evidencekit.i18n import tr
from evidencekit.model import Progress
from evidencekit.reports import KINDS

__all__ = ["ReportDialog", "open_report", "recheck_all", "RecheckResults"]

log = logging.getLogger(__name__)


class ReportDialog(QDialog):
    def __init__(self, window: Any, selected: list[int]) -> None:
        super().__init__(window)
        self.window_ = window
        self.selected = selected
        self.setWindowTitle(tr("gui.report.title"))
        layout = dialog_layout(self)
        layout.addWidget(heading(tr("gui.report.title")))
        layout.addWidget(muted(tr("gui.report.intro")))
        self.kinds = QButtonGroup(self)
        for n, kind in enumerate(KINDS):
            radio = QRadioButton(tr(f"gui.report.kind.{kind}"))
            radio.setChecked(n == 0)
            self.kinds.addButton(radio, n)
            layout.addWidget(radio)
        self.only_selected = QCheckBox(tr("gui.report.only_selected", count=len(selected)))
        self.only_selected.setChecked(len(selected) > 1)
        self.only_selected.setVisible(len(selected) > 1)
        layout.addWidget(self.only_selected)
        row = QHBoxLayout()
        row.addWidget(muted(tr("gui.report.part_mb")))
        self.part_mb = QDoubleSpinBox()
        self.part_mb.setRange(0.1, 2000.0)
        self.part_mb.setValue(10.0)
        self.part_mb.setSuffix(" MB")
        row.addWidget(self.part_mb)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(muted(tr("gui.report.custody")))
        self.make = primary(tr("gui.report.make"), self._make)
        layout.addLayout(button_row(button(tr("gui.report.cancel"), self.reject), self.make))

    @property
    def kind(self) -> str:
        return KINDS[max(0, self.kinds.checkedId())]

    def _make(self) -> None:
        folder = choose_folder(self, tr("gui.report.choose_folder"))
        if folder is None:
            return
        kind = self.kind
        if kind == "police":  # the pack goes into a new folder of its own
            folder = folder / f"police-pack-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
        numbers = self.selected if self.only_selected.isChecked() else None
        part_mb = self.part_mb.value()
        vault = self.window_.session.vault

        def job(progress: Progress, _cancel: threading.Event) -> Any:
            from evidencekit.reports.export import export_report

            return export_report(vault, kind, folder, items=numbers, part_mb=part_mb,
                                 progress=progress)

        def done(result: Any) -> None:
            self.window_.session.refresh()
            show_info(self.window_, tr("gui.report.title"),
                      tr("gui.report.done", rows=result.rows, files=len(result.files),
                         folder=str(result.folder)))

        self.accept()
        self.window_.run_job(tr("gui.report.working"), job, done)


def open_report(window: Any) -> ReportDialog:
    """The main window's "Reporting lists" action."""
    selected = [i.number for i in window.grid.selected_items()]
    dialog = ReportDialog(window, selected)
    dialog.open()
    return dialog


class RecheckResults(QDialog):
    """The table of a bulk re-check: item, status, HTTP status, URL."""

    def __init__(self, rows: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("gui.recheck.title"))
        self.resize(760, 420)
        layout = dialog_layout(self)
        layout.addWidget(heading(tr("gui.recheck.title")))
        counts = {s: sum(1 for r in rows if r.status == s)
                  for s in ("online", "changed", "gone", "unknown")}
        layout.addWidget(muted(tr("gui.recheck.summary", **counts)))
        self.table = QTableWidget(len(rows), 4)
        self.table.setHorizontalHeaderLabels([tr("gui.recheck.col_item"),
                                              tr("gui.recheck.col_status"), "HTTP", "URL"])
        for n, r in enumerate(rows):
            status = tr(f"gui.recheck.status.{r.status}") if r.status != "failed" else r.detail
            for col, text in enumerate((f"#{r.number}", status, str(r.http_status or "—"),
                                        r.url)):
                self.table.setItem(n, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table, 1)
        layout.addLayout(button_row(primary(tr("gui.recheck.close"), self.accept)))


def recheck_all(window: Any) -> None:
    """The main window's "Check all links again" action."""
    vault = window.session.vault
    selected = [i.number for i in window.grid.selected_items() if i.kind == "link"]
    numbers = selected if len(selected) > 1 else None

    def job(progress: Progress, cancel: threading.Event) -> Any:
        from evidencekit.reports.recheck import recheck_links

        return recheck_links(vault, numbers=numbers, progress=progress,
                             cancelled=cancel.is_set)

    def done(rows: Any) -> None:
        window.session.refresh()
        if not rows:
            show_info(window, tr("gui.recheck.title"), tr("gui.recheck.none"))
            return
        RecheckResults(rows, window).open()

    window.run_job(tr("gui.recheck.working"), job, done)
