"""Regressions found by trying the program as a new user: long chat exports in a bundle,
absurd item numbers, no display, wrong item kinds, a BOM in a passphrase file, refusing to
overwrite, deleted items inside a range, no local paths in what is exported."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import run_cli, run_cli_process
from tests.support.vault_util import add_bytes, open_vault


def test_long_chat_export_flows_over_pages(vault_dir: Path, tmp_path: Path) -> None:
    chat = tmp_path / "KakaoTalk_chat.txt"
    lines = [f"[2024-05-01 21:{i % 60:02d}] 익명{i}: 사진 올린다 ({i})" for i in range(1500)]
    chat.write_text("\n".join(lines) + "\n" + "긴줄" * 12000, encoding="utf-8")
    assert run_cli("add", vault_dir, chat).code == 0
    res = run_cli("export", vault_dir, tmp_path / "b.pdf")
    assert res.code == 0, res.err
    assert run_cli("verify", tmp_path / "b.pdf").code == 10  # intact, signer unconfirmed


def test_absurd_item_numbers_are_input_errors(vault_dir: Path) -> None:
    for number in ("99999999999999999999", "0", "-1", "abc"):
        res = run_cli("show", vault_dir, number)
        assert res.code == 2, (number, res.err)
        assert "Traceback" not in res.err and "Overflow" not in res.err


def test_gui_without_display_is_a_clear_message(tmp_path: Path) -> None:
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""}
    res = run_cli_process(env=env)
    assert res.code == 2  # bad input, as for a DISPLAY that is set but unreachable
    assert "No screen is available" in res.err


def test_fetch_and_recheck_refuse_non_links(vault_dir: Path) -> None:
    with open_vault(vault_dir) as v:
        add_bytes(v, b"a file")
    for cmd in ("fetch", "recheck"):
        res = run_cli(cmd, vault_dir, "1")
        assert res.code == 2 and "not a link" in res.err


def test_passphrase_file_with_bom(tmp_path: Path, monkeypatch) -> None:
    pf = tmp_path / "pw.txt"
    pf.write_bytes("\ufeff비밀번호는 길게\r\n".encode())
    monkeypatch.delenv("EVIDENCEKIT_PASSPHRASE")
    assert run_cli("init", tmp_path / "v", "--passphrase-file", pf).code == 0
    monkeypatch.setenv("EVIDENCEKIT_PASSPHRASE", "비밀번호는 길게")
    assert run_cli("list", tmp_path / "v").code == 0


def test_no_silent_overwrite(vault_dir: Path, tmp_path: Path) -> None:
    with open_vault(vault_dir) as v:
        add_bytes(v, b"content")
    out = tmp_path / "existing.bin"
    out.write_bytes(b"something precious")
    res = run_cli("extract", vault_dir, "1", out)
    assert res.code == 2 and "already exists" in res.err
    assert out.read_bytes() == b"something precious"
    assert run_cli("extract", vault_dir, "1", out, "--force").code == 0
    assert out.read_bytes() == b"content"
    bundle = tmp_path / "b.pdf"
    assert run_cli("export", vault_dir, bundle).code == 0
    assert run_cli("export", vault_dir, bundle).code == 2
    assert run_cli("export", vault_dir, bundle, "--force").code == 0


def test_range_with_deleted_items(vault_dir: Path, tmp_path: Path) -> None:
    with open_vault(vault_dir) as v:
        for n in range(4):
            add_bytes(v, f"item {n}".encode())
    assert run_cli("delete", vault_dir, "2", "--reason", "mistake").code == 0
    res = run_cli("export", vault_dir, tmp_path / "b.pdf", "--items", "1-4")
    assert res.code == 0, res.err
    assert "Deleted items left out: 2" in res.err
    report = json.loads(run_cli("verify", tmp_path / "b.pdf", "--json").out)
    assert [i["number"] for i in report["items"]] == [1, 3, 4]


def test_no_local_paths_exported(vault_dir: Path, tmp_path: Path) -> None:
    private = tmp_path / "김지은_피해자료"
    private.mkdir()
    (private / "photo.txt").write_text("x")
    assert run_cli("add", vault_dir, private / "photo.txt").code == 0
    shown = run_cli("show", vault_dir, "1", "--json").out
    assert "김지은" not in shown and str(tmp_path) not in shown
    assert os.sep + "photo.txt" not in shown


def test_verify_missing_file_is_input_error(tmp_path: Path) -> None:
    res = run_cli("verify", tmp_path / "nope.pdf")
    assert res.code == 2 and "no such file" in res.err


def test_incident_in_the_future_refused_and_zone_kept(vault_dir: Path) -> None:
    assert run_cli("incident", vault_dir, "--text", "x", "--when", "2099-01-01").code == 2
    res = run_cli("incident", vault_dir, "--text", "x", "--when", "2026-01-05T21:00", "--json")
    assert res.code == 0
    number = str(json.loads(res.out)[0]["number"])
    shown = json.loads(run_cli("show", vault_dir, number, "--json").out)
    assert shown["metadata"]["when"].startswith("2026-01-05T21:00:00") and (
        shown["metadata"]["when"][19:] != "")


def test_duplicate_import_is_told(vault_dir: Path, tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text("same")
    assert run_cli("add", vault_dir, a).code == 0
    res = run_cli("add", vault_dir, a)
    assert res.code == 0 and "already item #1" in res.err


def test_export_lang_both_reaches_the_export_parser(vault_dir: Path, tmp_path: Path) -> None:
    with open_vault(vault_dir) as v:
        add_bytes(v, b"evidence", "a.txt")
    out = tmp_path / "b.pdf"
    res = run_cli("export", vault_dir, out, "--lang", "both", "--no-timestamp")
    assert res.code == 0, res.err
    assert out.exists()
