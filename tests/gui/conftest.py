"""Fixtures for the GUI tests: the themed application, isolated settings, a controller
that never really quits, and a synthetic demo vault (Pillow-drawn, no real data)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication

from tests.support.gui_demo import PASSPHRASE, make_demo_vault

# QtWebEngine (link rendering) needs this before the application exists.
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["evidencekit-tests"]


@pytest.fixture(autouse=True)
def _themed(qapp: QApplication) -> Iterator[None]:
    from evidencekit.gui.theme import apply_theme
    from evidencekit.i18n import set_gui_surface, set_language

    apply_theme(qapp)
    qapp.setQuitOnLastWindowClosed(False)
    set_language(None)
    set_gui_surface(True)  # as run_app does: the GUI's own wording of messages
    yield
    set_gui_surface(False)
    set_language(None)


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    from evidencekit.settings import Settings

    return Settings(tmp_path / "config" / "settings.json")


class QuitRecorder:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


@pytest.fixture
def quits() -> QuitRecorder:
    return QuitRecorder()


@pytest.fixture
def controller(qtbot, settings, quits):  # type: ignore[no-untyped-def]
    from evidencekit.gui.app import Controller

    c = Controller(settings, quit_fn=quits)
    yield c
    if c.session is not None:
        c.session.lock()
    for w in QApplication.topLevelWidgets():
        w.close()
    c.shutdown()
    if c.session is not None:
        c.session.jobs.wait(5000)
    QApplication.processEvents()


@pytest.fixture
def demo_vault(tmp_path: Path) -> Path:
    return make_demo_vault(tmp_path / "demo-vault")


@pytest.fixture
def main_window(qtbot, controller, demo_vault):  # type: ignore[no-untyped-def]
    from evidencekit.vault import Vault

    vault = Vault.open(demo_vault, passphrase=PASSPHRASE)
    window = controller.open_session(vault, False)
    qtbot.waitExposed(window)
    return window
