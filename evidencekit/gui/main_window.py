"""The main window: big labelled actions with shortcuts, the filterable item grid, the
detail pane, a quiet job strip, and the status bar with the timestamp queue.

Files and links dropped anywhere on the window are imported / offered as a link. The
window runs every vault job through :meth:`MainWindow.run_job` (a worker thread), so it
never freezes; it holds no decrypted data of its own beyond what the session holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QFontMetrics,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from evidencekit.errors import EvidenceKitError
from evidencekit.gui import capture_flow, chat_flow, item_flows, report_dialog, similar_panel
from evidencekit.gui.background_reader import BackgroundReader
from evidencekit.gui.detail_pane import DetailPane
from evidencekit.gui.identity_panel import set_holder_status
from evidencekit.gui.item_list import FilterBar, ItemGrid
from evidencekit.gui.messages import show_error
from evidencekit.gui.session import VaultSession, waiting_for_timestamp
from evidencekit.gui.theme import icon
from evidencekit.gui.widgets import ElidedLabel, JobPanel
from evidencekit.gui.workers import Job, JobFunction
from evidencekit.i18n import catalogue, tr
from evidencekit.settings import Settings

__all__ = ["MainWindow", "ACTIONS"]

log = logging.getLogger(__name__)

#: (name, icon, message key, shortcut) of the big actions, in order.
ACTIONS = (
    ("capture_screen", "screen", "gui.action.capture_screen", "Ctrl+Shift+S"),
    ("capture_region", "region", "gui.action.capture_region", "Ctrl+Shift+R"),
    ("capture_window", "window", "gui.action.capture_window", "Ctrl+Shift+W"),
    ("add_link", "link", "gui.action.add_link", "Ctrl+L"),
    ("import_files", "import", "gui.action.import_files", "Ctrl+O"),
    ("incident", "incident", "gui.action.incident", "Ctrl+N"),
    ("export", "export", "gui.action.export", "Ctrl+E"),
)
#: Actions in the "More" menu.
MORE_ACTIONS = (
    ("verify", "verify", "gui.action.verify", "Ctrl+Shift+V"),
    ("paste_image", "screenshot", "gui.action.paste_image", "Ctrl+Shift+P"),
    ("import_chat", "chat", "gui.action.import_chat", "Ctrl+Shift+T"),
    ("open_chat", "chat", "gui.action.open_chat", ""),
    ("check", "verify", "gui.action.check", ""),
    ("copies", "screenshot", "gui.action.copies", ""),
    ("check_older", "search", "gui.action.check_older", ""),
    ("report", "export", "gui.action.report", ""),
    ("recheck_all", "link", "gui.action.recheck_all", ""),
    ("settings", "settings", "gui.action.settings", "Ctrl+,"),
)


def _two_lines(action: QAction, fm: QFontMetrics, width: int) -> None:
    """A long button label under its icon on two lines ("Write what / happened"), so the
    row of big buttons fits a 1280-pixel screen at 150 % text size; the action's own text
    (menus, screen readers) stays on one line."""
    text = action.text()
    if fm.horizontalAdvance(text) <= width or " " not in text:
        return
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    cut = min(spaces, key=lambda i: max(fm.horizontalAdvance(text[:i]),
                                        fm.horizontalAdvance(text[i + 1:])))
    action.setIconText(f"{text[:cut]}\n{text[cut + 1:]}")


class MainWindow(QMainWindow):
    lock_requested = Signal()
    quick_exit_requested = Signal()
    settings_requested = Signal()
    verify_requested = Signal()

    def __init__(self, session: VaultSession, settings: Settings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = settings
        self.actions_by_name: dict[str, QAction] = {}
        self._jobs: list[tuple[Job, str]] = []
        self.setAcceptDrops(True)
        self.resize(1320, 860)
        self.setMinimumSize(1040, 640)

        central = QWidget()
        central.setObjectName("Page")
        outer = QVBoxLayout(central)
        outer.setContentsMargins(20, 16, 20, 10)
        outer.setSpacing(14)
        outer.addLayout(self._action_bar())
        self.filter_bar = FilterBar()
        outer.addWidget(self.filter_bar)
        self.job_panel = JobPanel()
        self.job_panel.cancel_requested.connect(self.cancel_current_job)
        outer.addWidget(self.job_panel)

        self.grid = ItemGrid(session)
        self.detail = DetailPane(session)
        self.detail.fetch_requested.connect(lambda n: item_flows.fetch_pending(self, n))
        self.detail.open_item_requested.connect(self.select_item)
        self.detail.add_link_requested.connect(lambda url: item_flows.add_link(self, url))
        self.background = BackgroundReader(session, self)  # OCR, video hashes
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.grid)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 480])
        splitter.setChildrenCollapsible(False)
        outer.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self._status_bar()

        self.filter_bar.changed.connect(self._filter)
        self.grid.selectionModel().currentChanged.connect(lambda *_: self._current_changed())
        self.grid.source.modelReset.connect(self._model_reset)
        self.grid.doubleClicked.connect(lambda *_: self._open_current())
        session.items_changed.connect(self._items_changed)
        self._current_number: int | None = None
        self._items_changed()

    # -- building --------------------------------------------------------------------

    def _make_action(self, name: str, icon_name: str, key: str, shortcut: str) -> QAction:
        action = QAction(icon(icon_name), tr(key), self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        tip_key = key.replace("gui.action.", "gui.tip.")
        tip = tr(tip_key) if tip_key in catalogue("en") else tr(key)
        shown = QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip}  ({shown})" if shortcut else tip)
        action.triggered.connect(lambda _checked=False, n=name: self.trigger(n))
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def _action_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(10)
        for name, icon_name, key, shortcut in ACTIONS:
            action = self._make_action(name, icon_name, key, shortcut)
            b = QToolButton()
            b.setObjectName("Action")
            b.setDefaultAction(action)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            b.setIconSize(QSize(34, 34))
            b.setMinimumSize(QSize(108, 84))
            _two_lines(action, b.fontMetrics(), 96)
            if "\n" in action.iconText():
                b.setMinimumHeight(max(84, 34 + 2 * b.fontMetrics().lineSpacing() + 24))
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            row.addWidget(b)
        row.addStretch(1)
        more = QMenu(self)
        for name, icon_name, key, shortcut in MORE_ACTIONS:
            more.addAction(self._make_action(name, icon_name, key, shortcut))
        more_button = QToolButton()
        more_button.setObjectName("Action")
        more_button.setText(tr("gui.action.more"))
        more_button.setIcon(icon("more"))
        more_button.setIconSize(QSize(34, 34))
        more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        more_button.setMinimumSize(QSize(84, 84))
        more_button.setMenu(more)
        more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        row.addWidget(more_button)
        for name, icon_name, key, shortcut, obj in (
            ("lock", "lock", "gui.action.lock", "Ctrl+Shift+L", "Action"),
            ("quick_exit", "exit", "gui.action.quick_exit", "", "QuickExit"),
        ):
            action = self._make_action(name, icon_name, key, shortcut)
            b = QToolButton()
            b.setObjectName(obj)
            b.setDefaultAction(action)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            b.setIconSize(QSize(34, 34))
            b.setMinimumSize(QSize(92, 84))
            _two_lines(action, b.fontMetrics(), 80)
            if "\n" in action.iconText():
                b.setMinimumHeight(max(84, 34 + 2 * b.fontMetrics().lineSpacing() + 24))
            row.addWidget(b)
        self.actions_by_name["quick_exit"].setToolTip(tr("gui.tip.quick_exit"))
        return row

    def _status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.ts_label = QLabel()
        self.ts_button = QPushButton(tr("gui.status.get_timestamps"))
        self.ts_button.clicked.connect(lambda: item_flows.get_timestamps(self))
        holder = QLabel()
        holder.setObjectName("HolderStatus")
        holder.setProperty("muted", True)
        set_holder_status(holder, self.session.holder, self.session.fingerprint)
        clock = QLabel()
        clock.setPixmap(icon("clock").pixmap(QSize(20, 20)))
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(12, 4, 8, 4)
        row.setSpacing(10)
        row.addWidget(clock)
        row.addWidget(self.ts_label)
        row.addWidget(self.ts_button)
        row.addStretch(1)
        bar.addWidget(box, 1)
        self.status_box = box
        self.notice = ElidedLabel()
        self.notice.setObjectName("Notice")
        self.notice.setContentsMargins(12, 4, 8, 4)
        self.notice.hide()
        bar.addWidget(self.notice, 1)
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(self._end_notice)
        bar.addPermanentWidget(holder)

    # -- items -----------------------------------------------------------------------

    def _filter(self, query: object) -> None:
        query = similar_panel.apply_filter(self.session, query)
        self.grid.proxy.set_query(query)  # type: ignore[arg-type]
        self._update_count()

    def _update_count(self) -> None:
        self.filter_bar.set_count(self.grid.proxy.rowCount(), self.grid.source.rowCount())

    def _items_changed(self) -> None:
        items = self.session.items()
        self.filter_bar.set_tags(items)
        waiting = len(waiting_for_timestamp(items))
        if not items:
            self.ts_label.setText(tr("gui.status.no_items"))
        else:
            self.ts_label.setText(tr("gui.status.waiting", count=waiting) if waiting else
                                  tr("gui.status.all_stamped"))
        self.ts_button.setVisible(waiting > 0)
        if self.grid.proxy.query.numbers is not None:  # the copies filter: groups changed
            self._filter(self.filter_bar.query())
        self._update_count()

    def _current_changed(self) -> None:
        item = self.grid.current_item()
        self._current_number = item.number if item else None
        self.detail.show_item(item)

    def _model_reset(self) -> None:
        number = self._current_number
        if number is not None:
            QTimer.singleShot(0, lambda: self._reselect(number))

    def _reselect(self, number: int) -> None:
        if self.grid.source.row_of(number) >= 0:
            self.grid.select_number(number)
        else:
            self.detail.show_item(None)

    def _open_current(self) -> None:
        item = self.session.item(self._current_number) if self._current_number else None
        if chat_flow.is_chat(item):
            chat_flow.open_chat_view(self, item.number)  # type: ignore[union-attr]
        else:
            self.detail.setFocus()

    def select_item(self, number: int) -> None:
        """Select item ``number`` and show it (after a capture or import): a search or
        filter that hides it is cleared first."""
        self._current_number = number
        self.grid.select_number(number)
        current = self.grid.current_item()
        if (current is None or current.number != number) and \
                self.grid.source.row_of(number) >= 0:
            self.filter_bar.reset()
            self.grid.select_number(number)
            current = self.grid.current_item()
        if current is not None and current.number == number and (
                self.detail.item is None or self.detail.item.number != number):
            self.detail.show_item(current)

    # -- jobs ------------------------------------------------------------------------

    def run_job(self, text: str, fn: JobFunction, on_done: Callable[[Any], None],
                *, cancellable: bool = True,
                on_error: Callable[[EvidenceKitError], None] | None = None) -> Job:
        """Run ``fn`` on a worker thread with the job strip showing ``text``."""
        holder: list[Job] = []

        def finished(result: Any) -> None:
            self._job_ended(holder[0])
            on_done(result)

        def failed(exc: EvidenceKitError) -> None:
            self._job_ended(holder[0])
            if on_error is not None:
                on_error(exc)
            elif exc.key != "error.cancelled":
                show_error(self, exc)

        def progress(done: int, total: int, key: str) -> None:
            if self._jobs and self._jobs[-1][0] is holder[0]:
                label = tr(key) if key in catalogue("en") else None
                self.job_panel.progress(done, total, f"{text} · {label}" if label and
                                        label != text else text)

        job = self.session.jobs.start(fn, name=text, on_done=finished, on_error=failed,
                                      on_progress=progress)
        holder.append(job)
        self._jobs.append((job, text))
        self.job_panel.start(text, cancellable)
        return job

    def _job_ended(self, job: Job) -> None:
        self._jobs = [(j, t) for j, t in self._jobs if j is not job]
        if self._jobs:
            self.job_panel.start(self._jobs[-1][1])
        else:
            self.job_panel.finish()

    def cancel_current_job(self) -> None:
        if self._jobs:
            self._jobs[-1][0].cancel()
            self.job_panel.cancel.setEnabled(False)
            self.job_panel.label.setText(tr("gui.job.cancelling"))

    def notify(self, text: str, msecs: int = 8000) -> None:
        """A short notice in the status bar's own line (elided, full text as tooltip),
        instead of QStatusBar's temporary message, which was drawn over the bar."""
        self.notice.setToolTip(text)
        self.notice.setText(text)
        self.notice.show()
        self.status_box.hide()
        self._notice_timer.start(msecs)

    def _end_notice(self) -> None:
        self.notice.hide()
        self.status_box.show()

    # -- actions ---------------------------------------------------------------------

    def trigger(self, name: str) -> None:
        """Run one of the window's actions by name (the buttons and shortcuts call this)."""
        handlers: dict[str, Callable[[], object]] = {
            "capture_screen": lambda: capture_flow.capture_screen(self),
            "capture_region": lambda: capture_flow.capture_region(self),
            "capture_window": lambda: capture_flow.capture_window(self),
            "add_link": lambda: item_flows.add_link(self),
            "import_files": lambda: item_flows.import_files(self),
            "incident": lambda: item_flows.write_incident(self),
            "export": lambda: item_flows.export(self),
            "verify": self.verify_requested.emit,
            "paste_image": lambda: capture_flow.paste_image(self),
            "import_chat": lambda: chat_flow.import_chat_action(self),
            "open_chat": self._open_current,
            "check": lambda: item_flows.check_vault(self),
            "copies": lambda: similar_panel.show_groups(self),
            "check_older": lambda: similar_panel.check_older(self),
            "report": lambda: report_dialog.open_report(self),
            "recheck_all": lambda: report_dialog.recheck_all(self),
            "settings": self.settings_requested.emit,
            "lock": self.lock_requested.emit,
            "quick_exit": self.quick_exit_requested.emit,
        }
        handler = handlers.get(name)
        if handler is not None:
            handler()

    # -- drag and drop ---------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasText():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:  # noqa: N802
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        mime = event.mimeData()
        files: list[Path] = []
        links: list[str] = []
        for url in mime.urls() if mime.hasUrls() else []:
            if url.isLocalFile():
                files.append(Path(url.toLocalFile()))
            elif url.scheme() in ("http", "https"):
                links.append(url.toString())
        if not files and not links and mime.hasText():
            text = mime.text().strip()
            if text.startswith(("http://", "https://")):
                links.append(text.split()[0])
        event.acceptProposedAction()
        if len(files) == 1 and files[0].is_dir():  # a chat export folder, else plain files
            chat_flow.import_chat_path(self, files[0],
                                       fallback=lambda p: item_flows.import_paths(self, p))
        elif files:
            item_flows.import_paths(self, files)
        if links:
            item_flows.add_link(self, links[0])

    # -- closing ---------------------------------------------------------------------

    def close_quietly(self) -> None:
        """Close without asking anything (lock, quick exit)."""
        self.detail.show_item(None)
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        # Closing by the user ends the program: the controller sees the Close event.
        event.accept()
