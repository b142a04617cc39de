"""Verify a bundle carrying 1 GiB of attachments, beside ``pdfdetach -saveall`` +
``sha256sum`` of what it extracts (what an officer would do by hand)."""

from __future__ import annotations

import shutil
import subprocess
import time

from bench.common import Row, bench_dir, main_rows
from bench.ingest import _make_file

PASS = "benchmark passphrase"


def verify_rows() -> list[Row]:
    from evidencekit.bundle.export import export_bundle
    from evidencekit.bundle.verify import verify_bundle
    from evidencekit.model import NewItem, PartInput
    from evidencekit.vault import Vault

    base = bench_dir() / "verify"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    src = bench_dir() / "ingest-1GiB.bin"
    _make_file(src, 1 << 30)
    vault, _ = Vault.create(base / "vault", PASS, "bench")
    vault.add_item(NewItem(kind="file", title="1 GiB", source="big.bin", parts=[
        PartInput(name="original.bin", media_type="application/octet-stream", path=src)]))
    bundle = base / "big.pdf"
    # verify is asked as a recipient would: with the fingerprint the holder gave
    fingerprint = export_bundle(vault, bundle, title="1 GiB", max_embed_mb=2048).fingerprint
    vault.close()
    t_ours, t_tools = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        report = verify_bundle(bundle, expect_fingerprint=fingerprint)
        t_ours.append(time.perf_counter() - t0)
        assert report.ok, (report.exit_code, [c.key for c in report.failures])
        out = base / "detached"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        t0 = time.perf_counter()
        subprocess.run(["pdfdetach", "-saveall", "-o", str(out), str(bundle)], check=True)
        files = sorted(str(p) for p in out.iterdir())
        subprocess.run(["sha256sum", *files], check=True, stdout=subprocess.DEVNULL)
        t_tools.append(time.perf_counter() - t0)
    shutil.rmtree(base, ignore_errors=True)
    to, tt = sorted(t_ours)[1], sorted(t_tools)[1]
    return [Row("verify a bundle with 1 GiB attached", f"{to:.2f} s",
                f"pdfdetach -saveall + sha256sum {tt:.2f} s = {to / tt:.2f}×", "≤ 1.5×",
                to <= 1.5 * tt)]


if __name__ == "__main__":
    main_rows({"verify": verify_rows})
