"""Page layout: safe page images, languages, and rendered pages kept as test artefacts."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from evidencekit.bundle import images
from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.styles import Labels, fmt_size, fmt_time, hard_wrap
from tests.support.bundle_fake import KOREAN_NOTE, build_demo_vault, sample_pdf, screenshot_png
from tests.support.bundle_tools import image_from_bytes, pdftotext, render

BOX = {"max_w_pt": 493.0, "max_h_pt": 453.0, "cont_h_pt": 650.0}


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG claiming a huge size with almost no data (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b""))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "bundle.preview.damaged"),
        (b"not an image at all", "bundle.preview.damaged"),
        (screenshot_png(200, 100)[:80], "bundle.preview.damaged"),
        (_png_header_only(60000, 60000), "bundle.preview.too_large"),
        (_png_header_only(8000, 7000), "bundle.preview.too_large"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "bundle.preview.damaged"),
    ],
    ids=["empty", "text", "truncated", "bomb-pillow", "bomb-ours", "svg"],
)
def test_bad_images_give_a_problem_not_an_exception(data: bytes, problem: str) -> None:
    preview = images.preview_image(data, **BOX)
    assert preview.problem == problem
    assert preview.images == []


def test_screenshot_is_downscaled_to_print_size() -> None:
    preview = images.preview_image(screenshot_png(1920, 1080), **BOX)
    (img,) = preview.images
    assert preview.problem is None and preview.source_size == (1920, 1080)
    assert img.width_pt == pytest.approx(493.0)
    assert 0.8 * 1027 <= img.width_px <= 1.15 * 1027  # about 150 dpi of the printed width
    assert len(img.jpeg) < 400_000
    assert image_from_bytes(img.jpeg).format == "JPEG"


def test_tall_capture_is_sliced_and_small_image_not_upscaled() -> None:
    preview = images.preview_image(screenshot_png(800, 6000, seed=4), **BOX)
    assert 2 <= len(preview.images) <= images.MAX_SLICES
    assert preview.images[0].height_pt == pytest.approx(453.0, rel=0.02)
    assert all(i.height_pt <= 650.5 for i in preview.images)
    small = images.preview_image(screenshot_png(120, 80), **BOX)
    (img,) = small.images
    assert img.width_px == 120 and img.width_pt <= 120 * 72 / 96 * 2 + 0.01


def test_phone_screenshot_fits_without_slicing() -> None:
    preview = images.preview_image(screenshot_png(1080, 2340, seed=6), **BOX)
    (img,) = preview.images
    assert img.height_pt == pytest.approx(453.0) and img.width_pt < 493.0


def test_big_jpeg_is_decoded_at_reduced_scale() -> None:
    im = Image.new("RGB", (9000, 6000), (30, 90, 200))  # 54 Mpx, above the PNG limit
    out = io.BytesIO()
    im.save(out, "JPEG", quality=50)
    preview = images.preview_image(out.getvalue(), **BOX)
    assert preview.problem is None and preview.source_size == (9000, 6000)
    assert preview.images[0].width_px <= 1200


def test_exif_orientation_is_applied() -> None:
    im = Image.new("RGB", (400, 200), (255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif)
    preview = images.preview_image(out.getvalue(), **BOX)
    (img,) = preview.images
    assert img.height_px > img.width_px


def test_pdf_first_page_and_broken_pdf() -> None:
    preview = images.preview_pdf(sample_pdf(), **BOX)
    assert preview.problem is None and preview.note_key == "bundle.preview.first_page"
    im = image_from_bytes(preview.images[0].jpeg).convert("RGB")
    assert im.height > im.width  # an A4 page
    r, g, _b = im.split()
    red_mask = Image.eval(r, lambda v: 255 if v > 180 else 0)
    not_green = Image.eval(g, lambda v: 255 if v < 90 else 0)
    from PIL import ImageChops

    red = ImageChops.multiply(red_mask, not_green).histogram()[255]
    assert red > 1000  # the red box of the sample document
    assert images.preview_pdf(b"%PDF-1.4 broken", **BOX).problem == "bundle.preview.damaged"


def test_blur_is_strong() -> None:
    sharp = images.preview_image(screenshot_png(1280, 720), **BOX)
    blurred = images.preview_image(screenshot_png(1280, 720), blur=True, **BOX)
    assert blurred.blurred
    from tests.support.bundle_tools import hf_energy

    e_sharp = hf_energy(image_from_bytes(sharp.images[0].jpeg))
    e_blur = hf_energy(image_from_bytes(blurred.images[0].jpeg))
    assert e_blur < 0.1 * e_sharp


def test_labels_and_formatting() -> None:
    assert Labels("both")("bundle.yes") == "예 / yes"
    assert Labels("ko")("bundle.yes") == "예"
    assert Labels("en").texts("bundle.cover.howto_title") == ["How to verify (short)"]
    with pytest.raises(ValueError):
        Labels("fr")
    assert fmt_time("2024-08-30T14:03:11+09:00") == "2024-08-30 14:03:11 +09:00"
    assert fmt_time("2024-08-30T14:03:11+09:00", utc=True) == "2024-08-30 05:03:11 UTC"
    assert fmt_size(1536) == "1,536 B (1.5 KB)"
    wrapped = hard_wrap("a" * 100 + "<&>", "NanumGothicCoding", 8, 100)
    assert "<br/>" in wrapped and "&lt;&amp;&gt;" in wrapped


@pytest.mark.parametrize("lang", ["ko", "en", "both"])
def test_render_pages_as_artifacts(lang: str, tmp_path: Path, artifacts: Path) -> None:
    vault = build_demo_vault()
    out = tmp_path / f"bundle-{lang}.pdf"
    result = export_bundle(vault, out, items=[1, 3, 4, 6],
                           title="사건 2024-001 딥페이크 유포 / Case 2024-001",
                           prepared_by="상담원 김지원 (해바라기센터)", lang=lang)
    text = pdftotext(out)
    assert KOREAN_NOTE in text
    if lang == "en":
        assert "Item #1 — Screenshot" in text and "증거 자료 #1" not in text
    elif lang == "ko":
        assert "증거 자료 #1 — 화면 캡처" in text and "Item #1 —" not in text
    else:
        assert "증거 자료 #1 — 화면 캡처 / Item #1 — Screenshot" in text
    cover = render(out, 1, artifacts / f"bundle-{lang}-cover.png")
    item = render(out, 3, artifacts / f"bundle-{lang}-item1.png")
    last = render(out, result.pages, artifacts / f"bundle-{lang}-howto.png")
    for page in (cover, item, last):
        with Image.open(page) as im:
            assert im.size[0] > 500
    # the rendered cover is not blank: text pixels exist
    with Image.open(cover) as im:
        grey = im.convert("L")
        dark = sum(grey.histogram()[:100])
        assert dark > 2000
