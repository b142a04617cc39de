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


#: The copies of :func:`copies_of` cut by 5 % on one side.
ONE_SIDED = ("cut_left.jpg", "cut_right.jpg", "cut_top.jpg", "cut_bottom.png",
             "cut_left_mirrored.jpg", "cut_top_turned.png")


def cut(img: Image.Image, side: str, share: float = 0.05) -> Image.Image:
    """``img`` without ``share`` of its width or height on one side."""
    w, h = img.size
    dx, dy = round(w * share), round(h * share)
    return img.crop({"left": (dx, 0, w, h), "right": (0, 0, w - dx, h),
                     "top": (0, dy, w, h), "bottom": (0, 0, w, h - dy)}[side])


def copies_of(img: Image.Image) -> dict[str, bytes]:
    """The same picture resized, recompressed, cropped by 5 % (2.5 % on each side, and
    5 % on one side only: left, right, top, bottom, also mirrored or turned after the
    cut), mirrored and turned."""
    w, h = img.size
    dx, dy = round(w * 0.025), round(h * 0.025)
    return {
        "resized.png": encode(img.resize((w // 2, h // 2), Image.Resampling.LANCZOS), "PNG"),
        "recompressed.jpg": encode(img, quality=25),
        "cropped.jpg": encode(img.crop((dx, dy, w - dx, h - dy)), quality=90),
        "cut_left.jpg": encode(cut(img, "left"), quality=90),
        "cut_right.jpg": encode(cut(img, "right"), quality=90),
        "cut_top.jpg": encode(cut(img, "top"), quality=90),
        "cut_bottom.png": encode(cut(img, "bottom"), "PNG"),
        "cut_left_mirrored.jpg": encode(ImageOps.mirror(cut(img, "left")), quality=90),
        "cut_top_turned.png": encode(cut(img, "top").rotate(90, expand=True), "PNG"),
        "mirrored.jpg": encode(ImageOps.mirror(img), quality=90),
        "rotated.png": encode(img.rotate(90, expand=True), "PNG"),
    }


def with_border(data: bytes, side: str, share: float = 0.25,
                colour: tuple[int, int, int] = (255, 255, 255)) -> bytes:
    """A picture with a uniform band added on one side (a sidebar or a status bar): the
    case where hashes of one-sided crops could match a different picture."""
    with Image.open(io.BytesIO(data)) as src:
        img = src.convert("RGB")
    w, h = img.size
    bw, bh = round(w * share), round(h * share)
    size = (w + bw, h) if side in ("left", "right") else (w, h + bh)
    canvas = Image.new("RGB", size, colour)
    canvas.paste(img, {"left": (bw, 0), "right": (0, 0), "top": (0, bh),
                       "bottom": (0, 0)}[side])
    return encode(canvas, "PNG")


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
