"""A video, a PDF and a text file each get a picture on their item page: the video's
first frames (with its length, codec and resolution in the facts), the PDF's first page,
the text's first lines. ``blur=True`` blurs them like pictures (the text is then not
printed at all); the attached originals stay exact."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.media_previews import text_picture
from evidencekit.bundle.verify import verify_bundle
from evidencekit.previews import text_preview
from tests.support.bundle_fake import FakeVault, sample_pdf, screenshot_png
from tests.support.bundle_tools import detach_all, hf_energy, need, pdftotext
from tests.support.similar_pictures import video_of

SECRET = "SECRETLINE"
TEXT = "\n".join(f"{n:02d} 가해자가 보낸 메시지 message {n} {SECRET}" for n in range(30))


@pytest.fixture(scope="module")
def vault() -> FakeVault:
    v = FakeVault()
    frame = Image.open(io.BytesIO(screenshot_png(seed=5)))
    v.add("file", "clip.mp4", "clip.mp4", [("clip.mp4", "video/mp4", video_of(frame))])
    v.add("file", "contract.pdf", "contract.pdf",
          [("contract.pdf", "application/pdf", sample_pdf())])
    v.add("file", "chat.txt", "chat.txt", [("chat.txt", "text/plain", TEXT.encode())])
    return v


def _pages(pdf: Path) -> list[tuple[str, list[Image.Image]]]:
    """Each page's text and its images (decoded from the PDF, nothing rendered)."""
    need("pdftotext")
    out = []
    with pikepdf.open(pdf) as doc:
        for n, page in enumerate(doc.pages, start=1):
            text = pdftotext(pdf, "-f", str(n), "-l", str(n))
            pics = [pikepdf.PdfImage(obj).as_pil_image().convert("RGB")
                    for obj in page.get_images().values()]
            out.append((text, [p for p in pics if p.width >= 200]))
    return out


def _ramp(page: Image.Image) -> int:
    """Pixels between white and red down the middle of the page's upper part."""
    column = [page.getpixel((page.width // 2, y)) for y in range(int(page.height * 0.4))]
    return sum(1 for pixel in column if 90 < pixel[1] < 215)  # type: ignore[index]


def _item_page(pages: list[tuple[str, list[Image.Image]]], number: int
               ) -> tuple[str, list[Image.Image]]:
    heading = f"Item #{number} — File"
    found = [p for p in pages if heading in p[0]]
    assert found, heading
    return found[0]


def test_video_pdf_text_previews(vault: FakeVault, tmp_path: Path, artifacts: Path) -> None:
    sharp_pdf, blurred_pdf = tmp_path / "sharp.pdf", tmp_path / "blurred.pdf"
    export_bundle(vault, sharp_pdf, blur=False, lang="en")
    export_bundle(vault, blurred_pdf, blur=True, lang="en")
    sharp, blurred = _pages(sharp_pdf), _pages(blurred_pdf)

    # the video: a contact sheet of its first frames, its facts beside the others
    s_text, s_pics = _item_page(sharp, 1)
    b_text, b_pics = _item_page(blurred, 1)
    assert len(s_pics) == len(b_pics) == 1
    for text in (s_text, b_text):
        assert "First frames of the video" in text
        assert "Video length" in text and "0:03" in text
        assert "MPEG-4" in text and "320×240 pixels" in text
    assert "Blurred — original attached" in b_text
    assert "Blurred — original attached" not in s_text
    sheet_sharp, sheet_blur = s_pics[0], b_pics[0]
    assert sheet_sharp.width > 400 and sheet_sharp.size == sheet_blur.size
    e_sharp, e_blur = hf_energy(sheet_sharp), hf_energy(sheet_blur)
    assert e_blur < 0.2 * e_sharp, (e_blur, e_sharp)

    # the PDF: its first page (the red box of sample_pdf), blurred when asked
    s_text, s_pics = _item_page(sharp, 2)
    b_text, b_pics = _item_page(blurred, 2)
    assert "First page of the PDF" in s_text and "First page of the PDF" in b_text
    assert len(s_pics) == len(b_pics) == 1
    page = s_pics[0]
    red = page.getpixel((page.width // 2, round(page.height * 0.13)))
    assert red[0] > 180 and red[1] < 100, red  # the red box at the top of page 1
    # the box's top edge: a step of one or two pixels when sharp, a long ramp when blurred
    assert _ramp(page) <= 3 and _ramp(b_pics[0]) >= 20, (_ramp(page), _ramp(b_pics[0]))

    # the text: printed as text when sharp; drawn and blurred (and not printed) when blurred
    s_text, s_pics = _item_page(sharp, 3)
    assert f"00 가해자가 보낸 메시지 message 0 {SECRET}" in pdftotext(sharp_pdf)
    b_text, b_pics = _item_page(blurred, 3)
    assert "First lines of the text file" in b_text
    assert SECRET not in pdftotext(blurred_pdf)
    assert len(b_pics) == 1
    drawn = text_picture(text_preview(TEXT.encode(), lines=14, width=110))
    reference = drawn.resize(b_pics[0].size, Image.Resampling.BICUBIC)
    assert hf_energy(b_pics[0]) < 0.15 * hf_energy(reference)
    b_pics[0].save(artifacts / "bundle-blurred-text-preview.png")
    sheet_blur.save(artifacts / "bundle-blurred-video-preview.png")

    # the originals are attached unchanged, and the bundle verifies
    sums = detach_all(blurred_pdf, tmp_path / "x")
    for item in vault.items():
        assert item.parts[0].sha256 in sums.values()
    assert verify_bundle(blurred_pdf).intact


def test_korean_video_facts(vault: FakeVault, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    # previews are made in memory: nothing lands in the temporary folder or beside the PDF
    scratch, folder = tmp_path / "tmp", tmp_path / "out"
    scratch.mkdir()
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = folder / "ko.pdf"
    export_bundle(vault, out, items=[1, 2, 3], blur=True, lang="ko")
    assert list(scratch.iterdir()) == []
    assert [p.name for p in folder.iterdir()] == ["ko.pdf"]
    text = pdftotext(out)
    assert "영상 앞부분의 장면" in text and "영상 길이" in text and "320×240 픽셀" in text
    assert "증거 자료 #1 — 파일" in text


def test_damaged_video_gets_a_placeholder(tmp_path: Path) -> None:
    v = FakeVault()
    v.add("file", "broken.mp4", "broken.mp4", [("broken.mp4", "video/mp4", b"\x00" * 4000)])
    out = tmp_path / "b.pdf"
    export_bundle(v, out, blur=True, lang="en")
    text = pdftotext(out)
    assert "The first frames of the video could not be shown" in text
    assert "Video length" not in text
