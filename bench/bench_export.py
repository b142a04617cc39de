"""Benchmark: export a signed bundle of N synthetic 1920x1080 PNG screenshots vs img2pdf.

Prints the time of ``img2pdf`` on the same PNGs, the time of ``export_bundle`` (read,
layout, attach, sign), their ratio, and the size of the page layout per page (the bundle
minus its attachments). Target (issue 4): ratio <= 3, layout < 2 MB per page. Prints only;
asserts nothing. Usage: ``python bench/bench_export.py [N] [--profile]``.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import img2pdf  # noqa: E402

from evidencekit.bundle.export import export_bundle  # noqa: E402
from tests.support.bundle_fake import FakeVault, screenshot_png  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", nargs="?", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile")
    args = parser.parse_args()

    print(f"generating {args.count} synthetic 1920x1080 screenshots …", flush=True)
    pngs = [screenshot_png(1920, 1080, seed=i, caption="bench") for i in range(args.count)]
    total_png = sum(len(p) for p in pngs)
    print(f"  {total_png / 1e6:.1f} MB of PNG ({total_png / len(pngs) / 1e3:.0f} kB each)")

    with tempfile.TemporaryDirectory(prefix="ek-bench-") as tmp:
        folder = Path(tmp)
        paths = []
        for i, data in enumerate(pngs):
            path = folder / f"shot-{i:04d}.png"
            path.write_bytes(data)
            paths.append(str(path))

        t0 = time.perf_counter()
        out = img2pdf.convert(paths)
        (folder / "img2pdf.pdf").write_bytes(out)
        t_img2pdf = time.perf_counter() - t0
        print(f"img2pdf:        {t_img2pdf:6.2f} s  ({len(out) / 1e6:.1f} MB)")

        vault = FakeVault()
        for i, data in enumerate(pngs):
            vault.add("screenshot", f"Screenshot {i + 1}", f"bench-{i + 1}.png",
                      [("screenshot.png", "image/png", data)])
        bundle = folder / "bundle.pdf"
        prof = cProfile.Profile() if args.profile else None
        t0 = time.perf_counter()
        if prof is not None:
            prof.enable()
        result = export_bundle(vault, bundle, title="Benchmark", prepared_by="bench")
        if prof is not None:
            prof.disable()
        t_export = time.perf_counter() - t0
        size = bundle.stat().st_size
        layout_bytes = size - total_png
        print(f"export_bundle:  {t_export:6.2f} s  ({size / 1e6:.1f} MB, {result.pages} pages)")
        print(f"ratio:          {t_export / t_img2pdf:6.2f} x img2pdf  (target <= 3)")
        print(f"layout:         {layout_bytes / result.pages / 1e6:6.3f} MB/page  (target < 2)")
        print(f"bundle total:   {size / result.pages / 1e6:6.3f} MB/page incl. originals")
        print(f"sha256:         {hashlib.sha256(bundle.read_bytes()).hexdigest()[:16]}…")
        if prof is not None:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
