"""What the main window's actions do beyond capture: import files, add a link, write an
incident note, export, check the vault, get trusted timestamps, fetch a waiting link.

Each flow gathers what it needs (a dialog), then runs the core job on a worker thread
through :meth:`MainWindow.run_job` and says plainly what happened.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidencekit.gui import file_dialogs
from evidencekit.gui.accessibility import name_controls
from evidencekit.gui.detail_pane import import_warnings
from evidencekit.gui.export_dialog import ExportDialog
from evidencekit.gui.incident_dialog import IncidentDialog
from evidencekit.gui.item_list import number_label
from evidencekit.gui.link_dialog import LinkDialog
from evidencekit.gui.messages import show_error, show_info
from evidencekit.gui.vault_jobs import (
    ImportSummary,
    add_new_item,
    check,
    timestamp_waiting,
)
from evidencekit.gui.vault_jobs import (
    fetch_pending as fetch_pending_job,
)
from evidencekit.gui.vault_jobs import (
    import_paths as import_paths_job,
)
from evidencekit.i18n import tr
from evidencekit.model import Item, NewItem

if TYPE_CHECKING:
    from evidencekit.gui.main_window import MainWindow

__all__ = ["import_files", "import_paths", "add_link", "write_incident", "export",
           "check_vault", "get_timestamps", "fetch_pending", "tsa_urls", "save_new_item"]

log = logging.getLogger(__name__)

#: Extra keyword arguments for ``capture_link`` (tests point them at local servers).
FETCH_OPTIONS: dict[str, Any] = {}


def tsa_urls(window: MainWindow) -> list[str]:
    """The vault's own TSA list if it has one, else the user's setting (or defaults)."""
    return window.session.stored_tsa_urls() or window.settings.tsa_urls


def import_files(window: MainWindow) -> None:
    paths = file_dialogs.open_files(window, tr("gui.action.import_files"))
    if paths:
        import_paths(window, paths)


def import_paths(window: MainWindow, paths: Sequence[Path]) -> None:
    """Import files and folders on a worker thread, then report in one sentence."""
    vault = window.session.vault
    chosen = list(paths)

    def done(summary: object) -> None:
        assert isinstance(summary, ImportSummary)
        window.session.refresh()
        if summary.added:
            window.select_item(summary.added[-1].number)
        text = tr("gui.import.done", count=len(summary.added))
        if summary.cancelled:
            text = tr("gui.import.cancelled", count=len(summary.added))
        window.notify(text)
        warned = [(item, import_warnings(item)) for item in summary.added]
        warned = [(item, texts) for item, texts in warned if texts]
        if summary.failed or warned:
            lines = [f"• {name}: {err.message()}" for name, err in summary.failed[:12]]
            if len(summary.failed) > 12:
                lines.append(tr("gui.import.more_failed", count=len(summary.failed) - 12))
            for item, texts in warned[:12]:
                name = item.title or number_label(item.number)
                lines += [f"• {number_label(item.number)} {name}: {t}" for t in texts]
            if len(warned) > 12:
                lines.append(tr("gui.import.more_failed", count=len(warned) - 12))
            head = (tr("gui.import.some_failed", count=len(summary.failed),
                       added=len(summary.added)) if summary.failed else text)
            if warned:
                head += "\n" + tr("gui.import.warned", count=len(warned))
            show_info(window, tr("gui.action.import_files"), head, "\n".join(lines))

    window.run_job(tr("gui.job.importing", count=len(chosen)),
                   lambda p, c: import_paths_job(vault, chosen, p, c), done)


def add_link(window: MainWindow, url: str = "") -> LinkDialog:
    dialog = LinkDialog(window, url, FETCH_OPTIONS)

    def saved(number: int) -> None:
        window.session.refresh()
        window.select_item(number)

    dialog.saved.connect(saved)
    dialog.open()
    return dialog


def save_new_item(window: MainWindow, new: NewItem, saved_key: str) -> None:
    """Store ``new`` on a worker thread, then select it and say so (``saved_key``)."""
    vault = window.session.vault

    def done(item: Item) -> None:
        window.session.refresh()
        window.select_item(item.number)
        window.notify(tr(saved_key, number=item.number))

    window.run_job(tr("gui.job.saving"), lambda p, c: add_new_item(vault, new, p, c), done)


def write_incident(window: MainWindow) -> IncidentDialog:
    dialog = IncidentDialog(window)

    def accepted() -> None:
        if dialog.item is not None:
            save_new_item(window, dialog.item, "gui.incident.saved")

    dialog.accepted.connect(accepted)
    dialog.open()
    return dialog


def export(window: MainWindow) -> ExportDialog:
    selected = [i.number for i in window.grid.selected_items()]
    dialog = ExportDialog(window, selected if len(selected) > 1 else None, tsa_urls(window))
    dialog.open()
    name_controls(dialog)
    return dialog


def check_vault(window: MainWindow) -> None:
    vault = window.session.vault

    def done(report: Any) -> None:
        if report.ok:
            show_info(window, tr("gui.action.check"),
                      tr("gui.check.ok", items=report.items_checked,
                         parts=report.parts_checked, events=report.events_checked))
        else:
            lines = [f"• {f.message()}" for f in report.findings[:20]]
            show_info(window, tr("gui.action.check"),
                      tr("gui.check.bad", count=len(report.findings)), "\n".join(lines))

    window.run_job(tr("gui.job.checking"), lambda p, c: check(vault, p, c), done)


def get_timestamps(window: MainWindow) -> None:
    vault = window.session.vault
    urls = tsa_urls(window)

    def done(run: Any) -> None:
        window.session.refresh()
        stamped = len(run.stamped)
        if run.error is not None:
            show_info(window, tr("gui.status.get_timestamps"),
                      tr("gui.timestamps.partly", count=stamped, waiting=run.waiting),
                      run.error.message())
        else:
            window.notify(tr("gui.timestamps.done", count=stamped))

    window.run_job(tr("gui.job.timestamping"),
                   lambda p, c: timestamp_waiting(vault, urls, p, c), done)


def fetch_pending(window: MainWindow, number: int) -> None:
    vault = window.session.vault
    options = dict(FETCH_OPTIONS)

    def done(item: Any) -> None:
        window.session.refresh()
        window.select_item(item.number)
        window.notify(tr("gui.link.fetched_later", number=item.number))

    def failed(exc: Any) -> None:
        if exc.key != "error.cancelled":
            show_error(window, exc)

    window.run_job(tr("gui.link.working"),
                   lambda p, c: fetch_pending_job(vault, number, p, c, **options), done,
                   on_error=failed)
