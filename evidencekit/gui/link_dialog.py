"""The "Add link" dialog: URL, title and note; fetch now (page, headers, certificates and a
full-page picture) or save it to fetch later; progress and a clear result sentence.

When the fetch fails nothing is lost: the link is kept as waiting, as on the command line.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QRadioButton,
)

from evidencekit.errors import EvidenceKitError
from evidencekit.gui.vault_jobs import LinkOutcome, capture_link_item
from evidencekit.gui.widgets import (
    button,
    button_row,
    dialog_layout,
    heading,
    muted,
    para,
    primary,
)
from evidencekit.i18n import catalogue, tr

if TYPE_CHECKING:
    from evidencekit.gui.main_window import MainWindow

__all__ = ["LinkDialog"]

log = logging.getLogger(__name__)


class LinkDialog(QDialog):
    """Adds one link; emits ``saved(number)`` when an item was stored."""

    saved = Signal(int)

    def __init__(self, window: MainWindow, url: str = "",
                 fetch_options: dict[str, Any] | None = None) -> None:
        super().__init__(window)
        self.window_ = window
        self.fetch_options = fetch_options or {}
        self.job: Any = None
        self.outcome: LinkOutcome | None = None
        self.setWindowTitle(tr("gui.action.add_link"))
        self.setMinimumWidth(640)
        layout = dialog_layout(self)
        layout.addWidget(heading(tr("gui.link.title")))
        layout.addWidget(para(tr("gui.link.text")))
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.url = QLineEdit(url)
        self.url.setPlaceholderText("https://t.me/…")
        self.url.setMinimumHeight(38)
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText(tr("gui.link.title_placeholder"))
        self.note = QPlainTextEdit()
        self.note.setFixedHeight(80)
        form.addRow(tr("gui.link.url"), self.url)
        form.addRow(tr("gui.link.item_title"), self.title_edit)
        form.addRow(tr("gui.link.note"), self.note)
        layout.addLayout(form)
        self.fetch_now = QRadioButton(tr("gui.link.fetch_now"))
        self.fetch_later = QRadioButton(tr("gui.link.fetch_later"))
        self.fetch_now.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.fetch_now)
        group.addButton(self.fetch_later)
        layout.addWidget(self.fetch_now)
        layout.addWidget(self.fetch_later)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(12)
        self.bar.hide()
        self.status = muted("")
        self.status.hide()
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        self.result_label = para("")
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.hide()
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        self.cancel_button = button(tr("gui.common.cancel"), self._cancel)
        self.save_button = primary(tr("gui.link.save"), self.start)
        layout.addLayout(button_row(self.cancel_button, self.save_button))
        self.url.returnPressed.connect(self.start)

    def start(self) -> None:
        url = self.url.text().strip()
        if not url or self.job is not None:
            return
        title, note = self.title_edit.text().strip(), self.note.toPlainText().strip()
        fetch = self.fetch_now.isChecked()
        vault = self.window_.session.vault
        options = dict(self.fetch_options)
        for w in (self.url, self.title_edit, self.note, self.fetch_now, self.fetch_later,
                  self.save_button):
            w.setEnabled(False)
        self.bar.setRange(0, 0)
        self.bar.show()
        self.status.setText(tr("gui.link.working" if fetch else "gui.job.saving"))
        self.status.show()
        self.result_label.hide()

        def work(progress: Any, cancel: Any) -> LinkOutcome:
            return capture_link_item(vault, url, title, note, fetch, progress, cancel,
                                     **options)

        self.job = self.window_.session.jobs.start(
            work, name="link", on_done=self._done, on_error=self._failed,
            on_progress=self._progress)

    def _progress(self, done: int, total: int, key: str) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        if key in catalogue("en"):
            self.status.setText(tr(key))

    def _done(self, outcome: object) -> None:
        self.job = None
        self.bar.hide()
        self.status.hide()
        assert isinstance(outcome, LinkOutcome)
        self.outcome = outcome
        item = outcome.item
        if outcome.fetched:
            rendering = item.metadata.get("rendering") or {}
            text = tr("gui.link.fetched", number=item.number,
                      status=item.metadata.get("status", "?"))
            if isinstance(rendering, dict) and rendering.get("status") == "failed":
                text += "\n" + tr("gui.link.no_picture")
        elif outcome.error is not None:
            text = tr("gui.link.kept_after_error", number=item.number,
                      error=outcome.error.message())
        else:
            text = tr("gui.link.kept", number=item.number)
        self.result_label.setText(text)
        self.result_label.show()
        self.cancel_button.setText(tr("gui.common.close"))
        self.saved.emit(item.number)

    def _failed(self, exc: EvidenceKitError) -> None:
        self.job = None
        self.bar.hide()
        self.status.hide()
        for w in (self.url, self.title_edit, self.note, self.fetch_now, self.fetch_later,
                  self.save_button):
            w.setEnabled(True)
        if exc.key != "error.cancelled":
            self.result_label.setText(exc.message())
            self.result_label.setObjectName("ErrorText")
            self.result_label.setStyleSheet("color: #a3342c;")
            self.result_label.show()

    def _cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
        self.reject() if self.outcome is None else self.accept()
