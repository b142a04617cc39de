"""Which parts of an item get perceptual hashes, and how the hashes sit in its metadata.

Pictures (``image/*``) get six PDQ hashes: the whole picture; its centre without 2.5 %
at each edge (``"crop": 0.95``), so that copies with evenly trimmed edges match; and the
picture without 5 % of its width or height on one side (``"crop": 0.95, "side": "left"``,
``"right"``, ``"top"``, ``"bottom"``; stored without ``variants``: they are only looked
up, by the dihedral variants of other items' whole pictures), so that copies cut on one
side match. Videos
(``video/*``) get one per second of playing time (see :mod:`evidencekit.similar.video`).
The hashes are kept in the item's encrypted metadata under :data:`META_KEY`::

    "pdq": {"version": 2,
            "hashes": [{"part": "original.jpg", "second": null, "hash": "<64 hex>",
                        "quality": 100, "variants": ["<64 hex>", … 7 …]}, …],
            "failed": ["broken.png"]}

Version 1 (before the one-sided crops) is read as it is: its items still match, and
``rehash`` (or the GUI's background job) adds the one-sided crops to items with pictures.

``variants`` are the rotate90, rotate180, rotate270, flipx, flipy, flipplus1 and
flipminus1 hashes, so copies that were turned or mirrored are found too. Parts that
could not be decoded are named in ``failed``; nothing is ever raised for bad data.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable
from typing import Any

from PIL import Image

from evidencekit.model import Item, PartInput
from evidencekit.similar.index import HashEntry
from evidencekit.similar.pdq import INNER, SIDE_KEEP, SIDES, PdqHash, hash_image_file
from evidencekit.similar.video import hash_video_bytes

__all__ = ["META_KEY", "VERSION", "SIDES_VERSION", "MAX_VIDEO_BYTES", "outdated",
           "wants_hash", "hash_part_data", "perceptual_metadata", "item_perceptual_metadata",
           "entries_of", "primary_hash"]

log = logging.getLogger(__name__)

META_KEY = "pdq"
VERSION = 2
#: The first version that holds the one-sided crops of pictures.
SIDES_VERSION = 2
#: Videos larger than this are not read into memory to be hashed (named in ``failed``).
MAX_VIDEO_BYTES = 512 * 1024 * 1024
#: Pictures larger than this are not hashed (far beyond any real picture file).
MAX_IMAGE_BYTES = 256 * 1024 * 1024


def wants_hash(media_type: str) -> bool:
    return media_type.startswith(("image/", "video/"))


def _entry(part: str, pdq: PdqHash, second: int | None = None,
           crop: float | None = None, side: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"part": part, "second": second, "hash": pdq.hash,
                         "quality": pdq.quality, "variants": list(pdq.variants)}
    if crop is not None:
        d["crop"] = crop
    if side is not None:
        d["side"] = side
    return d


def hash_part_data(name: str, media_type: str, data: bytes) -> list[dict[str, Any]]:
    """The hash entries of one part's bytes; ``ValueError`` when they do not decode."""
    if media_type.startswith("video/"):
        return [_entry(name, f.pdq, f.second) for f in hash_video_bytes(data)]
    plain, inner, *cut = hash_image_file(io.BytesIO(data), inner=True, sides=True)
    return [_entry(name, plain), _entry(name, inner, crop=INNER)] + [
        _entry(name, h, crop=SIDE_KEEP, side=side) for side, h in zip(SIDES, cut, strict=True)]


_Row = tuple[str, str, int, Callable[[], bytes]]


def _collect(parts: list[_Row]) -> dict[str, Any] | None:
    hashes: list[dict[str, Any]] = []
    failed: list[str] = []
    for name, media_type, size, read in parts:
        if not wants_hash(media_type):
            continue
        limit = MAX_VIDEO_BYTES if media_type.startswith("video/") else MAX_IMAGE_BYTES
        if size > limit:
            failed.append(name)
            continue
        try:
            hashes.extend(hash_part_data(name, media_type, read()))
        except ValueError as exc:
            log.info("no perceptual hash for a part: %s", exc)
            failed.append(name)
    if not hashes and not failed:
        return None
    return {"version": VERSION, "hashes": hashes, "failed": failed}


