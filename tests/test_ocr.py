"""Text in screenshots: OCR finds a Korean sentence, a t.me link and an @handle in a
rendered screenshot; the text is kept only encrypted in the item (searchable, offered as
links seen), nothing is written to a temporary folder, and each reading is a custody
event."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from evidencekit.gui.filters import Query, matches
from evidencekit.model import NewItem, PartInput
from evidencekit.ocr.engine import available, read_bytes
from evidencekit.ocr.links import find_handles, find_links
from evidencekit.ocr.store import links_seen
from tests.conftest import run_cli
from tests.support.ocr_screens import HANDLE, LINK, SENTENCE, chat_screenshot
from tests.support.vault_util import open_vault


def test_tesseract_with_korean_is_installed() -> None:
    assert available(), "install tesseract-ocr-kor and tesseract-ocr-eng (system script)"


@pytest.mark.parametrize("font_px", [30, 22])
def test_reads_korean_link_and_handle(font_px: int) -> None:
    result = read_bytes(chat_screenshot(font_px=font_px))
    assert SENTENCE in result.text
    assert LINK in find_links(result.text)
    assert HANDLE in find_handles(result.text)
    assert result.langs == "kor+eng" and result.engine.startswith("tesseract")


def test_link_and_handle_rules() -> None:
    text = ("주소 t.me/room_1, 그리고 (https://example.com/p?q=1). 메일 a.b@mail.com "
            "계정 @real_one 과 @x www.naver.com/blog/1 끝.")
    assert find_links(text) == ["t.me/room_1", "https://example.com/p?q=1",
                                "https://www.naver.com/blog/1"]
    assert find_handles(text) == ["@real_one"]


def test_bad_picture_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        read_bytes(b"not a picture")


def test_text_kept_encrypted_searchable_and_logged(vault_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with open_vault(vault_dir) as v:
        number = v.add_item(NewItem(kind="screenshot", title="캡처", source="", parts=[
            PartInput("screenshot.png", "image/png", chat_screenshot())])).number
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    res = run_cli("rehash", vault_dir, "--text")
    assert res.code == 0, res.err
    assert f"#{number}" in res.out
    assert list(scratch.iterdir()) == []  # nothing written beside the vault
    shown = json.loads(run_cli("show", vault_dir, str(number), "--json").out)
    assert SENTENCE in shown["metadata"]["ocr"]["text"]
    with open_vault(vault_dir, writable=False) as v:
        item = v.item(number)
        events = [e for e in v.events() if e.kind == "text_read"]
    links, handles = links_seen(item)
    assert LINK in links and HANDLE in handles
    assert matches(item, Query(text="공유되고"))  # the GUI search finds the text
    assert len(events) == 1 and "text" not in events[0].body
    assert events[0].body["chars"] == len(item.metadata["ocr"]["text"])
    # the text is nowhere in the vault folder in plaintext
    needles = [SENTENCE.encode(), LINK.encode(), HANDLE.encode()]
    for root, _dirs, files in os.walk(vault_dir):
        for name in files:
            data = (Path(root) / name).read_bytes()
            assert not any(n in data for n in needles), name
    # done once: a second run reads nothing again
    assert "Text read from 0 item" in run_cli("rehash", vault_dir, "--text").out
