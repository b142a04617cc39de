"""The export dialog: choose items, case title, prepared by, the statement's fields (case
number, recipient, role, organisation, contact), the time zone, blurred pictures, GPS
positions kept off the pages (it names the chosen items that carry one, and says the
attached originals still do), originals, language and where to save; a progress bar with
Cancel; on success the bundle's fingerprint, SHA-256 and a button that opens its folder.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from evidencekit.bundle.export_options import KOREA, has_location
from evidencekit.errors import EvidenceKitError, InputError
from evidencekit.gui import file_dialogs
from evidencekit.gui.item_list import kind_label, number_label
from evidencekit.gui.theme import mono_family, scaled_font
from evidencekit.gui.widgets import (
    button,
    button_row,
    card,
    fit_rows,
    heading,
    keep_entries_whole,
    muted,
    para,
    primary,
)
from evidencekit.i18n import catalogue, tr
from evidencekit.model import local_zone_name
from evidencekit.vault.identity import format_fingerprint

if TYPE_CHECKING:
    from evidencekit.bundle.export import ExportResult
    from evidencekit.gui.main_window import MainWindow

__all__ = ["ExportDialog", "default_bundle_path"]

log = logging.getLogger(__name__)


def default_bundle_path() -> Path:
    docs = Path.home() / "Documents"
    folder = docs if docs.is_dir() else Path.home()
    return folder / f"evidence-bundle-{datetime.now():%Y%m%d-%H%M}.pdf"


class ExportDialog(QDialog):
    """Exports a signed bundle; emits ``exported(ExportResult)``."""

    exported = Signal(object)

    def __init__(self, window: MainWindow, selected: list[int] | None = None,
                 tsa_urls: list[str] | None = None) -> None:
        super().__init__(window)
        self.window_ = window
        self.tsa_urls = tsa_urls or []
        self.job: Any = None
        self.export_result: ExportResult | None = None
        self.setWindowTitle(tr("gui.action.export"))
        self.setMinimumSize(820, 720)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 22, 28, 18)
        outer.setSpacing(12)
        outer.addWidget(heading(tr("gui.export.title")))
        outer.addWidget(muted(tr("gui.export.text")))
        self.pages = QStackedWidget()
        options = QWidget()
        layout = QVBoxLayout(options)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        scroll = QScrollArea()  # the options scroll on a small screen instead of squeezing
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(options)
        self.pages.addWidget(scroll)
        outer.addWidget(self.pages, 1)

        self.items = QListWidget()
        self.items.setMinimumHeight(150)
        chosen = set(selected or [])
        self.located: set[int] = set()
        for item in window.session.items():
            if item.state == "deleted":
                continue
            if has_location(item):
                self.located.add(item.number)
            entry = QListWidgetItem(f"{number_label(item.number)}  ·  {kind_label(item.kind)}"
                                    f"  ·  {item.title}")
            entry.setData(Qt.ItemDataRole.UserRole, item.number)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Checked if not chosen or item.number in chosen
                                else Qt.CheckState.Unchecked)
            self.items.addItem(entry)
        fit_rows(self.items, 6)  # whole rows only: never a last row cut in half
        self.items.setAccessibleName(tr("gui.export.items"))
        pick = QHBoxLayout()
        pick.addWidget(para(tr("gui.export.items")), 1)
        pick.addWidget(button(tr("gui.export.all"), lambda: self._check_all(True)))
        pick.addWidget(button(tr("gui.export.none"), lambda: self._check_all(False)))
        layout.addLayout(pick)
        layout.addWidget(self.items, 1)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setHorizontalSpacing(16)
        self.case_title = QLineEdit()
        self.case_title.setPlaceholderText(tr("gui.export.case_placeholder"))
        self.prepared_by = QLineEdit(window.session.holder)
        self.lang = QComboBox()
        for code in ("both", "ko", "en"):
            self.lang.addItem(tr(f"gui.export.lang_{code}"), code)
        self.lang.setCurrentIndex(0)
        keep_entries_whole(self.lang)
        self.out = QLineEdit(str(default_bundle_path()))
        self.out.setAccessibleName(tr("gui.export.save_to"))
        out_row = QHBoxLayout()
        out_row.addWidget(self.out, 1)
        out_row.addWidget(button(tr("gui.export.browse"), self._browse))
        form.addRow(tr("gui.export.case_title"), self.case_title)
        form.addRow(tr("gui.export.prepared_by"), self.prepared_by)
        form.addRow(tr("gui.export.language"), self.lang)
        form.addRow(tr("gui.export.save_to"), out_row)
        self.zone = QComboBox()
        for zone in dict.fromkeys((KOREA, local_zone_name(), "UTC")):
            if "/" in zone or zone == "UTC":
                self.zone.addItem(zone, zone)
        keep_entries_whole(self.zone)
        form.addRow(tr("court.gui.zone"), self.zone)
        court = QFormLayout()
        court.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        court.setHorizontalSpacing(16)
        self.declaration: dict[str, QLineEdit] = {}
        for name in ("case_number", "recipient", "role", "organisation", "contact"):
            field = QLineEdit()
            field.setPlaceholderText(tr(f"court.gui.{name}_placeholder"))
            self.declaration[name] = field
            court.addRow(tr(f"court.gui.{name}"), field)
        forms = QHBoxLayout()
        forms.setSpacing(24)
        forms.addLayout(form, 1)
        forms.addLayout(court, 1)
        layout.addLayout(forms)
        layout.addWidget(muted(tr("court.gui.blank_note")))
        self.blur = QCheckBox(tr("gui.export.blur"))
        self.originals = QCheckBox(tr("gui.export.originals"))
        self.originals.setChecked(True)
        self.doc_timestamp = QCheckBox(tr("gui.export.timestamp"))
        self.hide_location = QCheckBox(tr("court.gui.hide_location"))
        self.location_note = QLabel()
        self.location_note.setWordWrap(True)
        self.location_note.setObjectName("WarnText")
        self.location_note.setStyleSheet("color: #8a1c1c;")
        for box in (self.blur, self.originals, self.doc_timestamp):
            layout.addWidget(box)
        # Outside the scrolling options: the location warning is always in sight.
        outer.addWidget(self.hide_location)
        outer.addWidget(self.location_note)
        self.items.itemChanged.connect(lambda _entry: self._update_location())
        self.hide_location.toggled.connect(lambda _on: self._update_location())
        self._update_location()

        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(12)
        self.status = muted("")
        self.bar.hide()
        self.status.hide()
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        done_page = QWidget()
        done_layout = QVBoxLayout(done_page)
        done_layout.setContentsMargins(0, 8, 0, 0)
        self.done_box, inner = card("OkBanner")
        done_layout.addWidget(self.done_box)
        done_layout.addStretch(1)
        self.pages.addWidget(done_page)
        inner.addWidget(heading(tr("gui.export.done_title"), 15))
        self.done_text = para("")
        self.done_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint = QLabel()
        self.fingerprint.setFont(scaled_font(mono_family(), 11))
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        inner.addWidget(self.done_text)
        inner.addWidget(self.fingerprint)
        self.open_button = button(tr("gui.export.open_folder"), self._open_folder, "import")
        inner.addLayout(button_row(self.open_button))

        self.cancel_button = button(tr("gui.common.cancel"), self._cancel)
        self.export_button = primary(tr("gui.export.start"), self.start)
        self.export_button.setDefault(True)  # Enter starts it: the path works by keyboard
        outer.addLayout(button_row(self.cancel_button, self.export_button))

    # -- choices ---------------------------------------------------------------------

    def _check_all(self, on: bool) -> None:
        for i in range(self.items.count()):
            self.items.item(i).setCheckState(Qt.CheckState.Checked if on else
                                             Qt.CheckState.Unchecked)

    def located_chosen(self) -> list[int]:
        """The chosen items whose original carries a GPS position."""
        return [n for n in self.chosen_numbers() if n in self.located]

    def _update_location(self) -> None:
        located = self.located_chosen()
        self.hide_location.setVisible(bool(located))
        self.location_note.setVisible(bool(located))
        if located:
            key = "court.gui.location_hidden" if self.hide_location.isChecked() else (
                "court.gui.location_shown")
            self.location_note.setText(tr(key, items=", ".join(
                tr("gui.item.number", number=n) for n in located)))

    def chosen_numbers(self) -> list[int]:
        out = []
        for i in range(self.items.count()):
            entry = self.items.item(i)
            if entry.checkState() == Qt.CheckState.Checked:
                out.append(int(entry.data(Qt.ItemDataRole.UserRole)))
        return sorted(out)

    def _browse(self) -> None:
        path = file_dialogs.save_file(self, tr("gui.export.save_to"), Path(self.out.text()),
                                      "PDF (*.pdf)")
        if path is not None:
            self.out.setText(str(path if path.suffix.lower() == ".pdf" else
                                 path.with_suffix(".pdf")))

    # -- the job ---------------------------------------------------------------------

    def start(self) -> None:
        if self.job is not None:
            return
        numbers = self.chosen_numbers()
        if not numbers:
            self._show_error(InputError("gui.export.no_items"))
            return
        out = Path(self.out.text().strip()).expanduser()
        options = {
            "items": numbers, "title": self.case_title.text().strip(),
            "prepared_by": self.prepared_by.text().strip(), "blur": self.blur.isChecked(),
            "originals": self.originals.isChecked(), "lang": self.lang.currentData(),
            "zone": self.zone.currentData(),
            "hide_location": self.hide_location.isChecked() and bool(self.located_chosen()),
        }
        from evidencekit.bundle.export_options import Declaration

        try:
            options["declaration"] = Declaration(
                **{k: f.text().strip() for k, f in self.declaration.items()})
        except EvidenceKitError as exc:
            self._show_error(exc)
            return
        want_ts = self.doc_timestamp.isChecked()
        urls = list(self.tsa_urls)
        vault = self.window_.session.vault

        def work(progress: Any, _cancel: Any) -> Any:
            from evidencekit.bundle.export import export_bundle

            timestamper = None
            if want_ts:
                from evidencekit.timestamps.document import document_timestamper, tsa_reachable

                progress(0, 0, "gui.export.finding_tsa")
                saved = vault.get_setting("tsa_roots_pem")
                if isinstance(saved, list):
                    saved = "".join(saved)
                roots = saved.encode("ascii", "ignore") if isinstance(saved, str) and saved \
                    else None
                for url in urls:
                    if tsa_reachable(url, trust_roots_pem=roots):
                        timestamper = document_timestamper(url, trust_roots_pem=roots)
                        break
            return export_bundle(vault, out, timestamper=timestamper, progress=progress,
                                 **options)

        self._set_running(True)
        self.job = self.window_.session.jobs.start(
            work, name="export", on_done=self._done, on_error=self._failed,
            on_progress=self._progress)

    def _set_running(self, running: bool) -> None:
        for w in (self.items, self.case_title, self.prepared_by, self.lang, self.out,
                  self.blur, self.originals, self.doc_timestamp, self.export_button,
                  self.zone, self.hide_location, *self.declaration.values()):
            w.setEnabled(not running)
        self.bar.setVisible(running)
        self.status.setVisible(running)
        self.bar.setRange(0, 0)
        self.status.setText(tr("gui.export.working"))
        self.cancel_button.setText(tr("gui.common.cancel"))
        self.cancel_button.setEnabled(True)

    def _progress(self, done: int, total: int, key: str) -> None:
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(done, total) / total))
        if key in catalogue("en"):
            self.status.setText(tr(key))

    def _done(self, result: object) -> None:
        self.job = None
        self.export_result = result  # type: ignore[assignment]
        self._set_running(False)
        self.export_button.setEnabled(False)
        r = self.export_result
        assert r is not None
        self.done_text.setText(tr("gui.export.done", path=str(r.path), pages=r.pages,
                                  count=len(r.items)))
        fp = format_fingerprint(r.fingerprint)
        half = len(fp) // 2 + 1
        self.fingerprint.setText(
            f"{tr('gui.export.fingerprint')}\n{fp[:half]}\n{fp[half:]}\n\n"
            f"{tr('gui.export.bundle_sha')}\n{r.sha256[:32]}\n{r.sha256[32:]}")
        self.pages.setCurrentIndex(1)
        self.hide_location.hide()
        self.location_note.hide()
        self.export_button.hide()
        self.cancel_button.setText(tr("gui.common.close"))
        self.window_.session.refresh()
        self.exported.emit(r)

    def _failed(self, exc: EvidenceKitError) -> None:
        self.job = None
        self._set_running(False)
        if exc.key == "error.cancelled":
            self.status.setText(tr("gui.export.cancelled"))
            self.status.show()
            return
        self._show_error(exc)

    def _show_error(self, exc: EvidenceKitError) -> None:
        from evidencekit.gui.messages import show_error

        show_error(self, exc)

    def _cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.status.setText(tr("gui.job.cancelling"))
            self.cancel_button.setEnabled(False)
            return
        self.accept() if self.export_result is not None else self.reject()

    def _open_folder(self) -> None:
        if self.export_result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.export_result.path.parent)))
