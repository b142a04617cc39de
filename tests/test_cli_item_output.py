"""``add`` (and ``capture``, ``link``, ``fetch``, ``incident``) print ``Item #N: name`` for
each stored item (``자료 #N: …`` in Korean), or with ``--json`` the stored items as
``list --json`` prints them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import run_cli
from tests.support import capture_files as cf


def test_add_prints_number_and_file_name(vault_dir: Path, tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    notes = tmp_path / "메모 파일.txt"
    cf.write(photo, cf.png_bytes())
    notes.write_text("첫 줄\n", encoding="utf-8")
    res = run_cli("add", vault_dir, photo, notes)
    assert res.code == 0, res.err
    assert res.out.splitlines() == ["Item #1: photo.png", "Item #2: 메모 파일.txt"]

    res = run_cli("--lang", "ko", "add", vault_dir, photo)
    assert res.code == 0, res.err
    assert res.out.splitlines() == ["자료 #3: photo.png"]

    res = run_cli("add", vault_dir, notes, "--json")
    assert res.code == 0, res.err
    stored = json.loads(res.out)
    assert [(i["number"], i["source"]) for i in stored] == [(4, "메모 파일.txt")]
    listed = json.loads(run_cli("list", vault_dir, "--json").out)
    assert stored[0] == listed[-1]


def test_incident_and_offline_link_lines(vault_dir: Path) -> None:
    res = run_cli("incident", vault_dir, "--text", "x", "--title", "사건 정리")
    assert res.out == "Item #1: 사건 정리\n", res.err
    res = run_cli("link", vault_dir, "https://example.test/post/1", "--offline")
    assert res.code == 0, res.err
    assert res.out == "Item #2: https://example.test/post/1\n"
    # a name cannot move the cursor or start a new line on the terminal
    res = run_cli("link", vault_dir, "https://example.test/p", "--offline",
                  "--title", "a\x1b[2Jb\nc")
    assert res.out.count("\n") == 1 and "\x1b" not in res.out


def test_show_names_every_line(vault_dir: Path, tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    cf.write(photo, cf.png_bytes())
    assert run_cli("add", vault_dir, photo).code == 0
    out = run_cli("--lang", "ko", "show", vault_dir, "1").out
    lines = out.splitlines()
    assert lines[1].startswith("내부 식별자: ")
    assert not any(line.strip().startswith(("id:", "size:")) for line in lines), out
    modified = next(line for line in lines if "최종 수정 일시" in line).split(": ", 1)[1]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [A-Z]+.*", modified), modified
    assert any(line.startswith("크기: ") and line.endswith(" B)") for line in lines)
