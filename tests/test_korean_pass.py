"""A native reader's pass (issue #14): a GUI message never ends a library reason in
합니다체 inside its own 해요체, and verification results show times as people read them
(local time with its zone and UTC beside it), while ``--json`` keeps the ISO values."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import evidencekit.reasons  # noqa: F401 - installs the reason hook
from evidencekit.bundle.verify_report import Check, VerifyReport, format_report
from evidencekit.errors import InputError
from evidencekit.i18n import catalogue, set_gui_surface, set_language

_FORMAL = re.compile(r"(습니다|십시오|입니다)\.?$")


@pytest.fixture
def gui_korean() -> Iterator[None]:
    set_language("ko")
    set_gui_surface(True)
    try:
        yield
    finally:
        set_gui_surface(False)
        set_language(None)


@pytest.mark.parametrize("raw", ["No space left on device", "Permission denied",
                                 "No such file or directory", "Read-only file system",
                                 "[Errno 111] Connection refused", "timed out"])
def test_gui_reason_keeps_the_gui_tone(gui_korean: None, raw: str) -> None:
    text = InputError("gui.error.write", path="/media/usb/bundle.pdf", reason=raw).message()
    assert "/media/usb/bundle.pdf" in text and raw not in text, text
    assert text.endswith("요"), text
    assert not _FORMAL.search(text), text


def test_every_reason_has_a_gui_wording() -> None:
    ko = catalogue("ko")
    reasons = [k for k in ko if k.startswith("reason.")]
    assert reasons
    missing = [k for k in reasons if "gui." + k not in ko]
    assert not missing, missing
    for key in reasons:
        assert ko["gui." + key].endswith(("요", "요)")), ko["gui." + key]


def test_cli_reason_stays_formal() -> None:
    set_language("ko")
    try:
        text = InputError("error.cannot_read_file", path="/tmp/x.pdf",
                          reason="No such file or directory").message()
    finally:
        set_language(None)
    assert text == "/tmp/x.pdf을(를) 읽을 수 없습니다. 파일이 없습니다.", text


def test_verify_times_are_labelled_and_json_keeps_iso(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: object) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Seoul")
    time.tzset()
    try:
        report = VerifyReport(path=tmp_path)  # type: ignore[arg-type]
        report.add("signature.intact", True, "bundle.verify.sig_ok", signer="김하늘",
                   time="2026-12-02T13:06:51+00:00")
        report.add("timestamp.document", True, "bundle.verify.doc_timestamp",
                   time="2026-12-02T13:07:00+00:00", tsa="Example TSA")
        report.add("signature.intact", True, "bundle.verify.sig_ok", signer="?", time="—")
        text = format_report(report, "ko")
        assert "서명 시각: 2026-12-02 22:06:51 KST (13:06:51 UTC)." in text, text
        assert "시점확인 시각: 2026-12-02 22:07:00 KST (13:07:00 UTC)." in text, text
        assert "서명 시각: —." in text, text  # no time: said as it is
        assert "+00:00" not in text and "T13:" not in text, text
        public = report.public("ko")
        assert public["checks"][0]["params"]["time"] == "2026-12-02T13:06:51+00:00"
        assert "22:06:51 KST" in public["checks"][0]["detail"]
        # a check's parameters themselves are never rewritten
        assert report.checks[0].params["time"] == "2026-12-02T13:06:51+00:00"
        assert isinstance(report.checks[0], Check)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_add_names_a_missing_file_once(vault_dir: Path, tmp_path: Path) -> None:
    from tests.conftest import run_cli

    missing = tmp_path / "없는사진.jpg"
    res = run_cli("--lang", "ko", "add", vault_dir, missing)
    assert res.code != 0
    assert res.err.count(str(missing)) == 1, res.err
    assert f"{missing} 파일이 없습니다." in res.err, res.err


def test_show_gives_a_small_size_once(vault_dir: Path, tmp_path: Path) -> None:
    from tests.conftest import run_cli

    note = tmp_path / "note.txt"
    note.write_text("짧은 메모\n", encoding="utf-8")
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * 4096)
    assert run_cli("add", vault_dir, note, big).code == 0
    small = run_cli("--lang", "ko", "show", vault_dir, "1").out
    assert "크기: 14 B\n" in small, small
    assert "크기: 4.0 KB (4,096 B)" in run_cli("--lang", "ko", "show", vault_dir, "2").out


def test_gui_wordings_of_formal_messages_are_in_the_gui_tone() -> None:
    """Each GUI wording of a CLI message: 해요체, the same placeholders as far as shown,
    never the raw library reason."""
    import json

    from evidencekit.resources import resource_path

    ko = json.loads((resource_path("i18n", "ko") / "gui_tone.json").read_text("utf-8"))
    formal = catalogue("ko")
    for key, text in ko.items():
        assert key.startswith("gui.") and key[4:] in formal, key
        assert not _FORMAL.search(text) and re.search(r"요[.)]?$", text), (key, text)
        assert "{reason}" not in text, key
