"""Previews for videos, PDFs and text files: blurred by default, the video's duration,
codec and resolution said, made in memory (nothing new on disk)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw

from evidencekit.model import NewItem, PartInput
from evidencekit.previews import text_preview, video_preview
from evidencekit.vault import Vault

PASS = "correct horse battery"


def pdf_bytes() -> bytes:
    page = Image.new("RGB", (400, 560), "white")
    ImageDraw.Draw(page).rectangle((40, 40, 360, 120), fill="navy")
    buf = io.BytesIO()
    page.save(buf, "PDF")
    return buf.getvalue()


def make_video(seconds: int = 3, fps: int = 10, size: tuple[int, int] = (160, 96)) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(seconds * fps):
            img = np.zeros((size[1], size[0], 3), dtype=np.uint8)
            img[:, :, 0] = (i * 8) % 255
            img[10:40, (i * 3) % size[0]:, 1] = 200
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def test_video_and_text_previews_in_memory() -> None:
    video = video_preview(make_video())
    assert video is not None
    assert video.summary() == "0:03 · MPEG-4 · 160×96"
    assert len(video.frames) == 4 and video.frames[0] == 0.0 and video.frames[-1] > 1.5
    assert video.sheet.width > 400
    assert video_preview(b"not a video at all") is None
    assert video_preview(make_video()[:500]) is None
    text = text_preview("첫 줄\n둘째 줄\x07\n".encode() + b"x" * 10 + b"\n" * 100, lines=3)
    assert text.splitlines()[:2] == ["첫 줄", "둘째 줄·"]
    assert text_preview("가나다".encode("cp949")) == "가나다"


@pytest.fixture
def preview_window(qtbot, controller, tmp_path: Path):  # type: ignore[no-untyped-def]
    vault, _key = Vault.create(tmp_path / "v", PASS, "지은")
    for title, name, media, data in (
            ("동영상", "clip.mp4", "video/mp4", make_video()),
            ("문서", "doc.pdf", "application/pdf", pdf_bytes()),
            ("대화", "chat.txt", "text/plain", "가해자: 사진 지워 줄게\n나: 언제?\n".encode())):
        vault.add_item(NewItem(kind="file", title=title, source=name,
                               parts=[PartInput(name=name, media_type=media, data=data)]))
    window = controller.open_session(vault, False)
    qtbot.waitExposed(window)
    return window


def _shows(box, image) -> bool:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QImage

    fmt = QImage.Format.Format_RGB888
    return bool(box.picture.pixmap().toImage().convertToFormat(fmt) == image.convertToFormat(fmt))


def _select(window, title: str):  # type: ignore[no-untyped-def]
    item = next(i for i in window.session.items() if i.title == title)
    window.select_item(item.number)
    box = window.detail.other_preview
    assert box is not None, title
    return box


def test_previews_blurred_until_asked(qtbot, preview_window,  # type: ignore[no-untyped-def]
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      artifacts: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    before = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())

    box = _select(preview_window, "동영상")
    assert box.kind == "video" and not box.revealed
    assert "160×96" in box.info and "0:03" in box.info and "MPEG-4" in box.info
    preview_window.resize(1280, 800)
    qtbot.wait(50)
    preview_window.grab().save(str(artifacts / "preview-video-blurred.png"))
    assert _shows(box, box.blurred) and not _shows(box, box.sharp)
    box.toggle()
    assert _shows(box, box.sharp) and box.revealed

    box = _select(preview_window, "문서")
    assert box.kind == "pdf" and box.sharp is not None and not box.sharp.isNull()
    assert _shows(box, box.blurred) and not _shows(box, box.sharp)

    box = _select(preview_window, "대화")
    assert box.kind == "text" and box.text_view is not None
    assert "가해자" in box.text_view.toPlainText()
    assert box.text_view.graphicsEffect() is not None  # blurred
    preview_window.grab().save(str(artifacts / "preview-text-blurred.png"))
    box.toggle()
    assert box.text_view.graphicsEffect() is None

    after = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert not list(spool.iterdir())
    new = set(after) - set(before)
    assert all(name.startswith(("index.sqlite", "log")) or "journal" in name
               for name in new), new
