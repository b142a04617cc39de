"""Passphrase, recovery key and passphrase change."""

from __future__ import annotations

from pathlib import Path

from evidencekit.vault import Vault
from tests.conftest import PASSPHRASE, run_cli
from tests.support.vault_util import add_bytes, open_vault, read_back


def test_init_prints_recovery_key_and_wrong_passphrase_exits_4(tmp_path: Path,
                                                             monkeypatch) -> None:
    vault = tmp_path / "v"
    res = run_cli("init", vault, "--name", "가명")
    assert res.code == 0, res.err
    key_line = [ln.strip() for ln in res.out.splitlines() if ln.count("-") == 7]
    assert len(key_line) == 1 and len(key_line[0]) == 47
    monkeypatch.setenv("EVIDENCEKIT_PASSPHRASE", "not the passphrase")
    res = run_cli("list", vault)
    assert res.code == 4
    assert "Wrong passphrase" in res.err and "Traceback" not in res.err
    # The recovery key opens instead.
    key_file = tmp_path / "key.txt"
    key_file.write_text(key_line[0].lower() + "\n")
    res = run_cli("list", vault, "--recovery-key-file", key_file)
    assert res.code == 0, res.err
    # A mistyped recovery key is told apart from a wrong one.
    bad = key_line[0][:-1] + ("A" if key_line[0][-1] != "A" else "B")
    key_file.write_text(bad)
    res = run_cli("list", vault, "--recovery-key-file", key_file)
    assert res.code == 2 and "typing mistake" in res.err


def test_passwd_rewraps_only(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "v"
    vault, recovery = Vault.create(path, PASSPHRASE, "holder")
    items = [add_bytes(vault, f"item {n}".encode() * 1000) for n in range(3)]
    blobs = {p.name: p.stat().st_mtime_ns for p in (path / "blobs").rglob("*") if p.is_file()}
    vault.close()
    monkeypatch.setenv("EVIDENCEKIT_NEW_PASSPHRASE", "a brand new passphrase")
    res = run_cli("passwd", path)
    assert res.code == 0, res.err
    # Nothing re-encrypted: blob files untouched.
    after = {p.name: p.stat().st_mtime_ns for p in (path / "blobs").rglob("*") if p.is_file()}
    assert after == blobs
    res = run_cli("list", path)
    assert res.code == 4
    with Vault.open(path, passphrase="a brand new passphrase") as v:
        for it in items:
            assert read_back(v, it.number) == f"item {it.number - 1}".encode() * 1000
        assert v.events()[-1].kind == "passphrase_changed"
    with Vault.open(path, recovery_key=recovery) as v:
        assert len(v.items()) == 3
    assert run_cli("check", path, "--passphrase-file", _pf(tmp_path)).code == 0


def _pf(tmp_path: Path) -> Path:
    f = tmp_path / "pf.txt"
    f.write_text("a brand new passphrase\n", encoding="utf-8")
    return f


def test_short_passphrase_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("EVIDENCEKIT_PASSPHRASE", "short")
    res = run_cli("init", tmp_path / "v")
    assert res.code == 2 and "at least 8" in res.err


def test_korean_passphrase_normalised(tmp_path: Path) -> None:
    import unicodedata

    pw = "비밀번호 아주 길게"
    vault, _ = Vault.create(tmp_path / "v", unicodedata.normalize("NFD", pw), "x")
    vault.close()
    with Vault.open(tmp_path / "v", passphrase=unicodedata.normalize("NFC", pw)) as v:
        assert v.items() == []


def test_wrong_passphrase_leaves_vault_untouched(vault_dir: Path) -> None:
    before = {p: p.read_bytes() for p in vault_dir.rglob("*") if p.is_file()}
    res = run_cli("check", vault_dir, "--passphrase-file", "/dev/null")
    assert res.code in (2, 4)
    after = {p: p.read_bytes() for p in vault_dir.rglob("*") if p.is_file()
             if p.name not in ("index.sqlite-wal", "index.sqlite-shm")}
    assert {k: v for k, v in before.items() if k in after} == after
    with open_vault(vault_dir) as v:
        assert v.items() == []
