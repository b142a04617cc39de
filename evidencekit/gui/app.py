"""The desktop application: :func:`run_app` and the :class:`Controller` that moves between
the first-run wizard, the unlock screen, the main window and the verify screen, and owns
the safety behaviour (lock, auto-lock, quick exit, neutral title).

Quick exit hides every window first (so the screen is clear at once), then locks the
session (jobs cancelled, decrypted pictures and revealed state dropped, clipboard cleared
when it holds evidence, vault closed), closes every window and quits — well under 200 ms.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from evidencekit.gui import relaunch
from evidencekit.gui.accessibility import add_zoom_shortcuts, name_controls
from evidencekit.gui.qt_translations import install_qt_translations
from evidencekit.gui.safety import SafetyWatcher
from evidencekit.gui.session import VaultSession
from evidencekit.gui.settings_dialog import PassphraseDialog, SettingsDialog
from evidencekit.gui.theme import apply_theme, icon, set_display
from evidencekit.gui.unlock import UnlockWindow
from evidencekit.gui.verify_view import VerifyWindow
from evidencekit.gui.wizard import FirstRunWizard
from evidencekit.gui.workers import JobHost
from evidencekit.i18n import current_language, set_gui_surface, set_language, tr
from evidencekit.reasons import friendly_reason  # noqa: F401 - installs the reason hook
from evidencekit.settings import Settings, default_vault_path
from evidencekit.vault import Vault

if TYPE_CHECKING:
    from evidencekit.gui.main_window import MainWindow

__all__ = ["run_app", "Controller", "is_vault"]

log = logging.getLogger(__name__)


def _is_main_window(widget: object) -> TypeGuard[MainWindow]:
    """Whether ``widget`` is a main window; the main window's module (and everything it
    pulls in) is imported only when a vault is opened, which keeps cold start quick."""
    module = sys.modules.get("evidencekit.gui.main_window")
    return module is not None and isinstance(widget, module.MainWindow)


def is_vault(folder: Path) -> bool:
    from evidencekit.vault.header import HEADER_NAME
    from evidencekit.vault.index import INDEX_NAME

    try:
        return (folder / INDEX_NAME).is_file() or (folder / HEADER_NAME).is_file()
    except OSError:
        return False


class Controller(QObject):
    """Which window is shown, and the session behind the main window."""

    def __init__(self, settings: Settings, quit_fn: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.quit_fn = quit_fn or QCoreApplication.quit
        self.jobs = JobHost(self, threads=2)
        self.session: VaultSession | None = None
        self.wizard: FirstRunWizard | None = None
        self.unlock: UnlockWindow | None = None
        self.main: MainWindow | None = None
        self.verify_windows: list[VerifyWindow] = []
        self._switching = False
        self.exited = False
        self.last_quick_exit_ms: float | None = None
        if settings.language:
            set_language(settings.language)
        install_qt_translations(current_language())
        self._contrast = bool(settings.get("high_contrast"))
        set_display(float(settings.get("text_scale") or 1.0), self._contrast)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app)
        self.safety = SafetyWatcher(self)
        self.safety.quick_exit.connect(self.quick_exit)
        self.safety.idle.connect(self.auto_lock)
        self._apply_idle()

    # -- windows ---------------------------------------------------------------------

    def window_title(self) -> str:
        if self.settings.neutral_title:
            return str(self.settings.get("neutral_title_text") or tr("gui.app.neutral_title"))
        return tr("gui.app.title")

    def window_icon(self) -> QIcon:
        return icon("neutral" if self.settings.neutral_title else "app")

    def _present(self, widget: QWidget) -> None:
        widget.setWindowTitle(self.window_title())
        widget.setWindowIcon(self.window_icon())
        widget.installEventFilter(self)
        add_zoom_shortcuts(widget, self.zoom)
        self.safety.watch(widget)
        widget.show()
        name_controls(widget)
        widget.raise_()
        widget.activateWindow()

    def _close(self, widget: QWidget | None) -> None:
        if widget is None:
            return
        self._switching = True
        try:
            widget.removeEventFilter(self)
            if _is_main_window(widget):
                widget.close_quietly()
            else:
                widget.close()
            widget.deleteLater()
        finally:
            self._switching = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Close and not self._switching and \
                obj in (self.wizard, self.unlock, self.main):
            QTimer.singleShot(0, self.exit)
        return False

    def start(self) -> None:
        request = relaunch.take_request()  # started afresh by a lock
        if request is not None and is_vault(request[0]):
            self.show_unlock(*request)
            return
        folder = self.settings.vault_path
        if is_vault(folder):
            self.show_unlock(folder)
        elif is_vault(default_vault_path()):
            self.show_unlock(default_vault_path())
        else:
            self.show_wizard()

    def show_wizard(self) -> FirstRunWizard:
        self._close(self.unlock)
        self.unlock = None
        self._close(self.wizard)
        wizard = FirstRunWizard(self.jobs)
        wizard.finished.connect(self._wizard_done)
        wizard.language_changed.connect(self.change_language)
        wizard.verify_requested.connect(self.open_verify)
        wizard.open_existing.connect(self.show_unlock)
        self.wizard = wizard
        self._present(wizard)
        return wizard

    def _wizard_done(self, vault: Vault) -> None:
        self._remember_folder(vault.folder)
        self.open_session(vault, False)

    def show_unlock(self, folder: Path, message: str = "") -> UnlockWindow:
        self._close(self.wizard)
        self.wizard = None
        self._close(self.unlock)
        window = UnlockWindow(Path(folder), self.jobs)
        window.unlocked.connect(self.open_session)
        window.verify_requested.connect(self.open_verify)
        window.create_requested.connect(self.show_wizard)
        window.folder_changed.connect(lambda _f: None)
        if message:
            window._calm(message)
        self.unlock = window
        self._present(window)
        return window

    def open_session(self, vault: Vault, used_recovery: bool) -> MainWindow:
        self._remember_folder(vault.folder)
        self.session = VaultSession(vault, self)
        self._close(self.wizard)
        self._close(self.unlock)
        self.wizard = self.unlock = None
        main = self._build_main()
        self.safety.arm(True)
        if used_recovery:
            PassphraseDialog(self.session, main, after_recovery=True).open()
        return main

    def _build_main(self) -> MainWindow:
        from evidencekit.gui.main_window import MainWindow

        assert self.session is not None
        main = MainWindow(self.session, self.settings)
        main.lock_requested.connect(self.lock)
        main.quick_exit_requested.connect(self.quick_exit)
        main.settings_requested.connect(self.open_settings)
        main.verify_requested.connect(self.open_verify)
        self.main = main
        self._present(main)
        return main

    def _remember_folder(self, folder: Path) -> None:
        value = None if Path(folder) == default_vault_path() else str(folder)
        if self.settings.get("vault_path") != value:
            self.settings.set("vault_path", value)
            self.settings.save()

    def open_verify(self) -> VerifyWindow:
        window = VerifyWindow(settings=self.settings)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.destroyed.connect(lambda *_: self._forget_verify(window))
        self.verify_windows.append(window)
        self._present(window)
        window.setWindowTitle(self.window_title() if self.settings.neutral_title else
                              tr("gui.verify.window"))
        return window

    def _forget_verify(self, window: VerifyWindow) -> None:
        if window in self.verify_windows:
            self.verify_windows.remove(window)

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self.session, self.main)
        dialog.applied.connect(self.apply_settings)
        dialog.open()
        name_controls(dialog)
        return dialog

    # -- settings --------------------------------------------------------------------

    def _apply_idle(self) -> None:
        self.safety.set_idle_timeout(self.settings.auto_lock_minutes * 60_000)

    def zoom(self, step: int) -> None:
        """Ctrl + / Ctrl − / Ctrl 0: text larger, smaller, normal; the window is rebuilt."""
        scale = float(self.settings.get("text_scale") or 1.0)
        scale = 1.0 if step == 0 else round(min(2.0, max(0.8, scale * (1.15 ** step))), 2)
        self.settings.set("text_scale", scale)
        self.settings.save()
        self._restyle()

    def _restyle(self) -> None:
        set_display(float(self.settings.get("text_scale") or 1.0),
                    bool(self.settings.get("high_contrast")))
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app)
        self.change_language(self.settings.language, save=False)

    def apply_settings(self, old_language: object = None) -> None:
        self._apply_idle()
        if bool(self.settings.get("high_contrast")) != self._contrast:
            self._contrast = bool(self.settings.get("high_contrast"))
            self._restyle()
            return
        if self.settings.language != old_language:
            self.change_language(self.settings.language, save=False)
            return
        for w in self._windows():
            w.setWindowTitle(self.window_title())
            w.setWindowIcon(self.window_icon())

    def change_language(self, code: str | None, save: bool = True) -> None:
        """Switch language and rebuild the window on screen in it."""
        set_language(code)
        install_qt_translations(current_language())
        if save:
            self.settings.set("language", code)
            self.settings.save()
        if self.wizard is not None:
            self.show_wizard()
        elif self.unlock is not None:
            self.show_unlock(self.unlock.folder)
        elif self.main is not None and self.session is not None:
            old = self.main
            self.main = None
            self._close(old)
            self._build_main()

    def _windows(self) -> list[QWidget]:
        return [w for w in (self.wizard, self.unlock, self.main, *self.verify_windows)
                if w is not None]

    # -- locking ---------------------------------------------------------------------

    def _close_everything(self, keep: QWidget | None = None) -> None:
        self._switching = True
        try:
            for w in QApplication.topLevelWidgets():
                if w is keep or (not w.isVisible() and not _is_main_window(w) and
                                 w not in self._windows()):
                    continue
                w.removeEventFilter(self)
                if _is_main_window(w):
                    w.close_quietly()
                else:
                    w.close()
            if self.main is not None:
                self.main.deleteLater()
        finally:
            self._switching = False

    def lock(self, message: str = "") -> None:
        """Lock the vault and go back to the unlock screen."""
        if self.session is None:
            return
        folder = self.session.folder
        self.safety.arm(False)
        self.session.lock()
        self.session.deleteLater()
        self.session = None
        self._close_everything()
        self.main = None
        self.verify_windows.clear()
        if relaunch.relaunch_locked(folder, message):  # a fresh process: nothing kept
            return
        self.show_unlock(folder, message)

    def auto_lock(self) -> None:
        self.lock(tr("gui.unlock.auto_locked", minutes=self.settings.auto_lock_minutes))

    def quick_exit(self) -> float:
        """Hide everything, lock, wipe, close every window, quit; return the time in ms."""
        start = time.perf_counter()
        for w in QApplication.topLevelWidgets():
            if w.isVisible():
                w.hide()
        self.safety.arm(False)
        if self.session is not None:
            self.session.lock()
        self._close_everything()
        self.session = None
        self.main = self.unlock = self.wizard = None
        self.verify_windows.clear()
        self.jobs.cancel_all()
        elapsed = (time.perf_counter() - start) * 1000
        self.last_quick_exit_ms = elapsed
        log.info("quick exit in %.1f ms", elapsed)
        self.exit()
        return elapsed

    def exit(self) -> None:
        """Leave the program (closing the last window ends it)."""
        if self.exited:
            return
        self.exited = True
        if self.session is not None:
            self.session.lock()
            self.session = None
        self._close_everything()
        self.quit_fn()

    def shutdown(self) -> None:
        """After the event loop ends: stop watching and let jobs finish briefly."""
        self.safety.stop()
        if self.session is not None:
            self.session.lock()
        self.jobs.cancel_all()
        self.jobs.wait(3000)


def run_app(argv: Sequence[str]) -> int:
    """Start the desktop application; returns the exit code.

    ``EVIDENCEKIT_STARTUP_PROBE=1``: print ``STARTUP_SHOWN <seconds>`` once the first window
    is shown, then quit (used by the start-up benchmark and the frozen-build test).
    """
    started = time.perf_counter()
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(
        [sys.argv[0] if sys.argv else "evidencekit", *argv])
    app.setApplicationName("EvidenceKit")
    set_gui_surface(True)
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    settings = Settings.load()
    controller = Controller(settings)
    relaunch.enable()
    app.setWindowIcon(controller.window_icon())
    controller.start()
    if os.environ.get("EVIDENCEKIT_STARTUP_PROBE") == "1":
        # For the start-up benchmark and the frozen-build test: report once the first
        # window is on screen, then leave.
        def probe() -> None:
            sys.stdout.write(f"STARTUP_SHOWN {time.perf_counter() - started:.3f}\n")
            sys.stdout.flush()
            controller.exit()

        QTimer.singleShot(0, probe)
    code = app.exec()
    controller.shutdown()
    return int(code)
