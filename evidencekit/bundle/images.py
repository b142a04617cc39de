"""Page images for the bundle: safe decoding, downscaling, blurring and PDF first pages.

Everything happens in memory. An image that cannot be decoded safely (corrupt, hostile,
a decompression bomb, an unknown format) gives a :class:`Preview` with a ``problem`` key
instead of raising: the bundle then shows a placeholder and still attaches the original.
Images printed on a page are re-encoded as JPEG (quality ~80) at about 150 dpi of their
printed size, so a page of layout stays small whatever the size of the original.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import sys
import zlib
from dataclasses import dataclass, field, replace

from PIL import Image, ImageFilter, ImageOps

__all__ = [
    "PageImage",
    "Preview",
    "MAX_PIXELS",
    "PRINT_DPI",
    "IMAGE_TYPES",
    "preview_image",
    "preview_pdf",
]

log = logging.getLogger(__name__)

#: Images with more pixels than this are not decoded (decompression-bomb guard); a JPEG
#: may be larger since it is decoded at a reduced scale (``draft``), within MAX_PIXELS.
MAX_PIXELS = 50_000_000
MAX_JPEG_PIXELS = 170_000_000
#: Resolution of page images relative to their printed size.
PRINT_DPI = 150
JPEG_QUALITY = 80
#: A tall capture is cut into at most this many page-wide slices.
MAX_SLICES = 3
#: Images taller than this ratio (height / width) are sliced rather than shrunk.
SLICE_ASPECT = 2.4
#: Formats Pillow may open for a page image (others are not even tried).
_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF")
IMAGE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/jpg",
        "image/gif",
        "image/webp",
        "image/bmp",
        "image/tiff",
    }
)
_PDFTOPPM_TIMEOUT = 60
_PDFTOPPM_MEMORY = 1 << 30

# Errors Pillow raises on broken or hostile input (it has no single base class).
_DECODE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    MemoryError,
    zlib.error,
)


@dataclass(frozen=True)
class PageImage:
    """One JPEG to print, with its pixel size and the points it should cover."""

    jpeg: bytes
    width_px: int
    height_px: int
    width_pt: float
    height_pt: float


@dataclass(frozen=True)
class Preview:
    """What to print for a part: image slices, or a problem key for a placeholder."""

    images: list[PageImage] = field(default_factory=list)
    problem: str | None = None
    source_size: tuple[int, int] | None = None
    blurred: bool = False
    note_key: str | None = None  # e.g. "first page of the PDF"


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112, 1))
    except _DECODE_ERRORS:
        return 1


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode == "RGB":
        return im
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return ImageOps.autocontrast(im.convert("L")).convert("RGB")
    return im.convert("RGB")


def _fit(
    w: int, h: int, max_w_pt: float, max_h_pt: float, cont_h_pt: float
) -> tuple[float, float, list[float]]:
    """Printed width and height of the whole image, and the printed height of each slice.

    An image up to :data:`SLICE_ASPECT` times taller than wide is scaled into the box; a
    taller one (a full-page capture) keeps the page width and is cut into slices: the first
    fills ``max_h_pt``, the others ``cont_h_pt`` (a page of their own).
    """
    natural_w = w * 72.0 / 96.0 * 2.0  # never print a small image more than 2x its 96-dpi size
    width_pt = min(max_w_pt, natural_w)
    height_pt = h * width_pt / w
    if height_pt <= max_h_pt or h / w <= SLICE_ASPECT:
        if height_pt > max_h_pt:
            width_pt *= max_h_pt / height_pt
            height_pt = max_h_pt
        return width_pt, height_pt, [height_pt]
    capacity = max_h_pt + (MAX_SLICES - 1) * cont_h_pt
    if height_pt > capacity:
        width_pt *= capacity / height_pt
        height_pt = capacity
    slices: list[float] = []
    remaining = height_pt
    while remaining > 0.5:
        take = min(max_h_pt if not slices else cont_h_pt, remaining)
        slices.append(take)
        remaining -= take
    return width_pt, height_pt, slices


def _downscale(im: Image.Image, target_w: int, target_h: int) -> Image.Image:
    """Shrink to about ``target_w`` pixels wide, cheaply.

    An integer box reduction (``Image.reduce``) is ten times faster than a Lanczos resize of
    a full-HD screenshot; its result is kept when it lands within 80-115 % of the target
    width (the printed size does not change, only the pixel density: ~120-170 dpi).
    """
    if im.width <= target_w:
        return im
    factor = max(1, round(im.width / target_w))
    if factor > 1 and im.width / factor < 0.8 * target_w:
        factor -= 1
    if factor > 1:
        im = im.reduce(factor)
    if im.width > 1.15 * target_w:
        im = im.resize((target_w, target_h), Image.Resampling.BICUBIC)
    return im


def _encode(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
    return out.getvalue()


def preview_image(
    data: bytes,
    *,
    max_w_pt: float,
    max_h_pt: float,
    cont_h_pt: float | None = None,
    blur: bool = False,
) -> Preview:
    """Decode ``data`` safely and return page-sized JPEG slices (blurred if asked).

    ``max_w_pt`` / ``max_h_pt`` is the box the picture (or its first slice) may fill;
    ``cont_h_pt`` the height of further slices of a very tall capture. Never raises for bad
    image data; the returned preview then carries ``problem``.
    """
    try:
        with Image.open(io.BytesIO(data), formats=_FORMATS) as im:
            w, h = im.size
            if w <= 0 or h <= 0:
                return Preview(problem="bundle.preview.damaged")
            if w * h > (MAX_JPEG_PIXELS if im.format == "JPEG" else MAX_PIXELS):
                log.info("image of %dx%d pixels not decoded (too large)", w, h)
                return Preview(problem="bundle.preview.too_large", source_size=(w, h))
            orientation = _orientation(im)
            swap = orientation in (5, 6, 7, 8)
            ow, oh = (h, w) if swap else (w, h)
            width_pt, height_pt, slices = _fit(ow, oh, max_w_pt, max_h_pt, cont_h_pt or max_h_pt)
            target_w = max(1, min(ow, round(width_pt / 72.0 * PRINT_DPI)))
            target_h = max(1, round(oh * target_w / ow))
            if im.format == "JPEG":
                dw, dh = (target_h, target_w) if swap else (target_w, target_h)
                im.draft("RGB", (dw, dh))  # DCT scaling: decodes at 1/2 .. 1/8 size
                if im.size[0] * im.size[1] > MAX_PIXELS:
                    return Preview(problem="bundle.preview.too_large", source_size=(w, h))
            im.seek(0)
            im.load()
            frame = _to_rgb(im)
    except Image.DecompressionBombError:
        log.info("image not decoded (Pillow's decompression-bomb limit)")
        return Preview(problem="bundle.preview.too_large")
    except _DECODE_ERRORS as exc:
        log.info("image not decodable for the page (%s)", type(exc).__name__)
        return Preview(problem="bundle.preview.damaged")
    if orientation != 1:
        frame = _apply_orientation(frame, orientation)
    frame = _downscale(frame, target_w, target_h)
    target_w, target_h = frame.size
    if blur:
        radius = max(8.0, max(frame.size) / 30.0)
        frame = frame.filter(ImageFilter.GaussianBlur(radius))
    images: list[PageImage] = []
    top = 0
    done_pt = 0.0
    for n, slice_pt in enumerate(slices):
        done_pt += slice_pt
        bottom = target_h if n == len(slices) - 1 else round(target_h * done_pt / height_pt)
        if bottom <= top:
            continue
        part = frame if len(slices) == 1 else frame.crop((0, top, target_w, bottom))
        images.append(
            PageImage(
                jpeg=_encode(part),
                width_px=part.width,
                height_px=part.height,
                width_pt=width_pt,
                height_pt=height_pt * part.height / target_h,
            )
        )
        top = bottom
    return Preview(images=images, source_size=(ow, oh), blurred=blur)


def _apply_orientation(im: Image.Image, orientation: int) -> Image.Image:
    ops = {
        2: [Image.Transpose.FLIP_LEFT_RIGHT],
        3: [Image.Transpose.ROTATE_180],
        4: [Image.Transpose.FLIP_TOP_BOTTOM],
        5: [Image.Transpose.TRANSPOSE],
        6: [Image.Transpose.ROTATE_270],
        7: [Image.Transpose.TRANSVERSE],
        8: [Image.Transpose.ROTATE_90],
    }
    for op in ops.get(orientation, []):
        im = im.transpose(op)
    return im


def _limit_child() -> None:  # pragma: no cover - runs in the child process
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (_PDFTOPPM_MEMORY, _PDFTOPPM_MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (_PDFTOPPM_TIMEOUT, _PDFTOPPM_TIMEOUT))


def preview_pdf(
    data: bytes,
    *,
    max_w_pt: float,
    max_h_pt: float,
    cont_h_pt: float | None = None,
    blur: bool = False,
) -> Preview:
    """Render the first page of a PDF given as bytes (piped to ``pdftoppm``, no temp file).

    Without poppler, or when the PDF cannot be rendered, the preview carries a problem key.
    """
    exe = shutil.which("pdftoppm")
    if exe is None:
        return Preview(problem="bundle.preview.no_renderer")
    long_side = max(200, round(max(max_w_pt, max_h_pt) / 72.0 * PRINT_DPI))
    cmd = [exe, "-png", "-f", "1", "-l", "1", "-scale-to", str(long_side), "-singlefile", "-"]
    try:
        proc = subprocess.run(  # noqa: S603 - fixed arguments, input on stdin
            cmd,
            input=data,
            capture_output=True,
            timeout=_PDFTOPPM_TIMEOUT,
            check=False,
            preexec_fn=_limit_child if sys.platform.startswith("linux") else None,  # noqa: PLW1509
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("pdftoppm failed to run (%s)", type(exc).__name__)
        return Preview(problem="bundle.preview.damaged")
    if proc.returncode != 0 or not proc.stdout:
        log.info("pdftoppm could not render the first page (exit %s)", proc.returncode)
        return Preview(problem="bundle.preview.damaged")
    preview = preview_image(
        proc.stdout, max_w_pt=max_w_pt, max_h_pt=max_h_pt, cont_h_pt=cont_h_pt, blur=blur
    )
    if preview.problem is not None:
        return preview
    return replace(preview, note_key="bundle.preview.first_page", source_size=None)
