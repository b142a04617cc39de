"""PDQ perceptual hashes in numpy, written from Meta's published description (the
ThreatExchange ``hashing/hashing.pdf`` and its reference hasher's documented steps):

1. the picture is shrunk to fit 512×512 (Pillow ``thumbnail``, as the reference Python
   hasher does) and turned into float luminance ``0.299 R + 0.587 G + 0.114 B``;
2. a tent filter (two passes of 1-D box filters along rows then columns, Jarosz), with a
   window of ``ceil(size / 128)`` pixels, blurs it; near the edges the box is cut off and
   the mean is taken over the pixels inside;
3. 64×64 samples are taken at the centres of a regular grid;
4. the quality is the sum of the quantised neighbour differences ``|Δ·100/255|`` (rounded
   toward zero) divided by 90, at most 100;
5. the 16×16 low-frequency block of the 2-D DCT-II (rows 1…16, constant term left out)
   is compared with its median (the 128th smallest value): each coefficient above it
   is a 1 bit. Bit ``16·i + j`` is coefficient (i, j); the hex form is the 256-bit
   number, most significant nibble first.

The eight dihedral variants (quarter turns anticlockwise by 90°, 180°, 270° as the
reference names them, mirror images along x, y and both diagonals) are computed from the
same DCT block by transposing and changing signs of odd frequencies, then thresholding
against the new block's median.

Distance is the Hamming distance; 31 or less means "the same picture", and hashes with
quality under 50 come from flat pictures and are too weak to match on.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from typing import IO

import numpy as np
import numpy.typing as npt
from PIL import Image

__all__ = [
    "MATCH_DISTANCE",
    "MIN_QUALITY",
    "DIHEDRAL_NAMES",
    "PdqHash",
    "hash_luma",
    "hash_image",
    "hash_image_bytes",
    "hash_image_file",
    "inner_crop",
    "INNER",
    "SIDES",
    "SIDE_KEEP",
    "side_crop",
    "hamming",
]

log = logging.getLogger(__name__)

#: Hashes this close (Hamming distance over 256 bits) are the same picture.
MATCH_DISTANCE = 31
#: Hashes of lower quality come from flat pictures and are not matched.
MIN_QUALITY = 50
#: The names of the dihedral variants in the order :attr:`PdqHash.variants` holds them.
DIHEDRAL_NAMES = ("original", "rotate90", "rotate180", "rotate270",
                  "flipx", "flipy", "flipplus1", "flipminus1")

_THUMB = 512
_WINDOW_DIVISOR = 128
_PASSES = 2
_LUMA = np.array([0.299, 0.587, 0.114])

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PdqHash:
    """A PDQ hash (64 hex digits), its quality (0…100) and its seven other dihedral
    variants (rotate90, rotate180, rotate270, flipx, flipy, flipplus1, flipminus1)."""

    hash: str
    quality: int
    variants: tuple[str, ...] = ()

    def all_variants(self) -> tuple[str, ...]:
        """The eight hashes in :data:`DIHEDRAL_NAMES` order."""
        return (self.hash, *self.variants)


def _dct_matrix() -> Floats:
    i = np.arange(1, 17, dtype=np.float64)[:, None]
    j = np.arange(64, dtype=np.float64)[None, :]
    return np.cos((np.pi / 128.0) * i * (2.0 * j + 1.0))


_DCT = _dct_matrix()


def _box_mean(a: Floats, window: int, axis: int) -> Floats:
    """Mean over a window of ``window`` samples along ``axis``, cut off at the edges: the
    output sample ``k`` covers inputs ``k - (window - half) … k + half - 1`` with
    ``half = (window + 2) // 2``, clipped to the array."""
    n = a.shape[axis]
    half = (window + 2) // 2
    k = np.arange(n)
    lo = np.clip(k - (window - half), 0, n)
    hi = np.clip(k + half, 0, n)  # exclusive
    zero_shape = list(a.shape)
    zero_shape[axis] = 1
    sums = np.concatenate([np.zeros(zero_shape), np.cumsum(a, axis=axis)], axis=axis)
    count = (hi - lo).astype(np.float64)
    if axis == 0:
        return (sums[hi, :] - sums[lo, :]) / count[:, None]
    return (sums[:, hi] - sums[:, lo]) / count[None, :]


