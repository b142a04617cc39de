"""One header truth (audit findings 1 and 3): vault.json is checked against its MAC'd
protected copy, the authentic one is used, the altered file is named, repair happens only
on request, passwd refuses on a header problem, KDF parameters are bound-checked before
any derivation, and a foreign vault.json is reported as exactly that."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from evidencekit.errors import IntegrityError, WrongSecretError
from evidencekit.vault import Vault
from tests.conftest import PASSPHRASE, run_cli
from tests.support.vault_util import add_bytes, read_back


@pytest.fixture
def made(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "vault"
    vault, recovery = Vault.create(path, PASSPHRASE, "holder")
    add_bytes(vault, b"evidence one")
    vault.close()
    return path, recovery


def _doc(path: Path) -> dict:
    return json.loads((path / "vault.json").read_text())


def _put(path: Path, doc: dict) -> None:
    (path / "vault.json").write_text(json.dumps(doc, indent=2))


def _other_vault(tmp_path: Path, passphrase: str = PASSPHRASE) -> tuple[Path, str]:
    other = tmp_path / "other"
    vault, recovery = Vault.create(other, passphrase, "abuser")
    vault.close()
    return other, recovery


def test_swapped_recovery_wrap_then_passwd(made: tuple[Path, str], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The attack: replace the recovery wrap in vault.json with one the attacker controls
    (here: another vault's), then let the victim change her passphrase. Before, passwd
    copied the forged wrap into the protected copy and MACed it: the recovery key died
    silently. Now the copy is used, the file is named, and passwd refuses."""
    path, recovery = made
    other, _ = _other_vault(tmp_path)
    doc = _doc(path)
    doc["wrapped_master_key"]["recovery"] = _doc(other)["wrapped_master_key"]["recovery"]
    _put(path, doc)

    res = run_cli("check", path)
    assert res.code == 3
    assert "recovery-key wrap was replaced" in res.out
    assert "--repair-header" in res.err
    # the recovery key still opens: the authentic copy's wrap is used
    with Vault.open(path, recovery_key=recovery, writable=False) as v:
        assert v.header_problem == "hardening.header.file_recovery"
        assert read_back(v, 1) == b"evidence one"

    monkeypatch.setenv("EVIDENCEKIT_NEW_PASSPHRASE", "a brand new passphrase")
    res = run_cli("passwd", path)
    assert res.code == 3 and "Repair it first" in res.err
    assert _doc(path) == doc  # nothing written

    res = run_cli("check", path, "--repair-header")
    assert res.code == 0, res.out + res.err
    assert "vault.json was restored" in res.err
    assert _doc(path)["wrapped_master_key"]["recovery"] != doc["wrapped_master_key"]["recovery"]
    with Vault.open(path, passphrase=PASSPHRASE, writable=False) as v:
        assert v.events()[-1].kind == "header_repaired"
    monkeypatch.setenv("EVIDENCEKIT_NEW_PASSPHRASE", "a brand new passphrase")
    assert run_cli("passwd", path).code == 0
    # and the recovery key survived the passphrase change
    with Vault.open(path, recovery_key=recovery, writable=False) as v:
        assert v.header_problem is None
        assert read_back(v, 1) == b"evidence one"


def test_foreign_vault_json_is_named_as_foreign(made: tuple[Path, str], tmp_path: Path) -> None:
    """Another vault's vault.json with the same passphrase: before, the wrong master key
    unwrapped and the copy plus every record were blamed. Now it is reported as foreign
    and nothing else."""
    path, _ = made
    other, _ = _other_vault(tmp_path)
    (path / "vault.json").write_bytes((other / "vault.json").read_bytes())
    res = run_cli("check", path)
    assert res.code == 3
    findings = [ln for ln in res.out.splitlines() if ln.startswith("✗")]
    assert len(findings) == 1, res.out
    assert "belongs to another vault" in findings[0]
    res = run_cli("extract", path, "1", tmp_path / "out.bin")
    assert res.code == 0 and (tmp_path / "out.bin").read_bytes() == b"evidence one"


@pytest.mark.parametrize("field,value", [
    ("lanes", 0), ("memory_kib", 2**31), ("iterations", 2**31), ("lanes", "4"),
])
def test_bad_kdf_parameters_fall_back_to_the_copy(made: tuple[Path, str], field: str,
                                                  value: object) -> None:
    """One edit of vault.json used to crash, exhaust memory or hang (locking the victim
    out); now the bounds are checked before any derivation and the copy is used."""
    path, _ = made
    doc = _doc(path)
    doc["kdf"][field] = value
    _put(path, doc)
    started = time.monotonic()
    with Vault.open(path, passphrase=PASSPHRASE, writable=False) as v:
        assert v.header_problem == "hardening.header.file_kdf_bounds"
        assert read_back(v, 1) == b"evidence one"
    assert time.monotonic() - started < 10
    res = run_cli("check", path)
    assert res.code == 3 and "outside safe bounds" in res.out


def test_bad_kdf_parameters_without_a_copy_are_refused(made: tuple[Path, str]) -> None:
    path, _ = made
    db = sqlite3.connect(path / "index.sqlite", isolation_level=None)
    db.execute("DELETE FROM meta WHERE key IN ('header', 'header_mac')")
    db.close()
    doc = _doc(path)
    doc["kdf"]["memory_kib"] = 2**31
    _put(path, doc)
    started = time.monotonic()
    with pytest.raises(IntegrityError) as err:
        Vault.open(path, passphrase=PASSPHRASE, writable=False)
    assert err.value.key == "hardening.header.kdf_refused"
    assert time.monotonic() - started < 10
    res = run_cli("list", path)
    assert res.code == 3 and "Traceback" not in res.err


def test_altered_copy_is_named_and_repaired_from_the_file(made: tuple[Path, str]) -> None:
    path, _ = made
    db = sqlite3.connect(path / "index.sqlite", isolation_level=None)
    (copy,) = db.execute("SELECT value FROM meta WHERE key = 'header'").fetchone()
    db.execute("UPDATE meta SET value = ? WHERE key = 'header'",
               (bytes(copy).replace(b'"iterations": 1', b'"iterations": 2'),))
    db.close()
    res = run_cli("check", path)
    assert res.code == 3 and "protected copy of the header in the index was altered" in res.out
    res = run_cli("check", path, "--repair-header")
    assert res.code == 0, res.out + res.err
    assert "protected copy was restored" in res.err
    assert run_cli("check", path).code == 0


def test_old_vault_json_after_passwd_is_reported(made: tuple[Path, str]) -> None:
    """An old copy of vault.json put back after a passphrase change is named; the new
    passphrase still opens via the copy."""
    path, _ = made
    old = (path / "vault.json").read_bytes()
    with Vault.open(path, passphrase=PASSPHRASE) as v:
        v.change_passphrase("the new passphrase")
    (path / "vault.json").write_bytes(old)
    with Vault.open(path, passphrase="the new passphrase", writable=False) as v:
        keys = [k for k, _ in v.header_problems]
        assert "hardening.header.file_passphrase" in keys


def test_unknown_secret_still_wrong_not_tamper(made: tuple[Path, str]) -> None:
    path, _ = made
    with pytest.raises(WrongSecretError) as err:
        Vault.open(path, passphrase="not the passphrase", writable=False)
    assert err.value.key == "error.wrong_passphrase"
