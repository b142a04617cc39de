"""The verify screen: pick (or drop) a bundle PDF and see one of four verdicts - intact
and every signer confirmed (green), intact but signer not confirmed (amber), intact and the
holder confirmed but a counter-signature not (amber), changed or incomplete (red) - every
signer with its status and its fingerprint in full and short
form, every check with its detail, and the result for each item.

A signer is confirmed by the fingerprint the holder gave (typed in, either form) or by a
trusted root certificate kept in the settings (:mod:`evidencekit.gui.verify_roots`); the
roots of time-stamp authorities trusted besides the public ones are kept there too (what
``verify --tsa-ca`` gives on the command line).
It needs no vault (police and courts use it) and runs ``bundle.verify.verify_bundle`` on a
worker thread.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from evidencekit.errors import EvidenceKitError
from evidencekit.gui import file_dialogs
from evidencekit.gui.item_list import short_time
from evidencekit.gui.messages import show_error
from evidencekit.gui.theme import COLORS, mono_family, scaled_font
from evidencekit.gui.verify_roots import TSA_ROOTS, TrustedRoots
from evidencekit.gui.widgets import (
    card,
    heading,
    muted,
    para,
    primary,
    signer_name,
)
from evidencekit.gui.workers import JobHost
from evidencekit.i18n import tr
from evidencekit.settings import Settings
from evidencekit.vault.identity import format_fingerprint, normalize_fingerprint, short_fingerprint

__all__ = ["VerifyWindow"]

log = logging.getLogger(__name__)


def _mark(ok: bool | None) -> tuple[str, str]:
    if ok is True:
        return "✓", COLORS["ok"]
    if ok is False:
        return "✗", COLORS["error"]
    return "·", COLORS["muted"]


#: The answers: (banner object name, colour, title key, text key) by exit code.
_STATES = {
    0: ("OkBanner", "ok", "verify_trust.gui.state_ok", "verify_trust.gui.state_ok_text"),
    10: ("WarnBanner", "warn", "verify_trust.gui.state_unconfirmed",
         "verify_trust.gui.state_unconfirmed_text"),
    11: ("WarnBanner", "warn", "verify_weak.gui.state_counter_unconfirmed",
         "verify_weak.gui.state_counter_unconfirmed_text"),
    3: ("BadBanner", "error", "verify_trust.gui.state_bad", "verify_trust.gui.state_bad_text"),
}


_LONG_WORD = re.compile(r"\S{33,}")


def _breakable(text: str) -> str:
    """Long unbroken runs (fingerprints, hashes, paths) with invisible break points, so a
    detail wraps inside the window instead of widening it."""
    return _LONG_WORD.sub(
        lambda m: "\u200b".join(m.group(0)[i : i + 24] for i in range(0, len(m.group(0)), 24)),
        text)


#: Checks whose terminal wording (with command-line options) the banner replaces here.
_SAID_ABOVE = frozenset({"verify_trust.signer_unconfirmed"})
#: Checks shown here in the screen's own words (no command-line options).
_GUI_WORDING = {"verify_weak.counter_unconfirmed": "verify_weak.gui.counter_unconfirmed"}


def _window_size() -> tuple[int, int]:
    """Tall enough that the results, not only the trusted-root lists below them, fill the
    window on a large screen; never taller than the screen."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return 860, 760
    available = screen.availableGeometry()
    return min(900, available.width()), max(min(980, int(available.height() * 0.92)), 600)


