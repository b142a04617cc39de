"""Taking a key back (audit finding 2): after ``passwd`` an old copy of vault.json and the
old passphrase still open everything added later; after ``rekey`` they open nothing, the
custody chain continues and records the rotation, and a kill at any moment leaves the old
or the new vault complete, never a mix."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evidencekit.errors import IntegrityError, WrongSecretError
from evidencekit.vault import Vault, keys
from evidencekit.vault.header import parse_header, wrap_ad
from evidencekit.vault.index import item_ad
from evidencekit.vault.rekey import STAGING, rekey, replace_recovery_key
from evidencekit.vault.sealing import Sealer, SealError
from tests.conftest import PASSPHRASE, ROOT, run_cli
from tests.support.vault_util import add_bytes, blob_files, read_back

NEW = "a fresh passphrase nobody knows"
DATA = {1: os.urandom(5 << 20), 2: b"second", 3: os.urandom(70_000)}


@pytest.fixture
def filled(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "vault"
    vault, recovery = Vault.create(path, PASSPHRASE, "holder")
    for n in (1, 2, 3):
        add_bytes(vault, DATA[n], source=f"f{n}")
    vault.add_note(2, "a note")
    add_bytes(vault, b"to be deleted")
    vault.delete_item(4, "duplicate")
    vault.set_setting("tsa_urls", ["https://tsa.example/"])
    vault.close()
    return path, recovery


def _master_from(header_bytes: bytes, passphrase: str) -> bytes:
    h = parse_header(header_bytes)
    kek = keys.derive_passphrase_key(passphrase, h.kdf)
    return keys.unwrap(kek, h.wrapped["passphrase"], wrap_ad(h.vault_id, "passphrase", h.kdf))


def test_old_vault_json_after_passwd_still_opens_new_items(filled: tuple[Path, str]) -> None:
    """The attack before rekey: passwd alone does not lock out an old copy."""
    path, _ = filled
    old_header = (path / "vault.json").read_bytes()
    with Vault.open(path, passphrase=PASSPHRASE) as v:
        v.change_passphrase(NEW)
        item = add_bytes(v, b"added after the change")
        row = v._index.item_row(item.number)
    old_master = _master_from(old_header, PASSPHRASE)
    assert row is not None
    meta = Sealer(keys.subkey(old_master, "metadata"))
    assert meta.open_json(row[3], item_ad(row[0], row[1], row[2]))  # readable: the weakness


def test_rekey_locks_out_old_copies(filled: tuple[Path, str], monkeypatch) -> None:
    path, old_recovery = filled
    old_header = (path / "vault.json").read_bytes()
    with Vault.open(path, passphrase=PASSPHRASE, writable=False) as v:
        fp = v.fingerprint
        old_events = v.events()
        old_blobs = {p.name for p in blob_files(path)}
    monkeypatch.setenv("EVIDENCEKIT_NEW_PASSPHRASE", NEW)
    res = run_cli("rekey", path)
    assert res.code == 0, res.err
    new_recovery = [ln.strip() for ln in res.out.splitlines() if ln.count("-") == 7][0]
    assert not (path / STAGING).exists()
    assert not old_blobs & {p.name for p in blob_files(path)}  # old ciphertexts gone

    with Vault.open(path, passphrase=NEW) as v:
        for n in (1, 2, 3):
            assert read_back(v, n) == DATA[n]
        assert v.item(2).notes[0].text == "a note"
        assert v.item(4).state == "deleted"
        assert v.get_setting("tsa_urls") == ["https://tsa.example/"]
        assert v.fingerprint == fp
        events = v.events()
        assert [e.hash for e in events[: len(old_events)]] == [e.hash for e in old_events]
        assert events[len(old_events)].kind == "vault_rekeyed"
        item = add_bytes(v, b"added after rekey")
        row = v._index.item_row(item.number)
    monkeypatch.setenv("EVIDENCEKIT_PASSPHRASE", NEW)
    res = run_cli("check", path)
    assert res.code == 0, res.out

    # the old passphrase, the old recovery key and an old vault.json open nothing
    with pytest.raises(WrongSecretError):
        Vault.open(path, passphrase=PASSPHRASE, writable=False)
    with pytest.raises(WrongSecretError):
        Vault.open(path, recovery_key=old_recovery, writable=False)
    with Vault.open(path, recovery_key=new_recovery, writable=False) as v:
        assert read_back(v, 3) == DATA[3]
    saved = path.parent / "saved-new.json"
    shutil.copy(path / "vault.json", saved)
    (path / "vault.json").write_bytes(old_header)
    with pytest.raises(WrongSecretError) as err:
        Vault.open(path, passphrase=PASSPHRASE, writable=False)
    assert err.value.key == "hardening.header.stale"
    old_master = _master_from(old_header, PASSPHRASE)
    assert row is not None
    with pytest.raises(SealError):
        Sealer(keys.subkey(old_master, "metadata")).open(row[3], item_ad(row[0], row[1], row[2]))
    shutil.copy(saved, path / "vault.json")


def test_recovery_new_replaces_the_recovery_key(filled: tuple[Path, str]) -> None:
    path, old_recovery = filled
    res = run_cli("recovery", path, "--new")
    assert res.code == 0, res.err
    new_recovery = [ln.strip() for ln in res.out.splitlines() if ln.count("-") == 7][0]
    with pytest.raises(WrongSecretError):
        Vault.open(path, recovery_key=old_recovery, writable=False)
    with Vault.open(path, recovery_key=new_recovery, writable=False) as v:
        assert v.events()[-1].kind == "recovery_key_replaced"
    assert run_cli("recovery", path).code == 2
    assert run_cli("check", path).code == 0


def test_rekey_refused_on_damage(filled: tuple[Path, str]) -> None:
    path, _ = filled
    (blob,) = [p for p in blob_files(path) if p.stat().st_size < 100]
    data = bytearray(blob.read_bytes())
    data[-1] ^= 1
    blob.write_bytes(bytes(data))
    with Vault.open(path, passphrase=PASSPHRASE) as v:
        with pytest.raises(IntegrityError):
            rekey(v, NEW)
    assert not (path / STAGING).exists()
    with Vault.open(path, passphrase=PASSPHRASE, writable=False) as v:
        assert read_back(v, 3) == DATA[3]

    other = Vault.open(path, passphrase=PASSPHRASE)
    doc = json.loads((path / "vault.json").read_text())
    other.close()
    doc["wrapped_master_key"]["recovery"]["nonce"] = "AAAAAAAAAAAAAAAA"
    (path / "vault.json").write_text(json.dumps(doc))
    with Vault.open(path, passphrase=PASSPHRASE) as v:
        with pytest.raises(IntegrityError) as err:
            replace_recovery_key(v)
        assert err.value.key == "hardening.header.repair_first"


def test_kill_rekey_at_random_moments(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    vault, _ = Vault.create(path, PASSPHRASE, "holder")
    rng = random.Random()
    data = {}
    for n in range(1, 7):
        data[n] = rng.randbytes(rng.choice([0, 100, 3 << 20, 9 << 20]))
        add_bytes(vault, data[n])
    vault.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    current = PASSPHRASE
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tests.support.rekey_runner", str(path),
                           current, "measured"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    full = time.monotonic() - started
    current = "measured"
    outcomes = []
    for trial in range(8):
        target = f"passphrase number {trial}"
        proc = subprocess.Popen([sys.executable, "-m", "tests.support.rekey_runner", str(path),
                                 current, target], env=env, cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
        time.sleep(rng.uniform(0, full))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        opened = None
        for pw in (target, current):
            try:
                opened = Vault.open(path, passphrase=pw, writable=False)
                break
            except WrongSecretError:
                continue
        assert opened is not None, f"trial {trial}: neither passphrase opens"
        with opened as v:
            assert v.header_problems == []
            for n, expected in data.items():
                assert read_back(v, n) == expected
        outcomes.append(pw == target)
        current = pw
        assert not (path / STAGING).exists()
        os.environ["EVIDENCEKIT_PASSPHRASE"] = current
        try:
            res = run_cli("check", path)
        finally:
            os.environ["EVIDENCEKIT_PASSPHRASE"] = PASSPHRASE
        assert res.code == 0, f"trial {trial}: {res.out}"
    print("rekey finished before the kill:", outcomes)
