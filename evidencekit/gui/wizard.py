"""The first-run wizard: welcome (Korean or English, switchable), where the vault lives,
the holder's name or pseudonym, the passphrase (with a strength meter and confirmation),
then the recovery key — shown once, with "save as PDF" and "print", and an explicit
"I have kept it" step before the vault opens.

Creating the vault (Argon2id key derivation, identity key) runs on a worker thread.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from evidencekit.errors import EvidenceKitError, InputError
from evidencekit.gui import file_dialogs
from evidencekit.gui.messages import ask, show_error, show_info
from evidencekit.gui.recovery_sheet import print_recovery_sheet, save_recovery_pdf
from evidencekit.gui.strength import STRENGTH_KEYS, strength
from evidencekit.gui.theme import COLORS, mono_family, scaled_font
from evidencekit.gui.widgets import (
    PassphraseField,
    button,
    card,
    heading,
    link,
    muted,
    para,
    primary,
)
from evidencekit.gui.workers import JobHost
from evidencekit.i18n import current_language, tr
from evidencekit.settings import default_vault_path
from evidencekit.vault import Vault

__all__ = ["FirstRunWizard", "new_vault_folder"]

log = logging.getLogger(__name__)

PAGE_WELCOME, PAGE_PLACE, PAGE_NAME, PAGE_PASS, PAGE_CREATING, PAGE_KEY = range(6)
_METER_COLORS = ("#c9c3b8", "#c08a2e", "#b8a23a", "#5c8f6a", "#2f7a4f")


def _is_empty_or_missing(folder: Path) -> bool:
    try:
        return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))
    except OSError:
        return False


def new_vault_folder(chosen: Path | None) -> Path:
    """The folder to create the vault in: the default, or inside the chosen folder; a
    fresh name (``vault-2`` …) when the natural one is already taken."""
    base = default_vault_path() if chosen is None else chosen
    if chosen is not None and not _is_empty_or_missing(chosen):
        base = chosen / "EvidenceKit"
    candidate = base
    n = 2
    while not _is_empty_or_missing(candidate):
        candidate = base.with_name(f"{base.name}-{n}")
        n += 1
    return candidate


def pdf_place_problem(path: Path, vault_folder: Path) -> str | None:
    """``"beside"`` when ``path`` is inside the vault folder or in the folder holding it,
    ``"same_disk"`` when it is on the same file system as the vault, else None."""
    target = path.parent.resolve()
    vault = vault_folder.resolve()
    if target == vault.parent or target == vault or vault in target.parents:
        return "beside"
    try:
        if target.stat().st_dev == vault.stat().st_dev:
            return "same_disk"
    except OSError:
        return None
    return None


class FirstRunWizard(QWidget):
    """Creates a vault; emits ``finished(vault)`` once the recovery key was kept."""

    finished = Signal(object)
    language_changed = Signal(str)
    verify_requested = Signal()
    open_existing = Signal(object)  # Path

    def __init__(self, jobs: JobHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self.jobs = jobs
        self.vault: Vault | None = None
        self.recovery_key = ""
        self.chosen_folder: Path | None = None
        self.folder: Path | None = None
        self.setWindowTitle(tr("gui.app.title"))
        self.setMinimumSize(760, 600)
        self.stack = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 36, 48, 30)
        outer.addWidget(self.stack, 1)
        for build in (self._welcome, self._place, self._name, self._passphrase,
                      self._creating, self._key):
            page = QWidget()
            layout = QVBoxLayout(page)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.setSpacing(16)
            build(layout)
            self.stack.addWidget(page)
        self.stack.setCurrentIndex(PAGE_WELCOME)

    # -- pages -----------------------------------------------------------------------

    def _nav(self, layout: QVBoxLayout, next_button: QPushButton, back: bool = True) -> None:
        layout.addStretch(1)
        row = QHBoxLayout()
        if back:
            row.addWidget(button(tr("gui.common.back"), self._back))
        row.addStretch(1)
        row.addWidget(next_button)
        layout.addLayout(row)

    def _welcome(self, layout: QVBoxLayout) -> None:
        langs = QHBoxLayout()
        langs.addStretch(1)
        self.lang_buttons: dict[str, QPushButton] = {}
        for code, label in (("ko", "한국어"), ("en", "English")):
            b = button(label)
            b.clicked.connect(lambda _checked=False, c=code: self._set_language(c))
            b.setCheckable(True)
            b.setChecked(current_language() == code)
            self.lang_buttons[code] = b
            langs.addWidget(b)
        layout.addLayout(langs)
        layout.addWidget(heading(tr("gui.wizard.welcome"), 24))
        box, inner = card()
        for key in ("gui.wizard.intro1", "gui.wizard.intro2", "gui.wizard.intro3"):
            p = para(tr(key))
            p.setFont(scaled_font(p.font().family(), 13))
            inner.addWidget(p)
        layout.addWidget(box)
        layout.addWidget(muted(tr("gui.wizard.offline")))
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(link(tr("gui.wizard.have_vault"), self._open_existing))
        row.addWidget(link(tr("gui.unlock.verify"), self.verify_requested.emit))
        row.addStretch(1)
        self.start_button = primary(tr("gui.wizard.start"), self._next)
        row.addWidget(self.start_button)
        layout.addLayout(row)

    def _place(self, layout: QVBoxLayout) -> None:
        layout.addWidget(heading(tr("gui.wizard.place_title")))
        layout.addWidget(para(tr("gui.wizard.place_text")))
        self.place_group = QButtonGroup(self)
        self.place_default = QRadioButton(tr("gui.wizard.place_default"))
        self.place_default.setChecked(True)
        self.place_other = QRadioButton(tr("gui.wizard.place_other"))
        self.place_group.addButton(self.place_default)
        self.place_group.addButton(self.place_other)
        box, inner = card()
        inner.addWidget(self.place_default)
        self.default_label = muted(str(default_vault_path()))
        self.default_label.setContentsMargins(30, 0, 0, 8)
        inner.addWidget(self.default_label)
        inner.addWidget(self.place_other)
        row = QHBoxLayout()
        row.setContentsMargins(30, 0, 0, 0)
        self.other_label = muted(tr("gui.wizard.place_none"))
        row.addWidget(self.other_label, 1)
        row.addWidget(button(tr("gui.wizard.choose"), self._choose_folder))
        inner.addLayout(row)
        layout.addWidget(box)
        layout.addWidget(muted(tr("gui.wizard.place_usb")))
        self.place_next = primary(tr("gui.common.next"), self._next)
        self.place_group.buttonToggled.connect(lambda *_: self._update_place())
        self._nav(layout, self.place_next)

    def _name(self, layout: QVBoxLayout) -> None:
        layout.addWidget(heading(tr("gui.wizard.name_title")))
        layout.addWidget(para(tr("gui.wizard.name_text")))
        self.name_edit = QLineEdit()
        self.name_edit.setMinimumHeight(40)
        self.name_edit.setMaxLength(120)
        self.name_edit.setPlaceholderText(tr("gui.wizard.name_placeholder"))
        layout.addWidget(self.name_edit)
        self.name_next = primary(tr("gui.common.next"), self._next)
        self.name_next.setEnabled(False)
        self.name_edit.textChanged.connect(
            lambda t: self.name_next.setEnabled(bool(t.strip())))
        self.name_edit.returnPressed.connect(self._name_entered)
        self._nav(layout, self.name_next)

    def _passphrase(self, layout: QVBoxLayout) -> None:
        layout.addWidget(heading(tr("gui.wizard.pass_title")))
        layout.addWidget(para(tr("gui.wizard.pass_text")))
        self.pass1 = PassphraseField(tr("gui.wizard.pass_placeholder"))
        self.pass2 = PassphraseField(tr("gui.wizard.pass_again"))
        layout.addWidget(self.pass1)
        meter_row = QHBoxLayout()
        self.meter = QProgressBar()
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(False)
        self.meter.setFixedHeight(10)
        self.meter_label = QLabel(tr(STRENGTH_KEYS[0]))
        self.meter_label.setMinimumWidth(160)
        meter_row.addWidget(self.meter, 1)
        meter_row.addWidget(self.meter_label)
        layout.addLayout(meter_row)
        layout.addWidget(self.pass2)
        self.match_label = muted("")
        layout.addWidget(self.match_label)
        layout.addWidget(muted(tr("gui.wizard.pass_forget")))
        self.create_button = primary(tr("gui.wizard.create"), self._create)
        self.create_button.setEnabled(False)
        self.pass1.textChanged.connect(lambda _t: self._update_pass())
        self.pass2.textChanged.connect(lambda _t: self._update_pass())
        self.pass2.returnPressed.connect(self._pass_entered)
        self._nav(layout, self.create_button)

    def _creating(self, layout: QVBoxLayout) -> None:
        layout.addStretch(1)
        layout.addWidget(heading(tr("gui.wizard.creating")), 0, Qt.AlignmentFlag.AlignCenter)
        bar = QProgressBar()
        bar.setRange(0, 0)
        bar.setFixedWidth(320)
        layout.addWidget(bar, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(muted(tr("gui.wizard.creating_text")), 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)

    def _key(self, layout: QVBoxLayout) -> None:
        layout.addWidget(heading(tr("gui.wizard.key_title")))
        layout.addWidget(para(tr("hardening.gui.key_text")))
        self.key_label = QLabel()
        self.key_label.setObjectName("Key")
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setWordWrap(True)
        self.key_label.setFont(scaled_font(mono_family(), 17, bold=True))
        layout.addWidget(self.key_label)
        row = QHBoxLayout()
        # printing first: a paper in a drawer is found by nobody searching the computer
        row.addWidget(primary(tr("gui.wizard.print"), self._print))
        row.addWidget(button(tr("gui.wizard.save_pdf"), self._save_pdf, "export"))
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(muted(tr("hardening.gui.key_where")))
        self.kept_check = QCheckBox(tr("gui.wizard.kept"))
        layout.addWidget(self.kept_check)
        self.finish_button = primary(tr("gui.wizard.open_vault"), self._finish)
        self.finish_button.setEnabled(False)
        self.kept_check.toggled.connect(self.finish_button.setEnabled)
        self._nav(layout, self.finish_button, back=False)

    # -- behaviour -------------------------------------------------------------------

    def _set_language(self, code: str) -> None:
        for c, b in self.lang_buttons.items():
            b.setChecked(c == code)
        if code != current_language():
            self.language_changed.emit(code)

    def _next(self) -> None:
        index = self.stack.currentIndex()
        if index == PAGE_PLACE and not self._update_place():
            return
        self.stack.setCurrentIndex(index + 1)
        if self.stack.currentIndex() == PAGE_NAME:
            self.name_edit.setFocus()
        elif self.stack.currentIndex() == PAGE_PASS:
            self.pass1.setFocus()

    def _name_entered(self) -> None:
        if self.name_next.isEnabled():
            self._next()

    def _pass_entered(self) -> None:
        if self.create_button.isEnabled():
            self._create()

    def _back(self) -> None:
        self.stack.setCurrentIndex(max(0, self.stack.currentIndex() - 1))

    def _choose_folder(self) -> None:
        folder = file_dialogs.choose_folder(self, tr("gui.wizard.choose"))
        if folder is not None:
            self.set_chosen_folder(folder)

    def set_chosen_folder(self, folder: Path | None) -> None:
        self.chosen_folder = folder
        if folder is not None:
            self.place_other.setChecked(True)
        self._update_place()

    def _update_place(self) -> bool:
        other = self.place_other.isChecked()
        if other and self.chosen_folder is None:
            self.other_label.setText(tr("gui.wizard.place_none"))
            self.place_next.setEnabled(False)
            return False
        self.folder = new_vault_folder(self.chosen_folder if other else None)
        if other:
            self.other_label.setText(str(self.folder))
        else:
            self.default_label.setText(str(self.folder))
        self.place_next.setEnabled(True)
        return True

    def _open_existing(self) -> None:
        folder = file_dialogs.choose_folder(self, tr("gui.wizard.have_vault"))
        if folder is not None:
            self.open_existing.emit(folder)

    def _update_pass(self) -> None:
        p1, p2 = self.pass1.text(), self.pass2.text()
        level = strength(p1)
        self.meter.setValue(level)
        self.meter.setStyleSheet(
            f"QProgressBar::chunk {{ background: {_METER_COLORS[level]}; border-radius: 5px; }}")
        self.meter_label.setText(tr(STRENGTH_KEYS[level]))
        if not p2:
            self.match_label.setText("")
        elif p1 == p2:
            self.match_label.setText("✓ " + tr("gui.wizard.pass_match"))
            self.match_label.setStyleSheet(f"color: {COLORS['ok']};")
        else:
            self.match_label.setText(tr("gui.wizard.pass_differ"))
            self.match_label.setStyleSheet(f"color: {COLORS['warn']};")
        self.create_button.setEnabled(level > 0 and p1 == p2)

    def _create(self) -> None:
        folder = self.folder or new_vault_folder(None)
        holder = self.name_edit.text().strip()
        passphrase = self.pass1.text()
        if passphrase != self.pass2.text():
            show_error(self, InputError("error.passphrase_mismatch"))
            return
        self.stack.setCurrentIndex(PAGE_CREATING)

        def work(_progress: object, _cancel: object) -> tuple[Vault, str]:
            return Vault.create(folder, passphrase, holder)

        self.jobs.start(work, name="create vault", on_done=self._created,
                        on_error=self._create_failed)

    def _created(self, result: object) -> None:
        assert isinstance(result, tuple)
        self.vault, self.recovery_key = result
        self.pass1.clear()
        self.pass2.clear()
        self.key_label.setText(self._key_text(self.recovery_key))
        self.stack.setCurrentIndex(PAGE_KEY)

    @staticmethod
    def _key_text(key: str) -> str:
        groups = key.split("-")
        if len(groups) == 8:
            return "-".join(groups[:4]) + "-\n" + "-".join(groups[4:])
        return key

    def _create_failed(self, exc: EvidenceKitError) -> None:
        page = PAGE_PLACE if exc.key in ("error.folder_not_empty", "error.storage",
                                         "error.not_writable", "error.disk_full") else PAGE_PASS
        self.stack.setCurrentIndex(page)
        show_error(self, exc)

    def _save_pdf(self) -> None:
        """Save the sheet as a PDF: no folder is suggested (never the home folder or the
        vault's), a place inside or beside the vault is refused, and one on the same
        disk as the vault needs a second yes."""
        if self.vault is None:
            return
        path = file_dialogs.save_file(self, tr("gui.wizard.save_pdf"),
                                      Path("EvidenceKit-recovery-key.pdf"), "PDF (*.pdf)")
        if path is None:
            return
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")
        problem = pdf_place_problem(path, self.vault.folder)
        if problem == "beside":
            show_error(self, InputError("hardening.gui.pdf_beside_vault"))
            return
        if problem == "same_disk":
            ask(self, tr("gui.wizard.save_pdf"), tr("hardening.gui.pdf_same_disk"),
                tr("hardening.gui.pdf_save_anyway"), tr("gui.common.cancel"),
                lambda: self.save_pdf_to(path))
            return
        self.save_pdf_to(path)

    def save_pdf_to(self, path: Path) -> None:
        if self.vault is None:
            return
        try:
            save_recovery_pdf(path, self.recovery_key, self.vault.fingerprint, self.vault.folder)
        except OSError as exc:
            show_error(self, InputError("gui.error.write", path=str(path),
                                        reason=exc.strerror or ""))
            return
        show_info(self, tr("gui.wizard.save_pdf"), tr("gui.wizard.saved", path=str(path)))

    def _print(self) -> None:
        if self.vault is not None:
            print_recovery_sheet(self, self.recovery_key, self.vault.fingerprint,
                                 self.vault.folder)

    def _finish(self) -> None:
        if self.vault is None or not self.kept_check.isChecked():
            return
        vault, self.vault = self.vault, None
        self.recovery_key = ""
        self.key_label.clear()
        self.finished.emit(vault)
