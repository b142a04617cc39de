"""Ingest benchmark: add a 1 GiB random file to a vault and compare with openssl, age and
sha256sum on the same file; open + list a vault of 10,000 small items."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from bench.common import Row, bench_dir, median_time, peak_rss_mb, reset_peak_rss, run_cmd_time

PASS = "benchmark passphrase"


def _make_file(path: Path, size: int) -> None:
    if path.exists() and path.stat().st_size == size:
        return
    block = os.urandom(1 << 24)
    with path.open("wb") as fh:
        for _ in range(size // len(block)):
            fh.write(block)
            block = block[1:] + block[:1]


def ingest_rows(size: int = 1 << 30) -> list[Row]:
    from evidencekit.model import NewItem, PartInput
    from evidencekit.vault import Vault

    base = bench_dir()
    src = base / "ingest-1GiB.bin"
    _make_file(src, size)
    mb = size / 1e6
    t_openssl = run_cmd_time(["openssl", "dgst", "-sha256", str(src)])
    t_sha = run_cmd_time(["sha256sum", str(src)])
    t_age = float("nan")
    if shutil.which("age") and shutil.which("age-keygen"):
        key = subprocess.run(["age-keygen"], capture_output=True, text=True, check=True).stdout
        recipient = [ln.split(": ")[1] for ln in key.splitlines() if "public key" in ln][0]
        t_age = run_cmd_time(["age", "-r", recipient, "-o", str(base / "out.age"), str(src)])
        (base / "out.age").unlink(missing_ok=True)

    vdir = base / "vault-ingest"
    shutil.rmtree(vdir, ignore_errors=True)
    vault, _ = Vault.create(vdir, PASS, "bench")
    peaks: list[float] = []

    def ingest() -> None:
        reset_peak_rss()
        vault.add_item(NewItem(kind="file", title="", source="big", parts=[
            PartInput(name="original.bin", media_type="application/octet-stream", path=src)]))
        peaks.append(peak_rss_mb())

    reset_peak_rss()
    t_ingest = median_time(ingest, runs=3)
    vault.close()
    shutil.rmtree(vdir, ignore_errors=True)
    rss = max(peaks)
    return [
        Row("ingest 1 GiB (MB/s)", f"{mb / t_ingest:.0f} MB/s ({t_ingest:.2f} s)",
            f"openssl {t_openssl:.2f} s = {t_ingest / t_openssl:.2f}×; "
            f"age {t_age:.2f} s = {t_ingest / t_age:.2f}×; "
            f"sha256sum {t_sha:.2f} s = {t_ingest / t_sha:.2f}×",
            "≤ 1.5× openssl, ≤ 0.5× age",
            t_ingest <= 1.5 * t_openssl and t_ingest <= 0.5 * t_age),
        Row("peak RSS ingesting 1 GiB (process, after KDF)", f"{rss:.0f} MB", "—", "< 150 MB",
            rss < 150),
    ]


def list_rows(n: int = 10_000) -> list[Row]:
    from evidencekit.model import NewItem, PartInput
    from evidencekit.vault import Vault
    from evidencekit.vault.keys import KdfParams, derive_passphrase_key

    vdir = bench_dir() / "vault-10k"
    if not (vdir / "vault.json").exists():
        shutil.rmtree(vdir, ignore_errors=True)
        vault, _ = Vault.create(vdir, PASS, "bench")
        for i in range(n):
            vault.add_item(NewItem(kind="file", title=f"item {i}", source=f"f{i}.txt", parts=[
                PartInput(name="original.txt", media_type="text/plain",
                          data=f"small item {i}".encode())]))
        vault.close()
    t_kdf = median_time(lambda: derive_passphrase_key(PASS, KdfParams.new()), runs=3)

    def open_list() -> None:
        v = Vault.open(vdir, passphrase=PASS, writable=False)
        assert len(v.items()) == n
        v.close()

    t_total = median_time(open_list, runs=3)
    beyond = t_total - t_kdf
    return [Row(f"unlock + list {n:,} items", f"{t_total:.2f} s",
                f"KDF alone {t_kdf:.2f} s; beyond KDF {beyond:.2f} s", "≤ KDF + 1 s",
                beyond <= 1.0)]


if __name__ == "__main__":
    from bench.common import main_rows

    main_rows({"ingest": ingest_rows, "list": list_rows})
