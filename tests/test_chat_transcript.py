"""The stored transcript: lines decoded on use, damage named, search over records."""

from __future__ import annotations

import gzip

import pytest

from evidencekit.capture.chat.transcript import (
    Media,
    Message,
    MessageList,
    TranscriptWriter,
    find_handles,
    find_links,
    parse_transcript,
)
from evidencekit.errors import IntegrityError


def _data() -> bytes:
    w = TranscriptWriter()
    w.add(Message(id="1", sender="김민수", text="안녕 \"따옴표\"\n둘째 줄", time_utc="x"))
    w.add(Message(id="2", sender="Text Sender", text="see https://example.com/a.",
                  media=[Media(kind="photo", path="photos/a.jpg", part=0)]))
    w.add(Message(id="3", kind="service", text="초대했습니다", action="invite_members"))
    return w.finish({"chats": []})


def test_round_trip_and_lazy_decode() -> None:
    t = parse_transcript(_data())
    msgs = t.messages
    assert isinstance(msgs, MessageList) and len(msgs) == 3
    assert msgs[0].text == "안녕 \"따옴표\"\n둘째 줄"
    assert [msgs.id_at(i) for i in range(3)] == ["1", "2", "3"]
    assert msgs[1].media[0].path == "photos/a.jpg"
    assert msgs[2].kind == "service"


def test_search() -> None:
    msgs = parse_transcript(_data()).messages
    assert isinstance(msgs, MessageList)
    assert msgs.search("따옴표") == [0]
    assert msgs.search("\"따옴표\"") == [0]
    assert msgs.search("EXAMPLE.COM") == [1]
    assert msgs.search("text") == [1]  # a field name: only values count
    assert msgs.search("photos/a.jpg") == [1]
    assert msgs.search("") == [0, 1, 2]


def test_damage_is_named() -> None:
    plain = gzip.decompress(_data())
    data = plain.replace(b'"id":"2"', b'"id":2,,')
    msgs = parse_transcript(data).messages
    assert msgs[0].id == "1"
    with pytest.raises(IntegrityError) as err:
        _ = msgs[1]
    assert err.value.key == "chat.transcript_damaged"
    with pytest.raises(IntegrityError):
        parse_transcript(b"not json\n{}")
    with pytest.raises(IntegrityError):
        parse_transcript(_data()[:-20])  # a cut gzip stream


def test_links_and_handles() -> None:
    assert find_links("go to https://a.kr/x?y=1, or www.b.com. t.me/room_kr!") == [
        "https://a.kr/x?y=1", "www.b.com", "t.me/room_kr"]
    assert find_handles("@admin_kr 와 @ab 와 mail@example.com") == ["@admin_kr"]
