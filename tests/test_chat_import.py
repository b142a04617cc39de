"""Importing chat exports into a vault: one item, every raw byte extracts intact, the
transcript's media point at parts with their hashes, the zone and key-message selections
are in the custody log, and bad input leaves the vault intact."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from evidencekit.capture.chat.importer import import_chat
from evidencekit.capture.chat.selection import key_ids, parse_selection, select_messages
from evidencekit.capture.chat.transcript import load_transcript
from evidencekit.errors import InputError
from evidencekit.vault.check import check_vault
from tests.support import chat_exports as ce
from tests.support.vault_util import open_vault, read_back


def test_telegram_export_round_trip(vault_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ChatExport_2024-08-27"
    exp = ce.telegram_json_export(folder)
    with open_vault(vault_dir) as vault:
        item, _prepared = import_chat(vault, folder)
        assert item.kind == "chat" and len(vault.items()) == 1
        names = [p.name for p in item.parts]
        assert names[0] == "result.json" and names[-1] == "transcript.jsonl"
        # every file of the export, byte for byte
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                       if p.is_file())
        assert sorted(names[:-1]) == files
        for index, name in enumerate(names[:-1]):
            assert read_back(vault, item.number, index) == (folder / name).read_bytes()
        transcript = load_transcript(vault, vault.item(item.number))
        by_id = transcript.by_id()
        for e in exp.messages:
            assert by_id[e.id].time_utc == e.utc
        photo = [m for m in transcript.messages if any(x.kind == "photo" and x.part is not None
                                                       for x in m.media)][0]
        media = photo.media[0]
        assert media.sha256 == hashlib.sha256((folder / str(media.path)).read_bytes()
                                              ).hexdigest()
        events = [e for e in vault.events() if e.item_id == item.id]
        assert [e.kind for e in events] == ["item_captured", "chat_imported"]
        assert events[1].body["zone"] == "Asia/Seoul"
        assert events[1].body["transcript_sha256"] == item.parts[-1].sha256
        assert events[1].body["gaps"] == 3
        assert check_vault(vault).ok


def test_kakaotalk_zone_recorded(vault_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "KakaoTalk_20240827.txt"
    ce.kakaotalk_export(path, "windows-pc", encoding="cp949")
    with open_vault(vault_dir) as vault:
        item, _p = import_chat(vault, path, zone="America/New_York", title="카톡 협박")
        assert item.timezone == "America/New_York" and item.title == "카톡 협박"
        assert item.metadata["chat"]["zone"] == "America/New_York"
        event = vault.events()[-1]
        assert event.kind == "chat_imported" and event.body["zone"] == "America/New_York"
        assert event.body["zone_used"] is True
        assert read_back(vault, item.number, 0) == path.read_bytes()


def test_selection_logged(vault_dir: Path, tmp_path: Path) -> None:
    ce.telegram_json_export(tmp_path / "tg", 30, photos=2)
    with open_vault(vault_dir) as vault:
        item, _p = import_chat(vault, tmp_path / "tg")
        transcript = load_transcript(vault, item)
        ids = parse_selection("3,10-12", transcript)
        assert ids == ["3", "10", "11", "12"]
        item = select_messages(vault, item.number, ids, "협박 시작")
        assert key_ids(item) == {i: "협박 시작" for i in ids}
        event = vault.events()[-1]
        assert event.kind == "chat_messages_selected"
        assert event.body["messages"] == ids and event.body["note"] == "협박 시작"
        with pytest.raises(InputError):
            parse_selection("9999", transcript)
        with pytest.raises(InputError):
            parse_selection("a-b", transcript)
        assert check_vault(vault).ok


@pytest.mark.parametrize("make", ["truncated", "truncated_head", "not_chat", "garbage_json",
                                  "html_other"])
def test_bad_input_leaves_vault_intact(vault_dir: Path, tmp_path: Path, make: str) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    if make == "truncated":
        ce.telegram_json_export(folder, 20, photos=1, extra_media=False)
        data = (folder / "result.json").read_bytes()
        (folder / "result.json").write_bytes(data[:700])
    elif make == "not_chat":
        (folder / "diary.txt").write_text("오늘은 비가 왔다.\n", encoding="utf-8")
    elif make == "truncated_head":  # still a Telegram export: kept, with no messages
        (folder / "result.json").write_bytes(b'{"name": "x", "type": "personal_chat", "id"')
    elif make == "garbage_json":
        (folder / "result.json").write_bytes(b'{"foo": [1, 2')
    else:
        (folder / "messages.html").write_text(
            "<html><head><title>Saved page</title></head><body><div class='history'>"
            "<div class='message'>not telegram</div></div></body></html>", encoding="utf-8")
    with open_vault(vault_dir) as vault:
        before = len(vault.items())
        try:
            import_chat(vault, folder)
        except InputError as exc:
            assert exc.key.startswith("chat.")
            assert len(vault.items()) == before
        else:
            assert make.startswith("truncated")
            item = vault.items()[-1]
            keys = [w["key"] for w in item.metadata["chat"]["warnings"]]
            assert "chat.warn.json_broken" in keys
            assert read_back(vault, item.number, 0) == (folder / "result.json").read_bytes()
        report = check_vault(vault)
        assert report.ok, [f.message() for f in report.findings]


def test_cli_import_chat_and_select(vault_dir: Path, tmp_path: Path, cli: type) -> None:
    ce.telegram_html_export(tmp_path / "html", 40)
    r = cli.run("import-chat", vault_dir, tmp_path / "html")
    assert r.code == 0, r.err
    number = r.out.strip()
    assert "40 message(s)" in r.err or "message(s)" in r.err
    r = cli.run("chat", vault_dir, number, "--select", "101-103", "--note", "핵심")
    assert r.code == 0, r.err
    r = cli.run("chat", vault_dir, number, "--key", "--json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert [m["id"] for m in data["messages"]] == ["101", "102", "103"]
    r = cli.run("import-chat", vault_dir, tmp_path / "nothing-here")
    assert r.code == 2 and "does not exist" in r.err
    r = cli.run("import-chat", vault_dir, tmp_path / "html", "--zone", "Mars/Base")
    assert r.code == 2 and "time zone" in r.err
    r = cli.run("check", vault_dir)
    assert r.code == 0, r.err