def _quality(block: Floats) -> int:
    dv = np.trunc((block[:-1, :] - block[1:, :]) * 100.0 / 255.0)
    dh = np.trunc((block[:, :-1] - block[:, 1:]) * 100.0 / 255.0)
    total = int(np.abs(dv).sum() + np.abs(dh).sum())
    return min(total // 90, 100)


def _bits_to_hex(coeffs: Floats) -> str:
    flat = coeffs.reshape(256)
    median = np.partition(flat, 127)[127]
    bits = (flat > median).astype(np.uint8)
    return bytes(np.packbits(bits[::-1])).hex()


def _dihedral_blocks(d: Floats) -> list[Floats]:
    """The DCT blocks of the seven transformed pictures (rotate90 … flipminus1).

    Mirroring a picture left-right negates the odd horizontal frequencies, top-bottom the
    odd vertical ones; a diagonal mirror transposes the block. Rows (``i``) are vertical
    frequencies, columns (``j``) horizontal ones; index ``i`` is frequency ``i + 1``, so
    the odd frequencies sit at even indices."""
    odd_i = np.where(np.arange(16) % 2 == 0, -1.0, 1.0)[:, None]
    odd_j = np.where(np.arange(16) % 2 == 0, -1.0, 1.0)[None, :]
    flip_lr = d * odd_j  # x -> width-1-x
    flip_tb = d * odd_i  # y -> height-1-y
    rot180 = d * odd_i * odd_j
    return [
        (d * odd_j).T,        # rotate 90°: transpose of the left-right mirror
        rot180,
        (d * odd_i).T,        # rotate 270°: transpose of the top-bottom mirror
        flip_tb,              # flipx: mirrored about the x axis (upside down)
        flip_lr,              # flipy: mirrored about the y axis (left-right)
        d.T,                  # mirrored about the main diagonal
        rot180.T,             # mirrored about the other diagonal
    ]


def hash_luma(luma: Floats, *, dihedral: bool = True) -> PdqHash:
    """The PDQ hash of a 2-D array of luminance values (0…255)."""
    rows, cols = luma.shape
    if rows < 1 or cols < 1:
        raise ValueError("empty picture")
    buf = np.asarray(luma, dtype=np.float64)
    win_rows = (cols + _WINDOW_DIVISOR - 1) // _WINDOW_DIVISOR  # along each row
    win_cols = (rows + _WINDOW_DIVISOR - 1) // _WINDOW_DIVISOR
    for _ in range(_PASSES):
        buf = _box_mean(buf, win_rows, axis=1)
        buf = _box_mean(buf, win_cols, axis=0)
    ri = ((np.arange(64) + 0.5) * rows / 64).astype(np.int64)
    ci = ((np.arange(64) + 0.5) * cols / 64).astype(np.int64)
    block = buf[np.ix_(ri, ci)]
    quality = _quality(block)
    dct = _DCT @ block @ _DCT.T
    variants = tuple(_bits_to_hex(b) for b in _dihedral_blocks(dct)) if dihedral else ()
    return PdqHash(_bits_to_hex(dct), quality, variants)


def _luma_of(img: Image.Image) -> Floats:
    rgb = np.asarray(img.convert("RGB"), dtype=np.float64)
    return rgb @ _LUMA


def hash_image(img: Image.Image, *, dihedral: bool = True) -> PdqHash:
    """The PDQ hash of a Pillow image (shrunk to fit 512×512 first, as the reference
    does; the image passed in is not changed)."""
    work = img.copy() if img.width > _THUMB or img.height > _THUMB else img
    if work is not img:
        work.thumbnail((_THUMB, _THUMB))
    return hash_luma(_luma_of(work), dihedral=dihedral)


#: The inner part kept by :func:`inner_crop` (per side: 2.5 % trimmed).
INNER = 0.95


def inner_crop(img: Image.Image, keep: float = INNER) -> Image.Image:
    """The centre of a picture, ``keep`` of its width and height: the hash of this matches
    copies whose edges were trimmed by about 5 % (plain PDQ does not)."""
    return img.crop(_inner_box(*img.size, keep))


Box = tuple[int, int, int, int]


def _inner_box(w: int, h: int, keep: float = INNER) -> Box:
    dx, dy = round(w * (1 - keep) / 2), round(h * (1 - keep) / 2)
    return (dx, dy, max(dx + 1, w - dx), max(dy + 1, h - dy))


#: The sides :func:`side_crop` cuts from, in the order :func:`hash_image_file` hashes them.
SIDES = ("left", "right", "top", "bottom")
#: The share of the width (left, right) or height (top, bottom) :func:`side_crop` keeps.
SIDE_KEEP = 0.95


def side_crop(img: Image.Image, side: str, keep: float = SIDE_KEEP) -> Image.Image:
    """The picture without a strip of ``1 - keep`` of its width or height on one side:
    the hash of this matches copies cut by about 5 % on that side, which plain PDQ
    (distance 50 or more) and the centre hash do not. A copy that was also turned or
    mirrored is found through its dihedral variants."""
    return img.crop(_side_box(*img.size, side, keep))


def _side_box(w: int, h: int, side: str, keep: float = SIDE_KEEP) -> Box:
    dx, dy = min(round(w * (1 - keep)), w - 1), min(round(h * (1 - keep)), h - 1)
    return {"left": (dx, 0, w, h), "right": (0, 0, w - dx, h),
            "top": (0, dy, w, h), "bottom": (0, 0, w, h - dy)}[side]


def _cut(luma: Floats, box: Box) -> Floats:
    left, top, right, bottom = box
    return luma[top:bottom, left:right]


def hash_image_file(fh: IO[bytes], *, dihedral: bool = True, inner: bool = False,
                    sides: bool = False) -> list[PdqHash]:
    """Decode a picture from an open binary file (memory or disk; nothing is written)
    and hash it: ``[hash]``, then the hash of the inner crop with ``inner``, then the
    hashes of the four one-sided crops (:data:`SIDES` order, without dihedral variants:
    copies are found by looking up a whole picture's variants among them) with ``sides``.
    Raises ``ValueError`` for anything that is not a decodable picture, including
    decompression bombs (never decoded)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fh) as img:
                img.thumbnail((_THUMB, _THUMB))  # JPEG: decoded at a reduced scale
                img.load()
                luma = _luma_of(img)
                w, h = img.size
        out = [hash_luma(luma, dihedral=dihedral)]
        if inner:
            out.append(hash_luma(_cut(luma, _inner_box(w, h)), dihedral=dihedral))
        if sides:  # only ever looked up as they are: no dihedral variants
            out.extend(hash_luma(_cut(luma, _side_box(w, h, side)), dihedral=False)
                       for side in SIDES)
        return out
    except (OSError, SyntaxError, EOFError, ValueError, TypeError, MemoryError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValueError(f"not a decodable picture: {type(exc).__name__}") from exc


def hash_image_bytes(data: bytes, *, dihedral: bool = True) -> PdqHash:
    """The PDQ hash of a picture in memory (see :func:`hash_image_file`)."""
    return hash_image_file(io.BytesIO(data), dihedral=dihedral)[0]


def hamming(a: str, b: str) -> int:
    """Hamming distance between two hashes in hex."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
