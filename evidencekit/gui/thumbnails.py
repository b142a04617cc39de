"""Pictures of items for the list and the detail pane, made in memory only.

A picture is decoded from the decrypted bytes (``Vault.read_part_bytes``), shrunk, and —
unless the user revealed that item — strongly blurred: reduced to about 24 pixels on its
long side, enlarged again and softened with a Gaussian blur, so shapes and colours are
vague and no detail survives. Nothing is cached on disk; the session drops every picture
when the vault locks. The Pillow work runs on a worker thread; only the final
``QImage`` conversion touches Qt (``QImage`` is safe off the GUI thread, ``QPixmap`` is not).
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps
from PySide6.QtGui import QImage

from evidencekit.model import Item, ItemKind

__all__ = [
    "THUMB_SIZE",
    "PREVIEW_SIZE",
    "MAX_PICTURE_BYTES",
    "Pictures",
    "picture_part",
    "blur",
    "make_pictures",
    "to_qimage",
]

log = logging.getLogger(__name__)

THUMB_SIZE = (208, 148)
PREVIEW_SIZE = (720, 520)
#: Parts larger than this are not decoded for a picture (a placeholder is shown).
MAX_PICTURE_BYTES = 64 * 1024 * 1024
#: Images with more pixels than this (after JPEG draft scaling) are not decoded: at 4
#: bytes a pixel the decoded image stays under about 120 MB (the issue's bound: 200 MB).
MAX_DECODE_PIXELS = 30_000_000
BLUR_LONG_SIDE = 24
_DECODABLE = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp",
              "image/tiff", "image/x-ms-bmp")


@dataclass
class Pictures:
    """The pictures of one item: blurred always, sharp only when revealed."""

    thumb: QImage
    preview: QImage
    sharp_thumb: QImage | None = None
    sharp_preview: QImage | None = None


def _flagged(item: Item) -> bool:
    """The importer found the primary part a decompression bomb or not decodable."""
    image = item.metadata.get("image")
    return isinstance(image, dict) and (bool(image.get("bomb")) or
                                        image.get("preview") is False)


def picture_part(item: Item) -> int | None:
    """Index of the part to show as a picture, or None (then a kind icon is shown).

    A primary part the importer flagged as a decompression bomb (or as not decodable) is
    never decoded here."""
    if item.state != "active":
        return None
    for index, part in enumerate(item.parts):
        if index == 0 and _flagged(item):
            continue
        media = part.media_type.split(";")[0].strip().lower()
        if part.size > MAX_PICTURE_BYTES or media not in _DECODABLE:
            continue
        if item.kind == ItemKind.LINK and part.name != "rendering.png":
            continue
        return index
    return None


def blur(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``image`` fitted into ``size`` and blurred beyond recognition."""
    fitted = image.copy()
    fitted.thumbnail(size, Image.Resampling.LANCZOS)
    w, h = fitted.size
    scale = BLUR_LONG_SIDE / max(w, h)
    tiny = fitted.resize((max(1, round(w * scale)), max(1, round(h * scale))),
                         Image.Resampling.BOX)
    out = tiny.resize((w, h), Image.Resampling.BILINEAR)
    return out.filter(ImageFilter.GaussianBlur(radius=max(3.0, max(w, h) / 40)))


class TooLarge(ValueError):
    """More pixels than :data:`MAX_DECODE_PIXELS`: not decoded."""


def _decode(data: bytes) -> Image.Image:
    """Decode with a size bound: JPEG is scaled down while decoding (``draft``), anything
    still above :data:`MAX_DECODE_PIXELS` is refused before a pixel is decoded, and the
    image is shrunk (``thumbnail``, which uses ``reduce``) before any conversion copy."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        opened = Image.open(io.BytesIO(data))
        opened.draft("RGB", (PREVIEW_SIZE[0] * 2, PREVIEW_SIZE[1] * 2))
        opened.seek(0)
        width, height = opened.size
        if width * height > MAX_DECODE_PIXELS:
            raise TooLarge(f"{width}x{height}")
        opened.load()
    opened.thumbnail((PREVIEW_SIZE[0] * 2, PREVIEW_SIZE[1] * 2), Image.Resampling.LANCZOS,
                     reducing_gap=2.0)
    im: Image.Image = ImageOps.exif_transpose(opened) or opened
    if im.mode in ("RGBA", "LA", "P"):
        rgba = im.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return im.convert("RGB")


def to_qimage(image: Image.Image) -> QImage:
    """A ``QImage`` owning its own copy of the pixels of an RGB Pillow image."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    qimg = QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888)
    return qimg.copy()


def make_pictures(data: bytes, sharp: bool) -> Pictures | None:
    """Blurred (and, if ``sharp``, clear) thumbnail and preview; None if not decodable."""
    try:
        im = _decode(data)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        log.info("picture could not be decoded (%s)", type(exc).__name__)
        return None
    pics = Pictures(thumb=to_qimage(blur(im, THUMB_SIZE)),
                    preview=to_qimage(blur(im, PREVIEW_SIZE)))
    if sharp:
        for size, attr in ((THUMB_SIZE, "sharp_thumb"), (PREVIEW_SIZE, "sharp_preview")):
            fitted = im.copy()
            fitted.thumbnail(size, Image.Resampling.LANCZOS)
            setattr(pics, attr, to_qimage(fitted))
    im.close()
    return pics
