"""After capture, in the background: the perceptual hashes of videos (pictures get theirs
while they are stored) and the text of screenshots, page renderings and pictures, for the
items added while the vault is open (older items: ``evidencekit rehash --text``).

One item at a time, newest first, on a worker thread; the slow part (decoding, OCR) runs
there and only reads the vault. The result is stored from the GUI thread, on a freshly
read copy of the item, so an edit made meanwhile (a note, a tag) is never overwritten.
An item that fails is not tried again in this session. Locking the vault cancels the job
(the session's job host) and nothing is stored."""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, QTimer

from evidencekit.errors import EvidenceKitError
from evidencekit.gui.session import VaultSession
from evidencekit.model import Item, Progress

__all__ = ["BackgroundReader"]

log = logging.getLogger(__name__)


class BackgroundReader(QObject):
    def __init__(self, session: VaultSession, parent: QObject | None = None,
                 *, delay_ms: int = 800) -> None:
        super().__init__(parent)
        self.session = session
        self.busy = False
        self.failed: set[tuple[int, str]] = set()
        self.done: list[tuple[int, str]] = []  # what was stored (for the tests)
        self._ocr: bool | None = None
        self.first_new = max((i.number for i in session.items()), default=0) + 1
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._start_next)
        session.items_changed.connect(self.schedule)
        self.schedule()

    def include_older(self) -> int:
        """Also work through the items stored before this session (the "Check older items"
        action); returns how many items have work waiting."""
        from evidencekit.ocr.store import wants_text
        from evidencekit.similar.copies import needs_hash

        self.first_new = 0
        self.schedule()
        return sum(1 for i in self.session.items()
                   if needs_hash(i) or (self.ocr_ready() and wants_text(i)))

    def ocr_ready(self) -> bool:
        if self._ocr is None:
            from evidencekit.ocr.engine import available

            self._ocr = available()
        return self._ocr

    def schedule(self) -> None:
        if not self.busy:
            self._timer.start()

    def next_work(self) -> tuple[Item, str] | None:
        from evidencekit.ocr.store import wants_text
        from evidencekit.similar.copies import needs_hash

        for item in sorted(self.session.items(), key=lambda i: -i.number):
            if item.number < self.first_new:
                break
            if (item.number, "pdq") not in self.failed and needs_hash(item):
                return item, "pdq"
            if ((item.number, "ocr") not in self.failed and self.ocr_ready()
                    and wants_text(item)):
                return item, "ocr"
        return None

    def _start_next(self) -> None:
        if self.busy or not self.session.is_open:
            return
        work = self.next_work()
        if work is None:
            return
        item, what = work
        vault = self.session.vault
        read = functools.partial(vault.read_part_bytes, item)

        def job(_progress: Progress, _cancel: threading.Event) -> Any:
            if what == "pdq":
                from evidencekit.similar.parts import item_perceptual_metadata

                return item_perceptual_metadata(item, read)
            from evidencekit.ocr.store import read_item_text

            return read_item_text(item, read)

        self.busy = True
        self.session.jobs.start(
            job, name=f"background-{what}",
            on_done=lambda result: self._store(item.number, what, result),
            on_error=lambda exc: self._failed(item.number, what, exc))

    def _failed(self, number: int, what: str, exc: EvidenceKitError) -> None:
        self.busy = False
        log.info("background %s of item %d failed: %s", what, number, exc.key)
        self.failed.add((number, what))
        if exc.key != "error.cancelled":
            self.schedule()

    def _store(self, number: int, what: str, result: Any) -> None:
        self.busy = False
        if not self.session.is_open:
            return
        try:
            vault = self.session.vault
            fresh = vault.item(number)
            if fresh.state != "active":
                return
            if what == "pdq":
                from evidencekit.similar.copies import store_hashes

                if result is None:
                    self.failed.add((number, what))
                    self.schedule()
                    return
                updated = store_hashes(vault, fresh, result)
            else:
                from evidencekit.ocr.store import store_text

                updated = store_text(vault, fresh, result)
        except EvidenceKitError as exc:
            log.info("background %s of item %d not stored: %s", what, number, exc.key)
            self.failed.add((number, what))
            self.schedule()
            return
        self.done.append((number, what))
        self.session.replace_item(updated)  # items_changed: the next one is scheduled
