"""A full disk gives a clear error and leaves the vault as it was."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from evidencekit.errors import StorageError
from evidencekit.vault import Vault
from tests.conftest import PASSPHRASE, run_cli
from tests.support.vault_util import add_bytes, open_vault, read_back


def _snapshot(vault: Path) -> dict[str, bytes]:
    return {str(p.relative_to(vault)): p.read_bytes() for p in vault.rglob("*")
            if p.is_file() and "sqlite-" not in p.name and p.name != "vault.lock"}


def test_injected_enospc_during_blob_write(vault_dir: Path, monkeypatch) -> None:
    with open_vault(vault_dir) as v:
        first = add_bytes(v, b"before the disk filled")
    real_pwrite = os.pwrite
    written = [0]

    def full_pwrite(fd: int, data, offset: int) -> int:  # type: ignore[no-untyped-def]
        written[0] += len(data)
        if written[0] > 3_000_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_pwrite(fd, data, offset)

    with monkeypatch.context() as m, open_vault(vault_dir) as v:
        m.setattr(os, "pwrite", full_pwrite)
        before = _snapshot(vault_dir)
        with pytest.raises(StorageError) as err:
            add_bytes(v, os.urandom(5_000_000))
        assert "disk is full" in err.value.message("en")
        assert "디스크 공간이 부족" in err.value.message("ko")
        assert _snapshot(vault_dir) == before
        assert [i.number for i in v.items()] == [first.number]
    assert run_cli("check", vault_dir).code == 0


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.mark.skipif(not _can_mount(), reason="needs root to mount a tiny tmpfs; "
                    "test_injected_enospc_during_blob_write covers the logic")
def test_real_full_tmpfs(tmp_path: Path) -> None:
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)]).returncode:
        pytest.skip("mount not permitted in this sandbox")
    try:
        vault, _ = Vault.create(mnt / "v", PASSPHRASE, "x")
        kept = add_bytes(vault, b"small and safe")
        failures = 0
        for _ in range(6):  # fill it up: each add is 1 MB
            try:
                add_bytes(vault, os.urandom(1_000_000))
            except StorageError as exc:
                failures += 1
                assert exc.key in ("error.disk_full", "error.storage")
        assert failures >= 1
        numbers = [i.number for i in vault.items()]
        for n in numbers:
            assert len(read_back(vault, n)) in (len(b"small and safe"), 1_000_000)
        assert read_back(vault, kept.number) == b"small and safe"
        vault.close()
        # free space again: the vault opens and checks clean
        for p in (mnt / "v").rglob(".tmp-*"):
            p.unlink()
        res = run_cli("check", mnt / "v")
        assert res.code == 0, res.out + res.err
    finally:
        with contextlib.suppress(Exception):
            subprocess.run(["umount", str(mnt)], check=False)
