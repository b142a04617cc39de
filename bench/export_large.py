"""Export 1,000 mixed items (screenshots, phone photos, PDFs, text files, written entries
and a few large videos: 1 GiB of originals) from a real vault, measuring the exporter's
peak memory (RSS) and time. The data is made in the bench folder and removed."""

from __future__ import annotations

import io
import os
import random
import shutil
import time
from pathlib import Path

from bench.common import Row, bench_dir, main_rows, peak_rss_mb, reset_peak_rss

PASS = "benchmark passphrase"
COUNT = 1000
TOTAL = 1 << 30
BIG = 8  # large "videos" making up most of the gigabyte
RSS_TARGET_MB = 500


def _photo(seed: int) -> bytes:
    from PIL import Image

    rnd = random.Random(seed)
    im = Image.new("RGB", (1024, 768), (rnd.randrange(256), rnd.randrange(256), 90))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _write_big(path: Path, size: int) -> None:
    block = os.urandom(1 << 22)
    with path.open("wb") as fh:
        left = size
        while left > 0:
            n = min(left, len(block))
            fh.write(block[:n])
            left -= n
            block = block[1:] + block[:1]


def _fill_vault(base: Path) -> tuple[Path, int]:
    from evidencekit.capture.incident import incident_item
    from evidencekit.model import NewItem, PartInput
    from evidencekit.vault import Vault
    from tests.support.bundle_fake import sample_pdf, screenshot_png

    vault, _ = Vault.create(base / "vault", PASS, "bench")
    small = 0
    shot = screenshot_png(1280, 800, seed=1, caption="bench")
    pdf = sample_pdf()
    try:
        for n in range(COUNT - BIG):
            kind = n % 5
            if kind == 0:
                part = PartInput("screenshot.png", "image/png", data=shot)
                new = NewItem(kind="screenshot", title=f"화면 캡처 {n}", source="bench",
                              parts=[part])
            elif kind == 1:
                part = PartInput("photo.jpg", "image/jpeg", data=_photo(n))
                new = NewItem(kind="file", title=f"photo-{n}.jpg", source=f"photo-{n}.jpg",
                              parts=[part])
            elif kind == 2:
                part = PartInput("document.pdf", "application/pdf", data=pdf)
                new = NewItem(kind="file", title=f"문서 {n}.pdf", source=f"문서 {n}.pdf",
                              parts=[part])
            elif kind == 3:
                text = (f"메모 {n}\n" * 40).encode()
                part = PartInput("memo.txt", "text/plain", data=text)
                new = NewItem(kind="file", title=f"memo-{n}.txt", source=f"memo-{n}.txt",
                              parts=[part])
            else:
                new = incident_item(f"{n}번째 기록: 단체방에 합성 사진이 올라왔습니다.")
            small += sum(len(p.data or b"") for p in new.parts)
            vault.add_item(new)
        each = (TOTAL - small) // BIG
        for n in range(BIG):
            path = base / f"video-{n}.mp4"
            _write_big(path, each)
            vault.add_item(NewItem(kind="file", title=f"video-{n}.mp4", source=path.name,
                                   parts=[PartInput("video.mp4", "video/mp4", path=path)]))
            path.unlink()
    finally:
        vault.close()
    return base / "vault", small + each * BIG


def export_large_rows() -> list[Row]:
    from evidencekit.bundle.export import export_bundle
    from evidencekit.vault import Vault

    base = bench_dir() / "export-large"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    try:
        vault_dir, total = _fill_vault(base)
        vault = Vault.open(vault_dir, passphrase=PASS, writable=True)
        try:
            reset_ok = reset_peak_rss()
            before = peak_rss_mb()
            t0 = time.perf_counter()
            result = export_bundle(vault, base / "large.pdf", title="1,000 items")
            took = time.perf_counter() - t0
            peak = peak_rss_mb()
        finally:
            vault.close()
        side = sum(p.stat().st_size for p in result.side_files)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    note = "" if reset_ok else f" (peak not reset; {before:.0f} MB before)"
    return [
        Row(f"export {COUNT} mixed items, {total / (1 << 30):.2f} GiB originals",
            f"peak RSS {peak:.0f} MB{note}",
            f"{took:.1f} s, {result.pages} pages, PDF {result.size / 1e6:.0f} MB + side "
            f"{side / 1e6:.0f} MB", f"< {RSS_TARGET_MB} MB", peak < RSS_TARGET_MB),
    ]


if __name__ == "__main__":
    main_rows({"export_large": export_large_rows})
