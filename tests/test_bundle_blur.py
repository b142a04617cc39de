"""``blur=True``: page images lose their detail; attached originals stay exact."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.verify import verify_bundle
from tests.support.bundle_fake import build_demo_vault
from tests.support.bundle_tools import detach_all, hf_energy, need, pdftotext, run


def _page_images(pdf: Path, folder: Path) -> list[Image.Image]:
    need("pdfimages")
    folder.mkdir()
    run("pdfimages", "-all", pdf, folder / "img", check=True)
    images = []
    for path in sorted(folder.iterdir()):
        im = Image.open(path)
        im.load()
        if im.width >= 400:  # the screenshots, not icons or masks
            images.append(im.convert("RGB"))
    return images


def _reference(data: bytes, size: tuple[int, int]) -> Image.Image:
    from io import BytesIO

    im = Image.open(BytesIO(data)).convert("RGB")
    return im.resize(size, Image.Resampling.BICUBIC)


def test_blurred_pages_attachments_unchanged(tmp_path: Path, artifacts: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    originals = {n: vault.item(n).parts[0] for n in (1, 2)}
    blurred = tmp_path / "blurred.pdf"
    sharp = tmp_path / "sharp.pdf"
    export_bundle(vault, blurred, items=[1, 2], blur=True, lang="en")
    export_bundle(vault, sharp, items=[1, 2], blur=False, lang="en")

    blurred_imgs = _page_images(blurred, tmp_path / "b")
    sharp_imgs = _page_images(sharp, tmp_path / "s")
    assert len(blurred_imgs) == len(sharp_imgs) == 2
    for n, (b_img, s_img) in enumerate(zip(blurred_imgs, sharp_imgs, strict=True), start=1):
        data = vault._blobs[originals[n].blob]  # the original bytes of the fake vault
        ref = _reference(data, b_img.size)
        e_ref, e_sharp, e_blur = hf_energy(ref), hf_energy(s_img), hf_energy(b_img)
        assert e_sharp > 0.5 * e_ref, (n, e_sharp, e_ref)
        assert e_blur < 0.1 * e_ref, (n, e_blur, e_ref)
    b_img.save(artifacts / "bundle-blurred-page-image.png")

    text = pdftotext(blurred)
    assert text.count("Blurred — original attached") == 2
    assert "deliberately blurred, but the attached original files are not" in text
    sums = detach_all(blurred, tmp_path / "x")
    for n, part in originals.items():
        assert sums[f"{n:03d}-screenshot.png"] == part.sha256
    assert verify_bundle(blurred).intact
