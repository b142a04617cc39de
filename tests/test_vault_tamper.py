"""Tampering, one test per kind: each is reported by ``check`` (exit 3) naming the item or
event, and untouched items still extract."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from evidencekit.vault.blobs import CHUNK_SIZE
from tests.conftest import run_cli
from tests.support.vault_util import add_bytes, blob_files, flip_byte, open_vault

DATA = {1: os.urandom(2 * CHUNK_SIZE + 100), 2: b"second item", 3: os.urandom(5000)}


@pytest.fixture
def filled(vault_dir: Path) -> Path:
    with open_vault(vault_dir) as v:
        for n in (1, 2, 3):
            item = add_bytes(v, DATA[n], source=f"file{n}.bin")
            assert item.number == n
        v.add_note(2, "note on two")
    return vault_dir


def blob_of(vault: Path, number: int) -> Path:
    with open_vault(vault, writable=False) as v:
        return v.blobs.path(v.item(number).parts[0].blob)


def check(vault: Path) -> tuple[int, str]:
    res = run_cli("check", vault)
    assert "Traceback" not in res.err
    return res.code, res.out + res.err


def assert_extracts(vault: Path, numbers: list[int], tmp_path: Path) -> None:
    for n in numbers:
        out = tmp_path / f"out{n}"
        res = run_cli("extract", vault, str(n), out)
        assert res.code == 0, res.err
        assert out.read_bytes() == DATA[n]


def logical_dump(vault: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(vault / "index.sqlite")
    rows: list[tuple[object, ...]] = []
    for table in ("meta", "items", "events"):
        rows += [(table, *r) for r in db.execute(f"SELECT * FROM {table} ORDER BY 1")]
    db.close()
    return rows


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.3, 0.5, 0.77, 0.999])
def test_flip_byte_in_blob(filled: Path, tmp_path: Path, fraction: float) -> None:
    blob = blob_of(filled, 1)
    flip_byte(blob, int(blob.stat().st_size * fraction))
    code, text = check(filled)
    assert code == 3
    assert "Item #1: part original.bin" in text
    assert_extracts(filled, [2, 3], tmp_path)
    assert run_cli("extract", filled, "1", tmp_path / "bad").code == 3
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize("offset", [5, 40, 120, 300, 500, -30])
def test_flip_byte_in_header(filled: Path, tmp_path: Path, offset: int) -> None:
    path = filled / "vault.json"
    flip_byte(path, offset % path.stat().st_size)
    code, text = check(filled)
    assert code == 3, text
    assert "vault.json" in text
    assert_extracts(filled, [1, 2, 3], tmp_path)


def test_flip_bytes_in_index(filled: Path, tmp_path: Path) -> None:
    """Every flipped byte is either reported or landed where it changes nothing."""
    path = filled / "index.sqlite"
    original = path.read_bytes()
    before = logical_dump(filled)
    reported = 0
    size = len(original)
    for offset in range(97, size, max(1, size // 40)):
        path.write_bytes(original)
        flip_byte(path, offset)
        code, text = check(filled)
        if code == 3:
            reported += 1
            continue
        assert code == 0, text
        path.write_bytes(original)  # restore before dumping: check may have appended
        flip_byte(path, offset)
        try:
            after = logical_dump(filled)
        except sqlite3.DatabaseError:
            after = None
        assert after == before, f"offset {offset}: content changed but check passed"
    path.write_bytes(original)
    assert reported > 0


def test_truncate_blob(filled: Path, tmp_path: Path) -> None:
    blob = blob_of(filled, 1)
    data = blob.read_bytes()
    blob.write_bytes(data[: 16 + CHUNK_SIZE + 16])  # cut at a chunk boundary
    code, text = check(filled)
    assert code == 3 and "Item #1" in text and "truncated" in text
    assert_extracts(filled, [2, 3], tmp_path)


def test_swap_blobs(filled: Path, tmp_path: Path) -> None:
    a, b = blob_of(filled, 2), blob_of(filled, 3)
    da, db_ = a.read_bytes(), b.read_bytes()
    a.write_bytes(db_)
    b.write_bytes(da)
    code, text = check(filled)
    assert code == 3 and "Item #2" in text and "Item #3" in text
    assert_extracts(filled, [1], tmp_path)


def test_delete_blob(filled: Path, tmp_path: Path) -> None:
    blob_of(filled, 3).unlink()
    code, text = check(filled)
    assert code == 3 and "Item #3" in text and "missing" in text
    assert_extracts(filled, [1, 2], tmp_path)


def _db(vault: Path) -> sqlite3.Connection:
    return sqlite3.connect(vault / "index.sqlite", isolation_level=None)


def test_alter_custody_event(filled: Path, tmp_path: Path) -> None:
    db = _db(filled)
    (rec,) = db.execute("SELECT record FROM events WHERE seq = 3").fetchone()
    rec = bytearray(rec)
    rec[40] ^= 1
    db.execute("UPDATE events SET record = ? WHERE seq = 3", (bytes(rec),))
    db.close()
    code, text = check(filled)
    assert code == 3 and "Custody event 3" in text
    assert_extracts(filled, [1, 2, 3], tmp_path)


def test_delete_custody_event(filled: Path, tmp_path: Path) -> None:
    db = _db(filled)
    db.execute("DELETE FROM events WHERE seq = 3")
    db.close()
    code, text = check(filled)
    assert code == 3 and "Custody event 3" in text
    assert_extracts(filled, [1, 2, 3], tmp_path)


def test_delete_last_custody_event(filled: Path) -> None:
    db = _db(filled)
    (last,) = db.execute("SELECT max(seq) FROM events").fetchone()
    db.execute("DELETE FROM events WHERE seq = ?", (last,))
    db.close()
    code, text = check(filled)
    assert code == 3 and "Custody log" in text and f"event {last}" in text


def test_reorder_custody_events(filled: Path) -> None:
    db = _db(filled)
    (r2,) = db.execute("SELECT record FROM events WHERE seq = 2").fetchone()
    (r3,) = db.execute("SELECT record FROM events WHERE seq = 3").fetchone()
    db.execute("UPDATE events SET record = ? WHERE seq = 2", (r3,))
    db.execute("UPDATE events SET record = ? WHERE seq = 3", (r2,))
    db.close()
    code, text = check(filled)
    assert code == 3 and "Custody event 2" in text and "Custody event 3" in text


def test_alter_index_row(filled: Path, tmp_path: Path) -> None:
    db = _db(filled)
    (rec,) = db.execute("SELECT record FROM items WHERE number = 2").fetchone()
    rec = bytearray(rec)
    rec[-5] ^= 0x10
    db.execute("UPDATE items SET record = ? WHERE number = 2", (bytes(rec),))
    db.close()
    code, text = check(filled)
    assert code == 3 and "Item #2" in text
    assert_extracts(filled, [1, 3], tmp_path)
    res = run_cli("list", filled)
    assert res.code == 3 and "Item #2" in res.err


def test_renumber_index_row(filled: Path) -> None:
    db = _db(filled)
    db.execute("UPDATE items SET number = 9 WHERE number = 3")
    db.close()
    code, text = check(filled)
    assert code == 3 and "Item #9" in text


def test_remove_index_row(filled: Path) -> None:
    db = _db(filled)
    db.execute("DELETE FROM items WHERE number = 2")
    db.close()
    code, text = check(filled)
    assert code == 3 and "Item #2" in text and "missing from the index" in text
    # The blob of the removed row is not garbage-collected: the evidence stays.
    assert len(blob_files(filled)) == 3


def test_untampered_check_passes(filled: Path) -> None:
    code, text = check(filled)
    assert code == 0, text
    assert "Everything is intact" in text
