"""No plaintext on disk: markers in content, names, notes and titles (Korean included), and
the SHA-256 of every item, appear nowhere in the vault folder or the temp directory."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from evidencekit.model import NewItem, PartInput
from tests.conftest import run_cli
from tests.support.vault_util import open_vault

MARKERS = ["XYZZY-CONTENT-7731", "증거표식-내용-4821", "NOTE-MARK-5512", "메모표식-9931",
           "TITLE-MARK-2290", "제목표식-1177", "원본파일이름-3341", "ORIGNAME-8813",
           "https://example.invalid/secret-page-4417"]


def _all_bytes(folder: Path) -> bytes:
    chunks = []
    for p in folder.rglob("*"):
        if p.is_file():
            try:
                chunks.append(p.read_bytes())
            except OSError:
                pass
            chunks.append(str(p).encode())
    return b"\n".join(chunks)


def test_no_plaintext_on_disk(vault_dir: Path, tmp_path: Path) -> None:
    tmp_before = set(Path(tempfile.gettempdir()).iterdir())
    hashes = []
    src = tmp_path / "outside"
    src.mkdir()
    with open_vault(vault_dir) as v:
        for n, marker in enumerate(MARKERS):
            content = (f"{marker} " * 2000).encode("utf-8") + os.urandom(100)
            hashes.append(hashlib.sha256(content).hexdigest())
            item = v.add_item(NewItem(
                kind="file", title=f"{MARKERS[4]} {MARKERS[5]}",
                source=f"{MARKERS[6]}-{MARKERS[7]}-{n}.jpg",
                parts=[PartInput(name="original.jpg", media_type="image/jpeg", data=content)],
                notes=[f"{MARKERS[2]} {MARKERS[3]}"],
                metadata={"url": MARKERS[8], "original_name": MARKERS[6]},
            ))
            v.add_note(item.number, f"{MARKERS[3]} 추가")
            v.set_tags(item.number, [MARKERS[2]])
        v.delete_item(1, reason=f"{MARKERS[3]} 사유")
    assert run_cli("check", vault_dir).code == 0
    haystacks = [_all_bytes(vault_dir)]
    for p in set(Path(tempfile.gettempdir()).iterdir()) - tmp_before:
        haystacks.append(_all_bytes(p) if p.is_dir() else p.read_bytes())
    blob = b"\n".join(haystacks)
    needles = []
    for m in MARKERS:
        needles += [m.encode("utf-8"), m.encode("utf-16-le")]
    for h in hashes:
        needles += [h.encode(), h.upper().encode(), bytes.fromhex(h)]
    for needle in needles:
        assert needle not in blob, f"found {needle!r} on disk"
