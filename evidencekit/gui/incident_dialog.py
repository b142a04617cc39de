"""The incident note dialog: what happened in the user's own words, and optionally when,
where and who. Stored exactly as written (``capture.incident.incident_item``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QDateTime, QLocale
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from evidencekit.capture.incident import incident_item
from evidencekit.errors import EvidenceKitError
from evidencekit.gui.messages import show_error
from evidencekit.gui.widgets import button, button_row, dialog_layout, heading, muted, primary
from evidencekit.i18n import current_language, tr
from evidencekit.model import NewItem
from evidencekit.timefmt import zone_label

__all__ = ["IncidentDialog"]

log = logging.getLogger(__name__)


class IncidentDialog(QDialog):
    """Collects an incident account; :meth:`new_item` gives the item to store."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("gui.action.incident"))
        self.setMinimumSize(660, 560)
        self.item: NewItem | None = None
        layout = dialog_layout(self, spacing=12)
        layout.addWidget(heading(tr("gui.incident.title")))
        layout.addWidget(muted(tr("gui.incident.text")))
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(tr("gui.incident.placeholder"))
        self.text.setMinimumHeight(200)
        layout.addWidget(self.text, 1)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.know_when = QCheckBox(tr("gui.incident.know_when"))
        self.when = QDateTimeEdit(QDateTime.currentDateTime())
        # as the GUI says times (2024년 8월 27일 오후 3:15 KST), always with its zone
        self.when.setLocale(QLocale(QLocale.Language.Korean if current_language() == "ko"
                                    else QLocale.Language.English))
        self.when.setDisplayFormat(tr("gui.incident.when_format"))
        self.when.setCalendarPopup(True)
        self.when.setEnabled(False)
        self.know_when.toggled.connect(self.when.setEnabled)
        when_row = QHBoxLayout()
        when_row.addWidget(self.know_when)
        when_row.addWidget(self.when, 1)
        # the zone as the rest of the program names it (KST, not the locale's "GMT+9")
        self.when_zone = muted(zone_label(datetime.now().astimezone()))
        when_row.addWidget(self.when_zone)
        form.addRow(tr("gui.incident.when"), when_row)
        self.where = QLineEdit()
        self.where.setPlaceholderText(tr("gui.incident.where_placeholder"))
        self.who = QLineEdit()
        self.who.setPlaceholderText(tr("gui.incident.who_placeholder"))
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText(tr("gui.incident.title_placeholder"))
        form.addRow(tr("gui.incident.where"), self.where)
        form.addRow(tr("gui.incident.who"), self.who)
        form.addRow(tr("gui.incident.item_title"), self.title_edit)
        layout.addLayout(form)
        self.save_button = primary(tr("gui.incident.save"), self._save)
        layout.addLayout(button_row(button(tr("gui.common.cancel"), self.reject),
                                    self.save_button))

    def _save(self) -> None:
        when = None
        if self.know_when.isChecked():
            chosen: datetime = self.when.dateTime().toPython()  # type: ignore[assignment]
            when = chosen.astimezone().isoformat(timespec="minutes")
        try:
            self.item = incident_item(
                self.text.toPlainText(), when=when, where=self.where.text().strip() or None,
                who=self.who.text().strip() or None,
                title=self.title_edit.text().strip() or None)
        except EvidenceKitError as exc:
            show_error(self, exc)
            return
        self.accept()
