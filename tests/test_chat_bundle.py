"""Chat items in the evidence bundle: the chat section lists the key messages with their
media hashes, every raw file is attached and listed in the manifest, ``verify`` passes."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from evidencekit.capture.chat.importer import import_chat
from evidencekit.capture.chat.selection import parse_selection, select_messages
from evidencekit.capture.chat.transcript import load_transcript
from tests.support import chat_exports as ce
from tests.support.vault_util import open_vault


def _pdftext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture
def chat_vault(vault_dir: Path, tmp_path: Path) -> tuple[Path, Path, int, str]:
    folder = tmp_path / "export"
    ce.telegram_json_export(folder, 40, photos=3)
    with open_vault(vault_dir) as vault:
        item, _p = import_chat(vault, folder)
        transcript = load_transcript(vault, item)
        photo_msg = next(m for m in transcript.messages
                         if any(x.kind == "photo" and x.part is not None for x in m.media))
        ids = parse_selection(f"3,{photo_msg.id},42", transcript)
        select_messages(vault, item.number, ids, "협박이 시작된 부분")
        fingerprint = vault.fingerprint
    return vault_dir, folder, item.number, fingerprint


def test_selected_message_in_bundle_with_media_hash(chat_vault: tuple[Path, Path, int, str],
                                                    tmp_path: Path, cli: type,
                                                    artifacts: Path) -> None:
    vault_dir, folder, number, fingerprint = chat_vault
    out = tmp_path / "bundle.pdf"
    r = cli.run("export", vault_dir, out, "--no-timestamp")  # both languages
    assert r.code == 0, r.err
    text = _pdftext(out)
    photo = sorted((folder / "photos").iterdir())[1]  # the second photo is in message 3k+…
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
               for p in (folder / "photos").iterdir()}
    flat = "".join(text.split())
    # the photo of the selected message is printed with its hash (wrapped in its cell)
    assert any(d[:20] in flat for d in digests.values()), "no media hash in the table"
    assert "협박이 시작된 부분" in text
    assert "대화 내보내기" in text and "피해 대화방" in text
    assert "@deepfake_admin" in text
    # a message not selected is not printed
    assert "ㅋㅋㅋ" not in text
    # every raw file is attached and in the manifest with its hash
    r = cli.run("extract", vault_dir, str(number), tmp_path / "x.json")
    assert r.code == 0, r.err
    assert (tmp_path / "x.json").read_bytes() == (folder / "result.json").read_bytes()
    listing = subprocess.run(["pdfdetach", "-list", str(out)], capture_output=True,
                             text=True, check=True).stdout
    assert "result.json" in listing and "transcript.jsonl" in listing
    pdir = tmp_path / "att"
    pdir.mkdir()
    subprocess.run(["pdfdetach", "-saveall", "-o", str(pdir), str(out)], check=True)
    manifest = json.loads((pdir / "manifest.json").read_text(encoding="utf-8"))
    hashes = {f["sha256"] for f in manifest["files"]}
    for p in folder.rglob("*"):
        if p.is_file():
            assert hashlib.sha256(p.read_bytes()).hexdigest() in hashes, p.name
    assert photo.name
    r = cli.run("verify", out, "--expect-fingerprint", fingerprint)
    assert r.code == 0, r.out + r.err
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "2", "-l", "3", str(out),
                    str(artifacts / "chat-bundle")], check=True)


def test_chat_all_lists_every_message(chat_vault: tuple[Path, Path, int, str],
                                      tmp_path: Path, cli: type) -> None:
    vault_dir, _folder, _number, fingerprint = chat_vault
    out = tmp_path / "all.pdf"
    r = cli.run("export", vault_dir, out, "--no-timestamp", "--chat-all")
    assert r.code == 0, r.err
    text = _pdftext(out)
    assert "ㅋㅋㅋ" in text
    assert "45건을모두" in "".join(text.split())
    r = cli.run("verify", out, "--expect-fingerprint", fingerprint)
    assert r.code == 0, r.out + r.err
