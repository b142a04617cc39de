"""A vault on write-protected media (a locked USB stick) can still be listed, shown,
extracted and exported from? Listed, shown and extracted: yes; writing says why not."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.support.vault_util import add_bytes, open_vault


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root for a read-only bind mount")
def test_read_only_media(vault_dir: Path, tmp_path: Path) -> None:
    with open_vault(vault_dir) as v:
        add_bytes(v, "잠긴 USB의 증거".encode())
    ro = tmp_path / "ro"
    ro.mkdir()
    if subprocess.run(["mount", "--bind", str(vault_dir), str(ro)]).returncode:
        pytest.skip("bind mounts are not permitted in this sandbox")
    try:
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(ro)]).returncode:
            pytest.skip("read-only remount not permitted")
        res = run_cli("list", ro)
        assert res.code == 0, res.err
        out = tmp_path / "copy.txt"
        assert run_cli("extract", ro, "1", out).code == 0
        assert out.read_bytes() == "잠긴 USB의 증거".encode()
        res = run_cli("note", ro, "1", "x")
        assert res.code == 6 and "Traceback" not in res.err
    finally:
        subprocess.run(["umount", str(ro)], check=False)
