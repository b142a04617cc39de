"""Quick exit (button and Esc twice), lock, auto-lock, and a responsive window during a
300 MB import."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from evidencekit.gui import item_flows


def _visible_windows() -> list[object]:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def test_quick_exit_locks_and_closes_within_200_ms(qtbot, controller, main_window,
                                                   quits) -> None:
    session = main_window.session
    session.reveal(1)
    qtbot.waitUntil(lambda: (p := session.pictures(1)) is not None and
                    p.sharp_thumb is not None, timeout=10000)
    main_window.select_item(1)
    controller.open_verify()
    vault = session.vault
    lock_file = vault.lock_path()
    assert lock_file.exists()

    start = time.perf_counter()
    main_window.actions_by_name["quick_exit"].trigger()
    elapsed_ms = (time.perf_counter() - start) * 1000
    assert elapsed_ms < 200, elapsed_ms
    assert controller.last_quick_exit_ms is not None and controller.last_quick_exit_ms < 200
    assert _visible_windows() == []
    assert not session.is_open and session.picture_count() == 0 and not session.revealed
    assert not lock_file.exists(), "the writer lock is released: the vault is locked"
    assert quits.calls == 1


def test_escape_twice_is_quick_exit(qtbot, controller, main_window, quits) -> None:
    main_window.activateWindow()
    main_window.grid.setFocus()
    qtbot.keyClick(main_window.grid, Qt.Key.Key_Escape)
    assert quits.calls == 0 and controller.session is not None
    qtbot.keyClick(main_window.grid, Qt.Key.Key_Escape)
    assert quits.calls == 1
    assert controller.session is None and _visible_windows() == []


def test_escape_twice_far_apart_is_not_quick_exit(qtbot, controller, main_window,
                                                  quits) -> None:
    main_window.grid.setFocus()
    qtbot.keyClick(main_window.grid, Qt.Key.Key_Escape)
    qtbot.wait(1000)
    qtbot.keyClick(main_window.grid, Qt.Key.Key_Escape)
    assert quits.calls == 0 and controller.session is not None


def test_lock_button_returns_to_unlock(qtbot, controller, main_window) -> None:
    folder = main_window.session.folder
    main_window.actions_by_name["lock"].trigger()
    assert controller.session is None and controller.main is None
    assert controller.unlock is not None and controller.unlock.folder == folder
    assert controller.unlock.isVisible()


def test_auto_lock_fires(qtbot, controller, main_window) -> None:
    session = main_window.session
    controller.safety.set_idle_timeout(300)
    qtbot.waitUntil(lambda: controller.unlock is not None, timeout=5000)
    assert not session.is_open and controller.main is None
    assert controller.unlock.message.isVisible()


def test_activity_postpones_auto_lock(qtbot, controller, main_window) -> None:
    controller.safety.set_idle_timeout(600)
    for _ in range(6):
        qtbot.wait(150)
        qtbot.mouseMove(main_window.grid.viewport())
        qtbot.keyClick(main_window.filter_bar.search, Qt.Key.Key_A)
    assert controller.session is not None and controller.unlock is None


def test_event_loop_keeps_running_during_300mb_import(qtbot, main_window,
                                                      tmp_path: Path) -> None:
    big = tmp_path / "video-300mb.bin"
    with big.open("wb") as fh:
        chunk = bytes(range(256)) * 4096  # 1 MiB of varied bytes
        for _ in range(300):
            fh.write(chunk)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    before = len(main_window.session.items())
    start = time.monotonic()
    item_flows.import_paths(main_window, [big])
    assert main_window.job_panel.isVisible()
    qtbot.waitUntil(lambda: len(main_window.session.items()) == before + 1, timeout=180000)
    duration = time.monotonic() - start
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert len(ticks) >= max(5, duration / 0.02 * 0.3), (len(ticks), duration)
    assert max(gaps) < 0.5, max(gaps)
    item = max(main_window.session.items(), key=lambda i: i.number)
    assert item.size == 300 * 1024 * 1024


def test_escape_twice_works_inside_a_dialog(qtbot, controller, main_window, quits) -> None:
    dialog = item_flows.export(main_window)
    qtbot.waitExposed(dialog)
    dialog.case_title.setFocus()
    qtbot.keyClick(dialog.case_title, Qt.Key.Key_Escape)  # closes the dialog, counts once
    focus = QApplication.focusWidget() or main_window
    qtbot.keyClick(focus, Qt.Key.Key_Escape)
    assert quits.calls == 1 and controller.session is None
    assert _visible_windows() == []


def test_capture_screen_never_crashes(qtbot, main_window) -> None:
    """Offscreen there is no real screen: either an item is made or a message is shown."""
    from evidencekit.gui import capture_flow, messages

    before = len(main_window.session.items())
    last = messages.last_message()
    capture_flow.capture_screen(main_window)
    qtbot.waitUntil(lambda: len(main_window.session.items()) == before + 1 or
                    messages.last_message() != last, timeout=20000)
    assert main_window.isVisible(), "the window comes back after the grab"
