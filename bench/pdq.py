"""Perceptual hashes and text in pictures: PDQ of a 1920×1080 PNG beside Pillow's decode of
the same file (and beside the compiled ``pdqhash`` package where it is installed),
grouping 10,000 hashes over their dihedral variants, and OCR of a 1920×1080 screenshot."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from bench.common import Row, main_rows, median_time


def _photo_png(width: int = 1920, height: int = 1080) -> bytes:
    rng = np.random.default_rng(1)
    small = (rng.random((height // 8, width // 8, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(small, "RGB").resize((width, height), Image.Resampling.BICUBIC)
    arr = np.asarray(img).astype(np.int16) + rng.integers(-12, 12, (height, width, 3))
    buf = io.BytesIO()
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB").save(buf, "PNG")
    return buf.getvalue()


def pdq_rows() -> list[Row]:
    from evidencekit.similar.pdq import hash_image_bytes

    data = _photo_png()
    ours = median_time(lambda: hash_image_bytes(data), runs=7)
    decode = median_time(lambda: Image.open(io.BytesIO(data)).load(), runs=7)
    rows = [Row("PDQ of a 1920×1080 PNG (8 dihedral hashes)", f"{ours * 1000:.0f} ms",
                f"Pillow decode alone {decode * 1000:.0f} ms ({ours / decode:.1f}×)",
                "≤ 3× the decode", ours <= 3 * decode)]
    try:
        import pdqhash  # the compiled reference (C++), where it was built
    except ImportError:
        rows.append(Row("PDQ compiled reference (pdqhash)", "not installed",
                        "pip install pdqhash builds from source (needs a C++ compiler)",
                        "—"))
    else:
        def reference() -> None:
            img = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
            pdqhash.compute_dihedral(img)

        ref = median_time(reference, runs=7)
        rows.append(Row("PDQ compiled reference (pdqhash, same PNG, decode included)",
                        f"{ref * 1000:.0f} ms", f"ours {ours / ref:.2f}× the reference",
                        "ours ≤ 3×", ours <= 3 * ref))
    return rows


def group_rows() -> list[Row]:
    from evidencekit.similar.index import HashEntry, HashIndex

    rng = np.random.default_rng(2)
    n = 10_000
    raw = rng.integers(0, 256, size=(n, 8, 32), dtype=np.uint8)
    for k in range(200):  # 200 planted copies at distance 20, through a dihedral variant
        src = raw[k, k % 8].copy()
        for b in rng.choice(256, 20, replace=False):
            src[b // 8] ^= np.uint8(1 << (b % 8))
        raw[n // 2 + k, 0] = src
    entries = [HashEntry(i, "p", tuple(bytes(raw[i, v]).hex() for v in range(8)), 100)
               for i in range(n)]
    found: list[int] = []

    def run() -> None:
        found.append(len(HashIndex(entries).matches()))

    t = median_time(run, runs=5)
    return [Row("grouping 10,000 PDQ hashes (×8 dihedral variants, distance ≤ 31)",
                f"{t * 1000:.0f} ms", f"{found[-1]} of 200 planted copies found",
                "< 1 s", t < 1.0 and found[-1] >= 200)]


def ocr_rows() -> list[Row]:
    from evidencekit.ocr.engine import available, read_bytes
    from tests.support.ocr_screens import HANDLE, LINK, SENTENCE, chat_screenshot

    if not available():
        return [Row("OCR of a 1920×1080 screenshot", "not available",
                    "tesseract-ocr-kor missing", "< 3 s", False)]
    data = chat_screenshot((1920, 1080), font_px=22)
    texts: list[str] = []
    t = median_time(lambda: texts.append(read_bytes(data).text), runs=3)
    ok = all(x in texts[-1] for x in (SENTENCE, LINK, HANDLE))
    return [Row("OCR (Korean+English) of a 1920×1080 chat screenshot", f"{t:.2f} s",
                "sentence, t.me link and @handle read" if ok else "text not all read",
                "< 3 s", t < 3.0 and ok)]


if __name__ == "__main__":
    main_rows({"pdq": pdq_rows, "grouping": group_rows, "ocr": ocr_rows})
