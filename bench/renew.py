"""``evidencekit renew`` (fresh archive timestamp, PAdES B-LTA) of a bundle carrying 1 GiB,
beside ``sha256sum`` of the same file.

The bundle is exported from a scratch vault with a document timestamp from a local
time-stamp authority on 127.0.0.1 (the test TSA: nothing reaches the internet), inside a
temporary folder that is removed afterwards. Each run appends one revision in place, as
the command does.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import Row, bench_dir, main_rows, median_time, run_cmd_time
from bench.ingest import _make_file

PASS = "benchmark passphrase"


def renew_rows() -> list[Row]:
    from evidencekit.bundle.export import export_bundle
    from evidencekit.bundle.ltv import renew_bundle
    from evidencekit.model import NewItem, PartInput
    from evidencekit.timestamps.document import document_timestamper
    from evidencekit.vault import Vault
    from tests.support.tsa_server import LocalTSA

    src = bench_dir() / "ingest-1GiB.bin"
    _make_file(src, 1 << 30)
    with tempfile.TemporaryDirectory(dir=bench_dir(), prefix="renew-") as tmp:
        base = Path(tmp)
        with LocalTSA(base / "tsa") as tsa:
            vault, _ = Vault.create(base / "vault", PASS, "bench")
            vault.add_item(NewItem(kind="file", title="1 GiB", source="big.bin", parts=[
                PartInput(name="original.bin", media_type="application/octet-stream",
                          path=src)]))
            bundle = base / "big.pdf"
            stamper = document_timestamper(tsa.url, trust_roots_pem=tsa.root_pem)
            t0 = time.perf_counter()
            result = export_bundle(vault, bundle, title="1 GiB", max_embed_mb=2048,
                                   timestamper=stamper)
            t_export = time.perf_counter() - t0
            vault.close()
            assert result.document_timestamp
            size = bundle.stat().st_size
            t_renew = median_time(lambda: renew_bundle(bundle, stamper))
            t_sum = run_cmd_time(["sha256sum", str(bundle)])
    gib = size / (1 << 30)
    return [
        Row(f"renew a {gib:.2f} GiB bundle (archive timestamp, local TSA)",
            f"{t_renew:.2f} s", f"sha256sum {t_sum:.2f} s = {t_renew / t_sum:.2f}×", "≤ 2×",
            t_renew <= 2 * t_sum),
        Row("(setup) export of that bundle with a document timestamp", f"{t_export:.1f} s",
            "—", "—", None),
    ]


if __name__ == "__main__":
    main_rows({"renew": renew_rows})
