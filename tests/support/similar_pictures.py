"""Pictures for the perceptual-hash tests: the PDQ reference photo, copies of it made the
ways re-uploads change pictures, different pictures, and a short video."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

_DATA = Path(__file__).resolve().parent.parent / "data" / "pdq"


def pdq_data() -> Path:
    """Meta's PDQ reference images and hashes (BSD licence, see LICENSE-ThreatExchange)."""
    return _DATA


def photo() -> Image.Image:
    with Image.open(pdq_data() / "bridge-mods" / "aaa-orig.jpg") as img:
        return img.convert("RGB")


def encode(img: Image.Image, fmt: str = "JPEG", **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def copies_of(img: Image.Image) -> dict[str, bytes]:
    """The same picture resized, recompressed, cropped by 5 %, mirrored and turned."""
    w, h = img.size
    dx, dy = round(w * 0.025), round(h * 0.025)
    return {
        "resized.png": encode(img.resize((w // 2, h // 2), Image.Resampling.LANCZOS), "PNG"),
        "recompressed.jpg": encode(img, quality=25),
        "cropped.jpg": encode(img.crop((dx, dy, w - dx, h - dy)), quality=90),
        "mirrored.jpg": encode(ImageOps.mirror(img), quality=90),
        "rotated.png": encode(img.rotate(90, expand=True), "PNG"),
    }


def different_picture(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    """A picture with structure (smooth random blobs), different for every seed."""
    rng = np.random.default_rng(seed)
    small = (rng.random((6, 8, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(small, "RGB").resize(size, Image.Resampling.BICUBIC)
    return encode(img, "PNG")


def video_of(img: Image.Image, seconds: int = 3, fps: int = 5) -> bytes:
    """An MP4 (MPEG-4 part 2) showing ``img`` still for ``seconds``."""
    import av

    frame_img = img.resize((320, 240))
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = 320, 240
        stream.pix_fmt = "yuv420p"
        for _ in range(seconds * fps):
            frame = av.VideoFrame.from_image(frame_img)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()
