"""The core jobs the GUI runs on worker threads, as plain functions of
``(vault, ..., progress, cancel)`` with no Qt in them: importing files and folders,
fetching a link (or keeping it for later), timestamping the waiting parts, checking the
vault. Each returns a small summary the window turns into a sentence.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evidencekit.errors import CancelledError, EvidenceKitError, NetworkError
from evidencekit.model import Item, NewItem
from evidencekit.vault import Vault

__all__ = [
    "ImportSummary",
    "LinkOutcome",
    "import_paths",
    "add_new_item",
    "capture_link_item",
    "fetch_pending",
    "timestamp_waiting",
    "check",
]

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]


@dataclass
class ImportSummary:
    added: list[Item] = field(default_factory=list)
    failed: list[tuple[str, EvidenceKitError]] = field(default_factory=list)
    cancelled: bool = False


def import_paths(vault: Vault, paths: Sequence[Path], progress: ProgressFn,
                 cancel: threading.Event) -> ImportSummary:
    """Import files and folders (walked recursively); a bad file never stops the batch.

    Progress reports bytes within the current file and counts files; cancelling stops
    after (or during) the current file — the item being written is then not kept.
    """
    from evidencekit.capture.files import display_name, iter_import

    summary = ImportSummary()
    files_done = [0, 0]

    def count(done: int, total: int, _key: str) -> None:
        files_done[0], files_done[1] = done, total

    for outcome in iter_import(paths, recursive=True, progress=count):
        if cancel.is_set():
            summary.cancelled = True
            break
        if outcome.item is None:
            err = outcome.error or EvidenceKitError()
            summary.failed.append((display_name(str(outcome.path)), err))
            continue
        index, total = files_done

        def part_progress(done: int, size: int, _key: str, i: int = index,
                          n: int = total) -> None:
            # whole files done so far plus the fraction of this one, in thousandths
            fraction = done / size if size else 1.0
            progress(int(((i - 1) + fraction) * 1000), max(n, 1) * 1000,
                     "gui.progress.importing")

        try:
            item = vault.add_item(outcome.item, progress=part_progress, cancel=cancel)
        except CancelledError:
            summary.cancelled = True
            break
        except EvidenceKitError as exc:
            summary.failed.append((display_name(str(outcome.path)), exc))
            continue
        summary.added.append(item)
    return summary


def add_new_item(vault: Vault, new: NewItem, progress: ProgressFn,
                 cancel: threading.Event) -> Item:
    return vault.add_item(new, progress=progress, cancel=cancel)


@dataclass
class LinkOutcome:
    item: Item
    fetched: bool
    error: EvidenceKitError | None = None


def capture_link_item(vault: Vault, url: str, title: str, note: str, fetch: bool,
                      progress: ProgressFn, cancel: threading.Event,
                      **fetch_options: object) -> LinkOutcome:
    """Fetch and store a link; offline or on a network failure keep it to fetch later."""
    from evidencekit.capture.links import capture_link, pending_link

    if not fetch:
        return LinkOutcome(vault.add_item(pending_link(url, title, note)), fetched=False)
    try:
        new = capture_link(url, title=title, note=note, progress=progress,
                           **fetch_options)  # type: ignore[arg-type]
    except NetworkError as exc:
        item = vault.add_item(pending_link(url, title, note))
        return LinkOutcome(item, fetched=False, error=exc)
    return LinkOutcome(vault.add_item(new, progress=progress, cancel=cancel), fetched=True)


def fetch_pending(vault: Vault, number: int, progress: ProgressFn,
                  _cancel: threading.Event, **fetch_options: object) -> Item:
    """Fetch a link recorded offline and attach what was fetched."""
    from evidencekit.capture.links import capture_link

    item = vault.item(number)
    url = str(item.metadata.get("url") or item.source)
    new = capture_link(url, title=item.title, progress=progress,
                       **fetch_options)  # type: ignore[arg-type]
    return vault.complete_pending(number, new.parts, new.metadata)


def timestamp_waiting(vault: Vault, urls: Sequence[str], progress: ProgressFn,
                      _cancel: threading.Event) -> object:
    """Ask the time-stamp authorities for a token for every waiting part."""
    from evidencekit.timestamps.queue import timestamp_vault

    return timestamp_vault(vault, urls=list(urls) or None, progress=progress)


def check(vault: Vault, progress: ProgressFn, _cancel: threading.Event) -> object:
    from evidencekit.vault.check import check_vault

    return check_vault(vault, progress=progress)
