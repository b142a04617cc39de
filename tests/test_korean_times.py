"""Every time carries its zone: formal (CLI) and GUI forms, events named 기록 N번, items
자료 #N, screenshot sources said in Korean."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from evidencekit.cli import main
from evidencekit.i18n import set_language
from evidencekit.timefmt import display_source, formal_time, gui_time, short_time


@pytest.fixture
def seoul(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TZ", "Asia/Seoul")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_formal_and_gui_times(seoul) -> None:  # type: ignore[no-untyped-def]
    utc = "2024-08-27T06:15:02+00:00"
    assert formal_time(utc) == "2024-08-27 15:15:02 KST (06:15:02 UTC)"
    # A stored local time with its IANA zone, whatever this computer's zone.
    assert formal_time("2024-08-27T00:15:02-04:00", "America/New_York") == \
        "2024-08-27 00:15:02 EDT (04:15:02 UTC)"
    # Across midnight the UTC date is given too.
    assert formal_time("2024-08-27T02:00:00+09:00") == \
        "2024-08-27 02:00:00 KST (2024-08-26 17:00:00 UTC)"
    assert gui_time(utc, lang="ko") == "2024년 8월 27일 오후 3:15 KST"
    assert gui_time("2024-08-27T00:05:00+00:00", lang="ko") == "2024년 8월 27일 오전 9:05 KST"
    assert gui_time(utc, lang="en") == "27 Aug 2024, 3:15 PM KST"
    assert short_time(utc) == "2024-08-27 15:15 KST"
    assert formal_time("not a time") == "not a time"


def test_screenshot_sources_in_korean() -> None:
    assert display_source("screenshot", "all screens", "ko") == "전체 화면(모든 모니터)"
    assert display_source("screenshot", "window: 텔레그램", "ko") == "창: 텔레그램"
    assert display_source("screenshot", "region 900,20,300,200", "ko") == \
        "영역 300×200(위치 900,20)"
    assert display_source("screenshot", "screen 1", "ko") == "화면 1"
    assert display_source("file", "all screens", "ko") == "all screens"


def test_cli_log_and_show_label_times(seoul, tmp_path: Path,  # type: ignore[no-untyped-def]
                                      capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    vault = tmp_path / "v"
    pw = tmp_path / "pw"
    pw.write_text("correct horse battery", encoding="utf-8")
    pic = tmp_path / "a.txt"
    pic.write_text("evidence", encoding="utf-8")
    monkeypatch.setitem(os.environ, "EVIDENCEKIT_LANG", "ko")
    try:
        assert main(["init", str(vault), "--passphrase-file", str(pw), "--name", "A"]) == 0
        assert main(["add", str(vault), str(pic), "--passphrase-file", str(pw)]) == 0
        assert main(["note", str(vault), "1", "메모", "--passphrase-file", str(pw)]) == 0
        capsys.readouterr()
        assert main(["log", str(vault), "--passphrase-file", str(pw)]) == 0
        out = capsys.readouterr().out
        lines = out.splitlines()
        assert lines[0].strip().startswith("기록 1번")
        assert any("자료 #1" in line for line in lines)
        assert all(" KST (" in line and " UTC)" in line for line in lines)
        assert " #1 " not in out.replace("자료 #1", "")
        assert main(["show", str(vault), "1", "--passphrase-file", str(pw)]) == 0
        out = capsys.readouterr().out
        captured = next(line for line in out.splitlines() if line.startswith("수집 일시"))
        assert captured.endswith(" UTC)") and " KST (" in captured
        note = next(line for line in out.splitlines() if "메모 [" in line)
        assert " KST (" in note
    finally:
        set_language(None)
