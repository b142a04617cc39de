"""Per-user settings: defaults merged, corrupt file falls back, location from XDG; and the
settings dialog applies language, auto-lock and the neutral title."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from evidencekit.settings import DEFAULTS, Settings, config_dir, default_vault_path


def test_defaults_and_location(tmp_path: Path) -> None:
    assert str(config_dir()).startswith(str(tmp_path)), "XDG_CONFIG_HOME is honoured"
    assert str(default_vault_path()).startswith(str(tmp_path))
    s = Settings.load()
    assert s.auto_lock_minutes == 5 and s.language is None and not s.neutral_title
    assert s.tsa_urls and all(u.startswith("http") for u in s.tsa_urls)


def test_roundtrip_and_merge(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"language": "ko", "unknown": 1}), encoding="utf-8")
    s = Settings.load(path)
    assert s.language == "ko" and s.auto_lock_minutes == DEFAULTS["auto_lock_minutes"]
    s.set("auto_lock_minutes", 12)
    s.save()
    again = Settings.load(path)
    assert again.auto_lock_minutes == 12 and again.language == "ko"
    with pytest.raises(ValueError):
        s.set("auto_lock_minutes", -1)


def test_corrupt_file_falls_back_with_a_log_line(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(b"{not json\xff")
    with caplog.at_level(logging.WARNING, logger="evidencekit.settings"):
        s = Settings.load(path)
    assert s.as_dict() == DEFAULTS
    assert any("corrupt" in r.getMessage() for r in caplog.records)
    path.write_text(json.dumps({"auto_lock_minutes": "five", "language": "fr"}))
    s = Settings.load(path)
    assert s.auto_lock_minutes == 5 and s.language is None


def test_settings_dialog_applies(qtbot, controller, main_window) -> None:
    dialog = controller.open_settings()
    dialog.auto_lock.setCurrentIndex(dialog.auto_lock.findData(10))
    dialog.neutral.setChecked(True)
    dialog.language.setCurrentIndex(dialog.language.findData("ko"))
    dialog.save()
    assert controller.settings.auto_lock_minutes == 10
    saved = json.loads(controller.settings.path.read_text(encoding="utf-8"))
    assert saved["neutral_title"] is True and saved["language"] == "ko"
    main = controller.main
    assert main is not None and main is not main_window, "rebuilt in Korean"
    assert main.windowTitle() == "메모"
    assert main.actions_by_name["capture_screen"].text() == "화면 캡처"


def test_tsa_list_goes_to_the_vault(qtbot, controller, main_window) -> None:
    dialog = controller.open_settings()
    dialog.tsa.setPlainText("http://127.0.0.1:9/tsa\n")
    dialog.save()
    assert main_window.session.vault.get_setting("tsa_urls") == ["http://127.0.0.1:9/tsa"]
    dialog = controller.open_settings()
    dialog.tsa.setPlainText("ftp://nope")
    dialog.save()
    assert dialog.isVisible(), "a bad address is refused"


def test_file_dialogs_leave_no_history(qapp, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from evidencekit.gui.file_dialogs import forget_dialog_history

    settings = QSettings(QSettings.Scope.UserScope, "QtProject")
    settings.setValue("FileDialog/history", [str(tmp_path / "evidence")])
    settings.setValue("FileDialog/lastVisited", str(tmp_path / "evidence"))
    settings.sync()
    forget_dialog_history()
    again = QSettings(QSettings.Scope.UserScope, "QtProject")
    assert again.value("FileDialog/history") is None
    assert again.value("FileDialog/lastVisited") is None
