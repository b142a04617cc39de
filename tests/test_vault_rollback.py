"""Rolling back parts of a vault: old sealed rows put back into their own rows, the log cut
back to an earlier signed head, and clean-up never deleting evidence on a tampered vault."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import run_cli
from tests.support.vault_util import add_bytes, blob_files, open_vault


def _db(vault: Path) -> sqlite3.Connection:
    return sqlite3.connect(vault / "index.sqlite", isolation_level=None)


def _row(vault: Path, number: int) -> bytes:
    db = _db(vault)
    (rec,) = db.execute("SELECT record FROM items WHERE number = ?", (number,)).fetchone()
    db.close()
    return bytes(rec)


def test_old_item_record_put_back_is_detected(vault_dir: Path) -> None:
    with open_vault(vault_dir) as v:
        add_bytes(v, b"evidence")
    old = _row(vault_dir, 1)
    assert run_cli("note", vault_dir, "1", "중요한 메모").code == 0
    db = _db(vault_dir)
    db.execute("UPDATE items SET record = ? WHERE number = 1", (old,))
    db.close()
    res = run_cli("check", vault_dir)
    assert res.code == 3
    assert "Item #1" in res.out and "older version" in res.out


def test_deleted_item_brought_back_is_detected(vault_dir: Path) -> None:
    with open_vault(vault_dir) as v:
        add_bytes(v, b"wrong file")
    old = _row(vault_dir, 1)
    blob = blob_files(vault_dir)[0]
    saved = blob.read_bytes()
    assert run_cli("delete", vault_dir, "1", "--reason", "잘못 추가").code == 0
    db = _db(vault_dir)
    db.execute("UPDATE items SET state = 'active', record = ? WHERE number = 1", (old,))
    db.close()
    blob.parent.mkdir(exist_ok=True)
    blob.write_bytes(saved)
    res = run_cli("check", vault_dir)
    assert res.code == 3 and "Item #1" in res.out


def test_old_settings_put_back_is_detected(vault_dir: Path) -> None:
    db = _db(vault_dir)
    (old,) = db.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
    db.close()
    with open_vault(vault_dir) as v:
        v.set_setting("tsa_urls", ["http://127.0.0.1:1/tsr"])
    db = _db(vault_dir)
    db.execute("UPDATE meta SET value = ? WHERE key = 'settings'", (old,))
    db.close()
    res = run_cli("check", vault_dir)
    assert res.code == 3 and "Vault settings" in res.out


def test_log_cut_back_to_a_bundle_head_leaves_evidence_and_is_reported(
        vault_dir: Path, tmp_path: Path) -> None:
    with open_vault(vault_dir) as v:
        add_bytes(v, b"first")
    assert run_cli("export", vault_dir, tmp_path / "b.pdf").code == 0
    db = _db(vault_dir)
    (head,) = db.execute("SELECT value FROM meta WHERE key = 'log_head'").fetchone()
    (last,) = db.execute("SELECT max(seq) FROM events").fetchone()
    db.close()
    with open_vault(vault_dir) as v:
        add_bytes(v, b"second, added after the bundle")
    blobs_before = {p.name for p in blob_files(vault_dir)}
    # the attacker cuts the log and the index back to the bundle's signed head
    db = _db(vault_dir)
    db.execute("DELETE FROM events WHERE seq > ?", (last,))
    db.execute("DELETE FROM items WHERE number = 2")
    db.execute("UPDATE meta SET value = ? WHERE key = 'log_head'", (head,))
    db.close()
    # an ordinary open does not delete the now unreferenced blob …
    with open_vault(vault_dir) as v:
        assert json.loads(json.dumps([i.number for i in v.items()])) == [1]
    assert {p.name for p in blob_files(vault_dir)} == blobs_before
    # … and check reports it
    res = run_cli("check", vault_dir)
    assert res.code == 3 and "Encrypted file" in res.out and "rolled back" in res.out


def test_check_never_cleans_up_first(vault_dir: Path) -> None:
    with open_vault(vault_dir) as v:
        add_bytes(v, b"one")
        add_bytes(v, b"two")
    db = _db(vault_dir)
    (last,) = db.execute("SELECT max(seq) FROM events").fetchone()
    db.execute("DELETE FROM events WHERE seq = ?", (last,))
    db.execute("DELETE FROM items WHERE number = 2")
    db.close()
    before = {p.name for p in blob_files(vault_dir)}
    res = run_cli("check", vault_dir)
    assert res.code == 3
    assert {p.name for p in blob_files(vault_dir)} == before


def test_passwd_leaves_no_old_header_in_the_log_file(vault_dir: Path, monkeypatch) -> None:
    old_header = (vault_dir / "vault.json").read_bytes()
    with open_vault(vault_dir) as v:
        v.change_passphrase("a completely new passphrase")
        wal = vault_dir / "index.sqlite-wal"
        assert not wal.exists() or old_header not in wal.read_bytes()
        assert old_header not in (vault_dir / "index.sqlite").read_bytes()
