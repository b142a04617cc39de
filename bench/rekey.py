"""Rekey benchmark: re-encrypt a vault holding 1 GiB under new keys (decrypt, re-hash,
re-encrypt, fsync, swap) beside ``age`` encrypting the same bytes once."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from bench.common import Row, bench_dir, median_time, peak_rss_mb, reset_peak_rss, run_cmd_time
from bench.ingest import PASS, _make_file


def rekey_rows(size: int = 1 << 30) -> list[Row]:
    from evidencekit.model import NewItem, PartInput
    from evidencekit.vault import Vault
    from evidencekit.vault.keys import KdfParams, derive_passphrase_key
    from evidencekit.vault.rekey import rekey

    base = bench_dir()
    src = base / "ingest-1GiB.bin"
    _make_file(src, size)
    t_age = float("nan")
    if shutil.which("age") and shutil.which("age-keygen"):
        key = subprocess.run(["age-keygen"], capture_output=True, text=True, check=True).stdout
        recipient = [ln.split(": ")[1] for ln in key.splitlines() if "public key" in ln][0]
        out = base / "out.age"
        t_age = run_cmd_time(["sh", "-c", f"age -r {recipient} -o {out} {src} && sync {out}"])
        out.unlink(missing_ok=True)

    vdir: Path = base / "vault-rekey"
    shutil.rmtree(vdir, ignore_errors=True)
    vault, _ = Vault.create(vdir, PASS, "bench")
    vault.add_item(NewItem(kind="file", title="", source="big", parts=[
        PartInput(name="original.bin", media_type="application/octet-stream", path=src)]))
    vault.close()
    t_kdf = median_time(lambda: derive_passphrase_key(PASS, KdfParams.new()), runs=3)
    peaks: list[float] = []

    def one() -> None:
        v = Vault.open(vdir, passphrase=PASS)  # the two KDF runs are subtracted below
        first = [True]

        def progress(_done: int, _total: int, _key: str) -> None:
            if first[0]:  # after the new key's Argon2id (256 MiB): the copy's own peak
                first[0] = False
                reset_peak_rss()

        rekey(v, PASS, progress=progress)
        peaks.append(peak_rss_mb())

    t_total = median_time(one, runs=3)
    t_rekey = t_total - 2 * t_kdf  # one derivation to open, one for the new wrap
    shutil.rmtree(vdir, ignore_errors=True)
    mb = size / 1e6
    return [
        Row("rekey 1 GiB vault", f"{t_rekey:.2f} s ({mb / t_rekey:.0f} MB/s)",
            f"age encrypting the same bytes {t_age:.2f} s = {t_rekey / t_age:.2f}×; "
            f"(+ 2 Argon2id {2 * t_kdf:.2f} s not counted)",
            "≤ 1.5× age", t_rekey <= 1.5 * t_age),
        Row("peak RSS re-encrypting 1 GiB (after the KDF)", f"{max(peaks):.0f} MB", "—",
            "< 150 MB", max(peaks) < 150),
    ]


if __name__ == "__main__":
    from bench.common import main_rows

    main_rows({"rekey": rekey_rows})
