"""Chat export parsers: every generated message found with the right id, UTC time, sender,
text and media; detection by content (not by name); bad input reported per file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evidencekit.capture.chat.detect import detect_file, plan_export
from evidencekit.capture.chat.importer import prepare_chat
from evidencekit.capture.chat.transcript import Transcript, parse_transcript
from evidencekit.errors import InputError, NotFoundError
from tests.support import chat_exports as ce


def _transcript(path: Path, **kw: object) -> tuple[Transcript, object]:
    prepared = prepare_chat(path, **kw)  # type: ignore[arg-type]
    data = prepared.item.parts[-1].data
    assert data is not None
    return parse_transcript(data), prepared


def _assert_all(exp: ce.Expected, t: Transcript) -> None:
    got = t.by_id()
    assert len(t.messages) == len(exp.messages)
    for e in exp.messages:
        m = got[e.id]
        assert (m.time_utc, m.sender, m.text, m.kind) == (e.utc, e.sender, e.text, e.kind), e.id
        present = [x.path for x in m.media if x.gap is None and x.kind != "thumbnail"]
        assert present == [p for p in e.media if not p.endswith("_thumb.jpg")], e.id
        assert sum(1 for x in m.media if x.gap is not None) >= e.gaps


def test_telegram_json_single_chat(tmp_path: Path) -> None:
    exp = ce.telegram_json_export(tmp_path / "export")
    t, prepared = _transcript(tmp_path / "export")
    _assert_all(exp, t)
    meta = prepared.item.metadata["chat"]  # type: ignore[attr-defined]
    assert (meta["name"], meta["type"], meta["id"]) == ("피해 대화방 🚨", "private_supergroup",
                                                        "1987654321")
    assert meta["counts"]["gaps"] == 3 and meta["missing_files"] == 1
    assert "https://example.com/gallery/123" in meta["links"]
    assert "@deepfake_admin" in meta["handles"]
    assert any(link.startswith("t.me/secret_room_kr") for link in meta["links"])
    by_id = t.by_id()
    assert by_id["4"].reply_to == "3"
    assert by_id["6"].forwarded_from == "딥페이크 공유방 📢"
    assert by_id["3"].edited_utc is not None
    assert by_id["8"].kind == "service" and by_id["8"].action == "invite_members"
    assert by_id["8"].extra["members"] == ["최유나"]
    assert any(e["type"] == "mention" for e in by_id["3"].entities)
    gaps = [x.gap for m in t.messages for x in m.media if x.gap]
    assert ce.NOT_INCLUDED in gaps and "missing_file" in gaps
    # the original date text is kept beside the UTC time
    assert by_id["1"].time_text == "2024-08-27T15:15:02"
    assert by_id["1"].time_utc == "2024-08-27T06:15:02+00:00"


def test_telegram_json_account_export(tmp_path: Path) -> None:
    exp = ce.telegram_account_export(tmp_path / "acc")
    t, prepared = _transcript(tmp_path / "acc")
    _assert_all(exp, t)
    assert [c.name for c in t.chats] == ["김민수", "나쁜 방 🔞"]
    assert prepared.item.metadata["chat"]["variant"] == "telegram-json-account"  # type: ignore[attr-defined]


def test_telegram_html_two_files_1500_messages(tmp_path: Path) -> None:
    exp = ce.telegram_html_export(tmp_path / "html", 1500)
    t, prepared = _transcript(tmp_path / "html")
    _assert_all(exp, t)
    assert prepared.plan.main == ["messages.html", "messages2.html"]  # type: ignore[attr-defined]
    by_id = t.by_id()
    assert by_id["103"].reply_to == "102"
    assert by_id["105"].forwarded_from == "딥페이크 공유방 📢"
    assert t.chats[0].name == "나쁜 방 🔞"
    links = [e for e in by_id["101"].entities if e.get("href")]
    assert links and links[0]["href"] == "https://example.com/gallery/123"


def test_telegram_html_without_offset_uses_zone(tmp_path: Path) -> None:
    exp = ce.telegram_html_export(tmp_path / "html", 30, offset=False)
    t, prepared = _transcript(tmp_path / "html", zone="Asia/Seoul")
    _assert_all(exp, t)
    assert prepared.item.metadata["chat"]["zone_used"] is True  # type: ignore[attr-defined]


@pytest.mark.parametrize("variant,encoding,bom", [
    ("android-ko", "utf-8", False), ("android-ko", "utf-8", True),
    ("android-en", "utf-8", False), ("ios-ko", "utf-8", False), ("ios-ko", "utf-8", True),
    ("windows-pc", "utf-8", False), ("windows-pc", "utf-8", True),
    ("windows-pc", "cp949", False), ("macos-csv", "utf-8", False),
    ("macos-csv", "utf-8", True),
])
def test_kakaotalk_variants(tmp_path: Path, variant: str, encoding: str, bom: bool) -> None:
    path = tmp_path / "Talk_2024.8.27 15:15-1.txt"
    exp = ce.kakaotalk_export(path, variant, encoding=encoding, bom=bom)
    t, prepared = _transcript(path)
    _assert_all(exp, t)
    meta = prepared.item.metadata["chat"]  # type: ignore[attr-defined]
    assert meta["variant"] == f"kakaotalk-{variant}"
    assert meta["zone"] == "Asia/Seoul" and meta["zone_used"] is True
    assert prepared.item.timezone == "Asia/Seoul"  # type: ignore[attr-defined]
    assert meta["counts"]["gaps"] >= 4  # 사진, 동영상, 파일: … are words only
    assert any("open.kakao.com" in link for link in meta["links"])


def test_kakaotalk_zone_changes_utc(tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    ce.kakaotalk_export(path, "android-ko")
    t, _p = _transcript(path, zone="Europe/Berlin")
    first = [m for m in t.messages if m.kind == "message"][0]
    assert first.time_utc == "2024-08-27T09:58:00+00:00"  # 11:58 CEST


def test_line_export(tmp_path: Path) -> None:
    path = tmp_path / "[LINE] Chat.txt"
    exp = ce.line_export(path)
    t, _p = _transcript(path)
    _assert_all(exp, t)
    late = [m for m in t.messages if m.time_text.endswith("24:53")][0]
    assert late.time_utc == "2024-08-27T15:53:00+00:00"  # 00:53 KST next day
    assert late.text == "늦었네요\n내일 봐요"


def test_detection_by_content_not_name(tmp_path: Path) -> None:
    kakao = tmp_path / "result.json"  # a KakaoTalk text under a Telegram name
    ce.kakaotalk_export(kakao, "android-ko")
    found = detect_file(kakao)
    assert found is not None and found.format == "kakaotalk"
    tg = tmp_path / "tg"
    ce.telegram_json_export(tg, 10, photos=1, extra_media=False)
    renamed = tg / "chat.txt"
    (tg / "result.json").rename(renamed)
    found = detect_file(renamed)
    assert found is not None and found.format == "telegram-json"


def test_not_a_chat_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("장보기 목록\n우유\n계란\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        plan_export(other)
    assert err.value.key == "chat.not_a_chat"
    html = tmp_path / "page.html"
    html.write_text("<html><body><div class='message'>hi</div></body></html>")
    with pytest.raises(InputError):
        plan_export(html)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError) as err:
        plan_export(empty)
    assert err.value.key == "chat.no_chat_in_folder"
    with pytest.raises(NotFoundError):
        plan_export(tmp_path / "nope")
    with pytest.raises(InputError):
        plan_export(tmp_path, "whatsapp")


def test_truncated_json_keeps_messages_read(tmp_path: Path) -> None:
    ce.telegram_json_export(tmp_path / "tg", 40, photos=0, extra_media=False)
    path = tmp_path / "tg" / "result.json"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    t, prepared = _transcript(tmp_path / "tg")
    assert 10 < len(t.messages) < 40
    keys = [w.key for w in prepared.warnings]  # type: ignore[attr-defined]
    assert "chat.warn.json_broken" in keys


def test_unparseable_dates_kept_and_flagged(tmp_path: Path) -> None:
    folder = tmp_path / "tg"
    folder.mkdir()
    doc = {"name": "x", "type": "personal_chat", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "어제 저녁", "from": "a", "from_id": "user1",
         "text": "hi", "text_entities": []},
        {"id": 2, "type": "message", "date": "2024-08-27T15:15:02", "from": "a",
         "from_id": "user1", "text": "no epoch", "text_entities": []}]}
    (folder / "result.json").write_text(json.dumps(doc), encoding="utf-8")
    t, prepared = _transcript(folder)
    first, second = t.messages
    assert first.time_flag == "unparsed" and first.time_text == "어제 저녁"
    assert first.time_utc is None
    assert second.time_utc == "2024-08-27T06:15:02+00:00"
    assert prepared.item.metadata["chat"]["counts"]["unparsed_times"] == 1  # type: ignore[attr-defined]


def test_mixed_encodings_and_big_message(tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    ce.kakaotalk_export(path, "windows-pc", encoding="utf-8")
    extra = ("[김민수] [오후 3:15] " + "가" * 10).encode("cp949") + b"\n"  # an old PC line
    big = "[김민수] [오후 3:16] ".encode() + ("긴 메시지 " * 110_000).encode() + b"\n"
    path.write_bytes(path.read_bytes() + extra + big)
    t, prepared = _transcript(path)
    keys = [w.key for w in prepared.warnings]  # type: ignore[attr-defined]
    assert "chat.warn.mixed_encoding" in keys
    assert any(m.text == "가" * 10 for m in t.messages)
    assert max(len(m.text.encode()) for m in t.messages) > 1_000_000  # a 1 MB message


def test_missing_media_folder(tmp_path: Path) -> None:
    ce.telegram_json_export(tmp_path / "tg", 20, photos=3)
    shutil.rmtree(tmp_path / "tg" / "photos")
    t, prepared = _transcript(tmp_path / "tg")
    meta = prepared.item.metadata["chat"]  # type: ignore[attr-defined]
    assert meta["missing_files"] == 4  # three photos + the one never there
    assert "chat.warn.missing_media" in [w.key for w in prepared.warnings]  # type: ignore[attr-defined]


def test_single_file_given_takes_the_media_it_names(tmp_path: Path) -> None:
    ce.telegram_json_export(tmp_path / "tg", 20, photos=2)
    (tmp_path / "tg" / "unrelated.bin").write_bytes(b"x" * 10)
    _t, prepared = _transcript(tmp_path / "tg" / "result.json")
    names = [p.name for p in prepared.item.parts]  # type: ignore[attr-defined]
    assert names[0] == "result.json" and names[-1] == "transcript.jsonl"
    assert "unrelated.bin" not in names
    assert sum(1 for n in names if n.startswith("photos/")) == 2


def test_korean_and_emoji_file_names(tmp_path: Path) -> None:
    folder = tmp_path / "내보내기 📁"
    ce.telegram_json_export(folder, 10, photos=1, extra_media=False)
    t, prepared = _transcript(folder)
    assert prepared.item.source == "내보내기 📁"  # type: ignore[attr-defined]
    assert len(t.messages) == 10
