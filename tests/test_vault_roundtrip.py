"""Round trips through the vault at the sizes that matter for chunking, and the JSON
shape of list/show."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from evidencekit.vault.blobs import CHUNK_SIZE
from tests.conftest import run_cli
from tests.support.vault_util import add_bytes, open_vault, read_back

SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 17]


@pytest.mark.parametrize("size", SIZES)
def test_round_trip_sizes(vault_dir: Path, size: int) -> None:
    data = os.urandom(size)
    with open_vault(vault_dir) as v:
        item = add_bytes(v, data)
        assert item.sha256 == hashlib.sha256(data).hexdigest()
        assert item.size == size
    with open_vault(vault_dir, writable=False) as v:
        assert read_back(v, item.number) == data


def test_round_trip_from_path_streams(vault_dir: Path, tmp_path: Path) -> None:
    from evidencekit.model import NewItem, PartInput

    src = tmp_path / "big.bin"
    data = os.urandom(5 * CHUNK_SIZE + 3)
    src.write_bytes(data)
    with open_vault(vault_dir) as v:
        item = v.add_item(NewItem(kind="file", title="", source="big.bin",
                                  parts=[PartInput(name="original.bin",
                                                   media_type="application/octet-stream",
                                                   path=src)]))
    out = tmp_path / "out.bin"
    res = run_cli("extract", vault_dir, str(item.number), out)
    assert res.code == 0, res.err
    assert out.read_bytes() == data


def test_numbers_are_sequential_and_json_shape(vault_dir: Path) -> None:
    with open_vault(vault_dir) as v:
        a = add_bytes(v, b"one", title="첫 번째", source="하나.txt", notes=["메모 1"])
        b = add_bytes(v, b"two", source="two.txt")
    assert (a.number, b.number) == (1, 2)
    res = run_cli("list", vault_dir, "--json")
    assert res.code == 0, res.err
    rows = json.loads(res.out)
    assert [r["number"] for r in rows] == [1, 2]
    for key in ("number", "id", "kind", "title", "sha256", "size", "captured_at", "source",
                "notes", "parts"):
        assert key in rows[0], key
    assert rows[0]["title"] == "첫 번째"
    assert rows[0]["source"] == "하나.txt"
    assert rows[0]["notes"] == ["메모 1"]
    assert rows[0]["sha256"] == hashlib.sha256(b"one").hexdigest()
    assert rows[0]["captured_at"][10] == "T" and ("+" in rows[0]["captured_at"][19:]
                                                  or rows[0]["captured_at"].endswith("Z")
                                                  or "-" in rows[0]["captured_at"][19:])
    part = rows[0]["parts"][0]
    assert set(part) >= {"name", "sha256", "size", "media_type"}
    show = json.loads(run_cli("show", vault_dir, "1", "--json").out)
    assert show["id"] == a.id


def test_note_delete_log_and_tombstone(vault_dir: Path, tmp_path: Path) -> None:
    with open_vault(vault_dir) as v:
        add_bytes(v, b"keep")
        gone = add_bytes(v, b"remove me")
        blobs_before = set(v.blobs.names())
    assert run_cli("note", vault_dir, "1", "추가 메모").code == 0
    res = run_cli("delete", vault_dir, "2", "--reason", "중복")
    assert res.code == 0, res.err
    with open_vault(vault_dir) as v:
        assert [i.number for i in v.items()] == [1]
        tomb = v.item(2)
        assert tomb.state == "deleted"
        assert tomb.deletion and tomb.deletion["sha256"] == gone.sha256
        assert tomb.deletion["reason"] == "중복"
        assert len(set(v.blobs.names())) == len(blobs_before) - 1
        assert v.item(1).notes[-1].text == "추가 메모"
        kinds = [e.kind for e in v.events()]
    assert kinds[:3] == ["vault_created", "item_imported", "item_imported"]
    assert "note_added" in kinds and kinds[-1] == "item_deleted"
    log = json.loads(run_cli("log", vault_dir, "--json").out)
    deleted = [e for e in log["events"] if e["event"] == "item_deleted"][0]
    assert deleted["sha256"] == gone.sha256 and deleted["reason"] == "중복"
    assert run_cli("extract", vault_dir, "2", tmp_path / "x").code == 2
    assert run_cli("check", vault_dir).code == 0


def test_unknown_version_refused(vault_dir: Path) -> None:
    import sqlite3

    raw = json.loads((vault_dir / "vault.json").read_text())
    raw["version"] = 99
    new = json.dumps(raw).encode()
    (vault_dir / "vault.json").write_bytes(new)
    db = sqlite3.connect(vault_dir / "index.sqlite")
    db.execute("UPDATE meta SET value = ? WHERE key = 'header'", (new,))
    db.commit()
    db.close()
    res = run_cli("list", vault_dir)
    assert res.code == 2
    assert "version 99" in res.err
    assert "Traceback" not in res.err


def test_not_a_vault(tmp_path: Path) -> None:
    res = run_cli("list", tmp_path)
    assert res.code == 2 and "not an EvidenceKit vault" in res.err


def test_missing_item_is_clear(vault_dir: Path) -> None:
    res = run_cli("show", vault_dir, "42")
    assert res.code == 2 and "no item #42" in res.err