class VerifyWindow(QWidget):
    """A window of its own; ``verify(path)`` starts a check (also used by tests).

    ``settings``: the application's settings (the trusted roots are kept there); when
    None, they are read from the default location.
    """

    def __init__(self, parent: QWidget | None = None, settings: Settings | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.settings = settings if settings is not None else Settings.load()
        self.path: Path | None = None
        self.setObjectName("Page")
        self.setWindowTitle(tr("gui.verify.window"))
        self.setAcceptDrops(True)
        self.resize(*_window_size())
        self.jobs = JobHost(self, threads=1)
        self.report: Any = None
        self.job: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 26, 32, 22)
        layout.setSpacing(14)
        layout.addWidget(heading(tr("gui.verify.title"), 20))
        layout.addWidget(para(tr("gui.verify.text")))
        row = QHBoxLayout()
        self.path_label = muted(tr("gui.verify.drop"))
        row.addWidget(self.path_label, 1)
        self.choose_button = primary(tr("gui.verify.choose"), self._choose)
        row.addWidget(self.choose_button)
        layout.addLayout(row)
        expect_row = QHBoxLayout()
        expect_row.addWidget(muted(tr("verify_trust.gui.expect")))
        self.expect = QLineEdit()
        self.expect.setPlaceholderText(tr("verify_trust.gui.expect_hint"))
        self.expect.setFont(scaled_font(mono_family(), 10))
        self.expect.returnPressed.connect(self._again)
        expect_row.addWidget(self.expect, 1)
        self.again_button = primary(tr("verify_trust.gui.again"), self._again)
        self.again_button.setEnabled(False)
        expect_row.addWidget(self.again_button)
        layout.addLayout(expect_row)
        self.expect_error = muted("")
        self.expect_error.setStyleSheet(f"color: {COLORS['error']};")
        self.expect_error.hide()
        layout.addWidget(self.expect_error)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(12)
        self.bar.hide()
        layout.addWidget(self.bar)
        self.results_area = QScrollArea()
        self.results_area.setWidgetResizable(True)
        self.results_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.roots = TrustedRoots(self.settings, changed=self._roots_changed)
        self.tsa_roots = TrustedRoots(self.settings, changed=self._roots_changed,
                                      kind=TSA_ROOTS)
        # the two lists side by side, in a short area of their own: the results keep the
        # height however many roots there are
        roots_box = QWidget()
        roots_row = QHBoxLayout(roots_box)
        roots_row.setContentsMargins(0, 0, 8, 0)
        roots_row.setSpacing(24)
        roots_row.addWidget(self.roots, 1, Qt.AlignmentFlag.AlignTop)
        roots_row.addWidget(self.tsa_roots, 1, Qt.AlignmentFlag.AlignTop)
        self.roots_area = QScrollArea()
        self.roots_area.setWidgetResizable(True)
        self.roots_area.setFrameShape(QFrame.Shape.NoFrame)
        self.roots_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.roots_area.setWidget(roots_box)
        self.roots_area.setMaximumHeight(self.fontMetrics().height() * 11)
        # The trust settings fold away under one button, so the results get the whole
        # height; the button says how many roots are trusted, and opening it shows both
        # lists (they are what makes "confirmed" possible, so they stay one click away).
        self.roots_area.hide()
        self.trust_toggle = QToolButton()
        self.trust_toggle.setCheckable(True)
        self.trust_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.trust_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.trust_toggle.setAutoRaise(True)
        self.trust_toggle.toggled.connect(self.show_trust)
        layout.addWidget(self.results_area, 1)
        layout.addWidget(self.trust_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.roots_area)
        self._update_trust_toggle()
        self._show_result(None)

    def show_trust(self, shown: bool) -> None:
        """Open or fold the trusted-roots lists."""
        if self.trust_toggle.isChecked() != shown:
            self.trust_toggle.setChecked(shown)  # comes back here through toggled
            return
        self.trust_toggle.setArrowType(Qt.ArrowType.DownArrow if shown
                                       else Qt.ArrowType.RightArrow)
        self.roots_area.setVisible(shown)

    def _update_trust_toggle(self) -> None:
        text = tr("verify_lead.trust_toggle", signers=len(self.roots.roots()),
                  tsas=len(self.tsa_roots.roots()))
        self.trust_toggle.setText(text)
        self.trust_toggle.setAccessibleName(text)

    # -- choosing --------------------------------------------------------------------

    def _choose(self) -> None:
        path = file_dialogs.open_file(self, tr("gui.verify.choose"), "PDF (*.pdf)")
        if path is not None:
            self.verify(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            if url.isLocalFile():
                event.acceptProposedAction()
                self.verify(Path(url.toLocalFile()))
                return

    def _roots_changed(self) -> None:
        self._update_trust_toggle()
        self._again()

    def _again(self) -> None:
        if self.path is not None:
            self.verify(self.path)

    def _expected(self) -> tuple[bool, str | None]:
        """(valid, fingerprint or None) from the field; an empty field is valid."""
        text = self.expect.text().strip()
        if not text:
            self.expect_error.hide()
            return True, None
        try:
            normalize_fingerprint(text)
        except ValueError:
            self.expect_error.setText(tr("verify_trust.gui.expect_bad"))
            self.expect_error.show()
            return False, None
        self.expect_error.hide()
        return True, text

    def verify(self, path: Path) -> None:
        if self.job is not None:
            return
        valid, expect = self._expected()
        if not valid:
            return
        roots = list(self.settings.get("trusted_roots"))
        tsa_roots = "\n".join(self.settings.get("trusted_tsa_roots")).encode("ascii", "replace")
        self.path = path
        self.again_button.setEnabled(True)
        self.path_label.setText(str(path))
        self.bar.setRange(0, 0)
        self.bar.show()
        self.choose_button.setEnabled(False)
        self._show_result(None, working=True)

        def work(progress: Any, _cancel: Any) -> Any:
            from evidencekit.bundle.verify import verify_bundle

            return verify_bundle(path, progress=progress, expect_fingerprint=expect,
                                 signer_roots_pem=roots, trust_roots_pem=tsa_roots or None)

        self.job = self.jobs.start(work, name="verify", on_done=self._done,
                                   on_error=self._failed, on_progress=self._progress)

    def _progress(self, done: int, total: int, _key: str) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))

    def _done(self, report: object) -> None:
        self.job = None
        self.bar.hide()
        self.choose_button.setEnabled(True)
        self.report = report
        self._show_result(report)

    def _failed(self, exc: EvidenceKitError) -> None:
        self.job = None
        self.bar.hide()
        self.choose_button.setEnabled(True)
        self._show_result(None)
        show_error(self, exc)

    # -- the result ------------------------------------------------------------------

    def _show_result(self, report: Any, working: bool = False) -> None:
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(10)
        if report is None:
            hint = muted(tr("gui.verify.working") if working else tr("gui.verify.nothing"))
            hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addStretch(1)
            layout.addWidget(hint)
            layout.addStretch(2)
            self.results_area.setWidget(body)
            return
        code = report.exit_code if report.exit_code in _STATES else 3
        name, colour, title_key, text_key = _STATES[code]
        banner, inner = card(name)
        verdict = heading(tr(title_key), 17)
        verdict.setStyleSheet(f"color: {COLORS[colour]};")
        inner.addWidget(verdict)
        inner.addWidget(para(tr(text_key)))
        if report.signers:
            inner.addWidget(heading(tr("verify_trust.gui.signers"), 12))
        for signer in report.signers:
            inner.addWidget(self._signer(signer))
        layout.addWidget(banner)
        layout.addWidget(heading(tr("gui.verify.checks"), 13))
        for check in report.checks:
            if check.key in _SAID_ABOVE:
                continue  # the banner says it, in words for this screen
            detail = (tr(_GUI_WORDING[check.key], **check.shown_params())
                      if check.key in _GUI_WORDING else check.detail_text())
            layout.addWidget(self._line(check.ok, check.title(), detail))
        if report.items:
            layout.addWidget(heading(tr("gui.verify.items"), 13))
            for item in report.items:
                detail = "; ".join(p.detail_text() for p in item.parts if p.ok is not True)
                name = tr("gui.item.number", number=item.number) + f"  {item.title}"
                layout.addWidget(self._line(item.ok, name, detail or tr("gui.verify.item_ok")))
        layout.addStretch(1)
        self.results_area.setWidget(body)

    @staticmethod
    def _signer(signer: Any) -> QWidget:
        """One signer: role, name and status, the fingerprint in full and short form."""
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 2, 0, 6)
        col.setSpacing(2)
        ok = True if signer.confirmed else (None if signer.status == "unconfirmed" else False)
        mark, colour = _mark(ok)
        title = para(f"{mark} {tr('verify_trust.gui.role.' + signer.role)}: "
                     f"{signer_name(signer.subject)} — "
                     f"{tr('verify_trust.gui.status.' + signer.status)}")
        title.setStyleSheet(f"color: {colour};")
        col.addWidget(title)
        fp = QLabel(format_fingerprint(signer.fingerprint))
        fp.setFont(scaled_font(mono_family(), 10))
        fp.setWordWrap(True)
        fp.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        col.addWidget(fp)
        col.addWidget(muted(tr("verify_trust.gui.short_label")))
        short = QLabel(short_fingerprint(signer.fingerprint))
        short.setFont(scaled_font(mono_family(), 12, bold=True))
        short.setWordWrap(True)
        short.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        col.addWidget(short)
        if signer.signed_at:
            col.addWidget(muted(tr("gui.verify.signer", signer=signer_name(signer.subject),
                                   when=short_time(signer.signed_at) or "?")))
        return box

    @staticmethod
    def _line(ok: bool | None, title: str, detail: str) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(4, 2, 4, 2)
        mark, color = _mark(ok)
        sign = QLabel(mark)
        sign.setFont(scaled_font(sign.font().family(), 14, bold=True))
        sign.setStyleSheet(f"color: {color};")
        sign.setFixedWidth(26)
        sign.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        row.addWidget(sign)
        text = QVBoxLayout()
        title_label = para(title)
        title_label.setFont(scaled_font(title_label.font().family(), 11, bold=True))
        text.addWidget(title_label)
        detail_label = para(_breakable(detail))
        detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if ok is False:
            detail_label.setStyleSheet(f"color: {COLORS['error']};")
        text.addWidget(detail_label)
        row.addLayout(text, 1)
        return box

    def result_lines(self) -> list[str]:
        """The verdict and failed check names, as text (for tests and screen readers)."""
        if self.report is None:
            return []
        code = self.report.exit_code if self.report.exit_code in _STATES else 3
        lines = [tr(_STATES[code][2])]
        lines += [c.title() for c in self.report.failures]
        return lines