#: At capture, pictures with more pixels than this are left to the background job or
#: ``rehash`` unless they are JPEG (decoded at a reduced scale): decoding a 4K PNG takes
#: longer than the whole capture is allowed to.
CAPTURE_MAX_PIXELS = 4_200_000
#: At capture, items with more picture parts than this (a chat export with its media)
#: are left to the background job or ``rehash`` too, so an import is not held up.
CAPTURE_MAX_PARTS = 16


def _cheap(part: PartInput) -> bool:
    """Whether a picture decodes fast enough to hash while it is being stored."""
    try:
        source: Any = io.BytesIO(part.data) if part.data is not None else part.path
        with Image.open(source) as img:
            return img.format == "JPEG" or img.width * img.height <= CAPTURE_MAX_PIXELS
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return True  # not a picture Pillow knows: _collect records it as failed


def perceptual_metadata(parts: list[PartInput]) -> dict[str, Any] | None:
    """At capture: hashes of the picture parts of a new item (bytes in memory or the
    file being imported), or ``None`` when it has none or they are too large to decode
    at once (see :data:`CAPTURE_MAX_PIXELS`; the background job and ``rehash`` do
    those)."""
    def reader(p: PartInput) -> Callable[[], bytes]:
        if p.data is not None:
            data = p.data
            return lambda: data
        path = p.path
        assert path is not None
        return path.read_bytes

    rows: list[_Row] = []
    for p in parts:
        if not wants_hash(p.media_type):
            continue
        try:
            size = len(p.data) if p.data is not None else (p.path.stat().st_size
                                                           if p.path else 0)
        except OSError:
            continue
        rows.append((p.name, p.media_type, size, reader(p)))
    if len(rows) > CAPTURE_MAX_PARTS:
        return None
    try:
        if not all(_cheap(p) for p in parts if wants_hash(p.media_type)):
            return None
        return _collect(rows)
    except OSError as exc:
        log.info("no perceptual hash at capture: %s", exc.strerror)
        return None


def item_perceptual_metadata(item: Item, read: Callable[[int], bytes]) -> dict[str, Any] | None:
    """For ``rehash``: hashes of a stored item's parts, read through ``read(index)``
    (which re-hashes them against their SHA-256)."""
    rows: list[_Row] = [(p.name, p.media_type, p.size, functools.partial(read, i))
            for i, p in enumerate(item.parts)]
    return _collect(rows)


def outdated(item: Item) -> bool:
    """Whether the item's stored hashes come from before the one-sided crops while it
    has a picture part (videos are not cropped, so their older hashes are complete)."""
    data = item.metadata.get(META_KEY)
    if not isinstance(data, dict):
        return False
    version = data.get("version")
    if isinstance(version, int) and version >= SIDES_VERSION:
        return False
    return any(p.media_type.startswith("image/") for p in item.parts)


def entries_of(item: Item) -> list[HashEntry]:
    """The item's stored hashes as index entries (none for malformed metadata)."""
    data = item.metadata.get(META_KEY)
    if not isinstance(data, dict):
        return []
    out: list[HashEntry] = []
    for h in data.get("hashes") or []:
        try:
            variants = [str(v) for v in h.get("variants") or []]
            hashes = (str(h["hash"]), *variants)
            if any(len(x) != 64 for x in hashes) or len(hashes) not in (1, 8):
                continue
            int("".join(hashes), 16)
            second = h.get("second")
            crop = h.get("crop")
            side = h.get("side")
            if side is not None and side not in SIDES:
                continue
            out.append(HashEntry(item=item.number, part=str(h.get("part", "")),
                                 hashes=hashes, quality=int(h["quality"]),
                                 second=int(second) if second is not None else None,
                                 crop=float(crop) if crop is not None else None,
                                 side=side))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return out


def primary_hash(item: Item) -> HashEntry | None:
    """The first plain (uncropped) hash of an item (its main picture), if any."""
    return next((e for e in entries_of(item) if e.crop is None), None)
