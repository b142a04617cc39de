"""Running core jobs (import, fetch, export, verify, check, unlock) off the GUI thread.

The core knows nothing of Qt: its long jobs take a ``progress(done, total, key)`` callback
and, where they can stop early, a ``threading.Event``. A :class:`Job` runs such a function
on a :class:`QThreadPool` thread and turns the callback into the ``progress`` signal and
the outcome into ``done`` or ``failed`` (always an :class:`EvidenceKitError`, so the GUI
can show its message in the current language). Signals are queued to the GUI thread; the
window never waits for a job.

Cancelling sets the job's event; the progress callback then raises
:class:`~evidencekit.errors.CancelledError`, so even core functions without a ``cancel``
argument stop at their next progress report (and clean up as they do for any error).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from evidencekit.errors import CancelledError, EvidenceKitError

__all__ = ["Job", "JobHost", "JobFunction"]

log = logging.getLogger(__name__)

#: What a job runs: ``fn(progress, cancel) -> result``.
JobFunction = Callable[[Callable[[int, int, str], None], threading.Event], Any]

_PROGRESS_INTERVAL_S = 0.05


class _Signals(QObject):
    progress = Signal(int, int, str)
    done = Signal(object)
    failed = Signal(object)


class Job(QRunnable):
    """One core job on a worker thread; connect to ``job.signals`` before starting it."""

    def __init__(self, fn: JobFunction, name: str = "job") -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.name = name
        self.cancel_event = threading.Event()
        self.signals = _Signals()
        self.finished = False
        self._last_progress = 0.0

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def _progress(self, done: int, total: int, key: str) -> None:
        if self.cancel_event.is_set():
            raise CancelledError()
        now = time.monotonic()
        if done >= total or now - self._last_progress >= _PROGRESS_INTERVAL_S:
            self._last_progress = now
            self.signals.progress.emit(int(done), int(total), str(key))

    def run(self) -> None:
        if self.cancel_event.is_set():  # cancelled while still queued
            self._emit_failed(CancelledError())
            return
        try:
            result = self.fn(self._progress, self.cancel_event)
        except EvidenceKitError as exc:
            log.info("%s stopped: %s", self.name, exc.key)
            self._emit_failed(exc)
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            log.exception("%s failed unexpectedly", self.name)
            self._emit_failed(EvidenceKitError("error.unexpected", kind=type(exc).__name__))
        else:
            self.finished = True
            try:
                self.signals.done.emit(result)
            except RuntimeError:  # the receiver is gone (the window closed)
                log.debug("%s finished after its window closed", self.name)

    def _emit_failed(self, exc: EvidenceKitError) -> None:
        self.finished = True
        try:
            self.signals.failed.emit(exc)
        except RuntimeError:
            log.debug("%s failed after its window closed", self.name)


class JobHost(QObject):
    """Starts jobs on its own thread pool, keeps them alive, cancels them all on lock."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._jobs: set[Job] = set()

    def start(
        self,
        fn: JobFunction,
        *,
        name: str = "job",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[EvidenceKitError], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> Job:
        job = Job(fn, name)
        if on_progress is not None:
            job.signals.progress.connect(on_progress)
        job.signals.done.connect(lambda _r, j=job: self._forget(j))
        job.signals.failed.connect(lambda _e, j=job: self._forget(j))
        if on_done is not None:
            job.signals.done.connect(on_done)
        if on_error is not None:
            job.signals.failed.connect(on_error)
        was_busy = bool(self._jobs)
        self._jobs.add(job)
        self.pool.start(job)
        if not was_busy:
            self.busy_changed.emit(True)
        return job

    def _forget(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.discard(job)
            if not self._jobs:
                try:
                    self.busy_changed.emit(False)
                except RuntimeError:  # the host was deleted (its window closed)
                    log.debug("job host gone")

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def jobs(self) -> list[Job]:
        return list(self._jobs)

    def cancel_all(self) -> None:
        """Ask every running job to stop (returns at once; jobs stop at their next step)."""
        for job in list(self._jobs):
            job.cancel()

    def wait(self, msecs: int = 5000) -> bool:
        return bool(self.pool.waitForDone(msecs))
