"""Nothing left behind (audit finding 4): an extract or export that fails or is killed
(kill -9 at random moments) leaves no readable temporary file once EvidenceKit starts
again, and finished outputs are 0600."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evidencekit.errors import IntegrityError
from evidencekit.vault.atomic import clean_pending_temp_files, private_temp
from tests.conftest import ROOT, run_cli
from tests.support.vault_util import add_bytes, blob_files, flip_byte, open_vault

BIG = 40 << 20


def _others(folder: Path, expected: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in expected)


def _cli(*args: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "evidencekit.cli", *map(str, args)],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _timed(*args: object) -> float:
    started = time.monotonic()
    proc = _cli(*args)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return time.monotonic() - started


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def big_vault(vault_dir: Path) -> tuple[Path, bytes]:
    data = random.Random(7).randbytes(BIG)
    with open_vault(vault_dir) as v:
        add_bytes(v, data, name="video.bin")
    return vault_dir, data


def test_failed_extract_leaves_nothing(vault_dir: Path, tmp_path: Path) -> None:
    with open_vault(vault_dir) as v:
        add_bytes(v, os.urandom(300_000))
    (blob,) = blob_files(vault_dir)
    flip_byte(blob, 200_000)
    out = tmp_path / "out"
    out.mkdir()
    res = run_cli("extract", vault_dir, "1", out / "x.bin")
    assert res.code == 3
    assert list(out.iterdir()) == []


def test_private_temp_removes_on_error_and_is_0600(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "file.bin"
    with pytest.raises(IntegrityError), private_temp(target) as tmp:
        assert _mode(tmp) == 0o600 and "file.bin" not in tmp.name
        tmp.write_bytes(b"plaintext")
        raise IntegrityError()
    assert list(folder.iterdir()) == []
    with private_temp(target) as tmp:
        tmp.write_bytes(b"ok")
    assert target.read_bytes() == b"ok" and _mode(target) == 0o600


def test_journal_is_encrypted_and_names_the_temp_until_done(tmp_path: Path) -> None:
    from evidencekit.settings import config_dir

    target = tmp_path / "secret-name.pdf"
    with private_temp(target) as tmp:
        journal = (config_dir() / "pending-outputs.bin").read_bytes()
        assert str(tmp_path).encode() not in journal and b"secret" not in journal
        assert _mode(config_dir() / "pending-outputs.bin") == 0o600
        assert _mode(config_dir() / "pending-outputs.key") == 0o600
        tmp.write_bytes(b"x")
    # finished: nothing to clean, the output stays
    assert clean_pending_temp_files() == 0 and target.exists()


def _kill_trials(args_for, expected, check_output, full: float, trials: int,
                 vault: Path, out_dir: Path) -> None:
    rng = random.Random(int(time.time()))
    for n in range(trials):
        proc = _cli(*args_for(n))
        time.sleep(rng.uniform(0.3, full * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # the next start cleans up (any command; here a cheap one)
        assert _timed("list", vault) > 0
        left = _others(out_dir, expected(n))
        assert left == [], f"trial {n}: left behind {left}"
        check_output(n)


def test_kill_extract_at_random_moments(big_vault: tuple[Path, bytes], tmp_path: Path) -> None:
    vault, data = big_vault
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    full = _timed("extract", vault, "1", out_dir / "full.bin")
    assert (out_dir / "full.bin").read_bytes() == data and _mode(out_dir / "full.bin") == 0o600

    def check(n: int) -> None:
        done = out_dir / f"x{n}.bin"
        if done.exists():  # killed after the rename: complete and private
            assert done.read_bytes() == data and _mode(done) == 0o600

    _kill_trials(lambda n: ("extract", vault, "1", out_dir / f"x{n}.bin"),
                 lambda n: {"full.bin", *(f"x{i}.bin" for i in range(n + 1))},
                 check, full, 5, vault, out_dir)


def test_kill_export_at_random_moments(big_vault: tuple[Path, bytes], tmp_path: Path) -> None:
    """Export with the big original going to a side folder: a kill leaves neither the
    hidden PDF temp (with every original inside) nor orphaned side files."""
    vault, _data = big_vault
    with open_vault(vault) as v:
        add_bytes(v, b"small item", name="note.txt")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    args = ("--no-timestamp", "--max-embed-mb", "1")
    full = _timed("export", vault, out_dir / "full.pdf", *args)
    assert _mode(out_dir / "full.pdf") == 0o600
    for f in (out_dir / "full-files").iterdir():
        assert _mode(f) == 0o600
    before = {"full.pdf", "full-files"}

    def expected(n: int) -> set[str]:
        names = set(before)
        for i in range(n + 1):
            if (out_dir / f"b{i}.pdf").exists():
                names |= {f"b{i}.pdf", f"b{i}-files"}
        return names

    def check(n: int) -> None:
        side = out_dir / f"b{n}-files"
        if not (out_dir / f"b{n}.pdf").exists() and side.exists():
            assert list(side.iterdir()) == [], "side files without their bundle"

    def run_args(n: int) -> tuple[object, ...]:
        return ("export", vault, out_dir / f"b{n}.pdf", *args)

    _kill_trials(run_args, lambda n: expected(n) | {f"b{n}-files"}, check, full, 4,
                 vault, out_dir)
