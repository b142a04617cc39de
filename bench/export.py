"""Export 200 synthetic 1920×1080 screenshots from a real vault into a signed bundle, beside
``img2pdf`` of the same PNGs; and the layout size per page."""

from __future__ import annotations

import shutil
import time

from bench.common import Row, bench_dir, main_rows

PASS = "benchmark passphrase"
COUNT = 200


def export_rows() -> list[Row]:
    import img2pdf

    from evidencekit.bundle.export import export_bundle
    from evidencekit.model import NewItem, PartInput
    from evidencekit.vault import Vault
    from tests.support.bundle_fake import screenshot_png

    base = bench_dir() / "export"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    pngs = [screenshot_png(1920, 1080, seed=i, caption="bench") for i in range(COUNT)]
    paths = []
    for i, data in enumerate(pngs):
        p = base / f"shot-{i:04d}.png"
        p.write_bytes(data)
        paths.append(str(p))
    vault, _ = Vault.create(base / "vault", PASS, "bench")
    for i, data in enumerate(pngs):
        vault.add_item(NewItem(kind="screenshot", title=f"Screenshot {i + 1}", source="bench",
                               parts=[PartInput(name="screenshot.png", media_type="image/png",
                                                data=data)]))
    t_img, t_exp = [], []
    pages = 0
    size = 0
    for run in range(3):
        t0 = time.perf_counter()
        (base / "img2pdf.pdf").write_bytes(img2pdf.convert(paths))
        t_img.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = export_bundle(vault, base / f"bundle{run}.pdf", title="Benchmark")
        t_exp.append(time.perf_counter() - t0)
        pages, size = result.pages, result.size
    vault.close()
    ti, te = sorted(t_img)[1], sorted(t_exp)[1]
    layout_mb = (size - sum(len(p) for p in pngs)) / pages / 1e6
    shutil.rmtree(base, ignore_errors=True)
    return [
        Row(f"export {COUNT} screenshots 1920×1080, signed", f"{te:.2f} s",
            f"img2pdf {ti:.2f} s = {te / ti:.2f}×", "≤ 3× img2pdf", te <= 3 * ti),
        Row("bundle layout per page", f"{layout_mb:.3f} MB/page ({pages} pages)",
            "—", "< 2 MB/page", layout_mb < 2),
    ]


if __name__ == "__main__":
    main_rows({"export": export_rows})
