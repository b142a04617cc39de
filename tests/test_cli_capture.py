"""The capture commands end to end through the CLI: add (a hostile batch), incident, and a
screenshot under Xvfb committed to the vault."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import run_cli, run_cli_process
from tests.support import capture_files as cf
from tests.support.capture_xvfb import BLUE, RED, colour_window, x_env, xvfb
from tests.support.vault_util import open_vault, read_back


def test_add_hostile_batch_keeps_going(vault_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    cf.write(src / "폭탄.png", cf.bomb_png())
    cf.write(src / "truncated.jpg", cf.truncated_jpeg())
    cf.write(src / "empty.bin", b"")
    cf.write(src / "사진 😀.png", cf.png_bytes())
    res = run_cli("add", vault_dir, src, tmp_path / "does-not-exist.jpg", "--json")
    assert res.code == 2  # one file missing: reported, the rest stored
    assert "does-not-exist.jpg" in res.err and "Traceback" not in res.err
    numbers = [i["number"] for i in json.loads(res.out)]
    assert len(numbers) == 4
    listed = json.loads(run_cli("list", vault_dir, "--json").out)
    sources = {r["source"] for r in listed}
    assert "사진 😀.png" in sources and "폭탄.png" in sources
    bomb = next(r for r in listed if r["source"] == "폭탄.png")
    assert bomb["metadata"]["image"]["bomb"] is True
    with open_vault(vault_dir) as v:
        assert read_back(v, bomb["number"]) == cf.bomb_png()
    assert run_cli("check", vault_dir).code == 0


def test_incident_korean_round_trip(vault_dir: Path, tmp_path: Path) -> None:
    text = ("2026년 11월 20일 밤, 텔레그램 방 '○○'에서 "
            "제 얼굴을 합성한 사진을 발견했습니다.\n두 번째 줄.")
    res = run_cli("incident", vault_dir, "--text", text, "--when", "2026-11-20T21:30+09:00",
                  "--where", "Telegram", "--who", "익명 계정 @abc", "--json")
    assert res.code == 0, res.err
    number = json.loads(res.out)[0]["number"]
    shown = json.loads(run_cli("show", vault_dir, str(number), "--json").out)
    assert shown["kind"] == "incident"
    assert shown["metadata"] == {"when": "2026-11-20T21:30:00+09:00", "where": "Telegram",
                                 "who": "익명 계정 @abc"}
    out = tmp_path / "incident.txt"
    assert run_cli("extract", vault_dir, str(number), out).code == 0
    assert out.read_bytes() == text.encode("utf-8")
    assert run_cli("incident", vault_dir, "--text", "x", "--when", "yesterday").code == 2


@pytest.mark.requires_tools("Xvfb")
def test_capture_command_under_xvfb(vault_dir: Path) -> None:
    with xvfb(1024, 768) as display, colour_window(display, 100, 100, 400, 200, "증거 창"):
        res = run_cli_process("capture", vault_dir, "--region", "100,100,400,200",
                              "--title", "화면", "--note", "메모", env=x_env(display))
        assert res.code == 0, res.err
        number = int(res.out.split(":")[0].split("#")[1])  # "Item #N: 화면"
        res = run_cli_process("capture", vault_dir, "--window-title", "증거 창",
                              env=x_env(display))
        assert res.code == 0, res.err
    with open_vault(vault_dir) as v:
        item = v.item(number)
        assert item.kind == "screenshot" and item.title == "화면"
        assert item.notes[0].text == "메모"
        img = Image.open(io.BytesIO(read_back(v, number))).convert("RGB")
        assert img.size == (400, 200)
        assert img.getpixel((50, 100)) == RED and img.getpixel((350, 100)) == BLUE
        assert item.metadata["target"]["kind"] == "region"
    assert run_cli("check", vault_dir).code == 0


def test_capture_without_display_is_clear(vault_dir: Path) -> None:
    env = {"DISPLAY": "", "QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": ""}
    res = run_cli_process("capture", vault_dir, env=env)
    assert res.code == 8, res.err
    assert "Traceback" not in res.err
