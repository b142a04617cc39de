"""Metadata summaries of image files for imported evidence, read without altering anything.

:func:`image_summary` opens an image lazily with Pillow (the header only), reports its
format, dimensions, mode, frame count and EXIF facts (camera make/model, original time,
software, orientation, GPS), and checks that it decodes:

* Decompression bombs (more pixels than ``PIL.Image.MAX_IMAGE_PIXELS``, whether Pillow
  warns or refuses) are never decoded: ``bomb: true``, ``preview: false`` and the warning
  ``capture.warn.image_bomb``. The file itself is still kept as evidence.
* Truncated or corrupt images get ``image_error`` (a message key) and a warning; nothing
  is raised out of this module for bad image data.

The decode check reads the pixels into memory only (for JPEG at 1/8 scale through
libjpeg's DCT scaling, which still walks all the compressed data), never to disk, and
only for images below :data:`DECODE_CHECK_PIXELS`. PNG chunk checksums are checked
without decompressing. Nothing is written anywhere.

GPS: the summary holds ``gps: true/false`` and, when present, the coordinates under
``gps_position``. The position is evidence (where a photo was taken can identify a place
or a person), the item metadata is encrypted in the vault like the original bytes that
already contain it, and dropping it would make the summary less truthful than the file.
Because a position can also be the victim's own home, a separate warning
(``capture.warn.gps_location``) lets the GUI and the bundle flag it and offer to leave
the coordinates out of printed summaries.
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from typing import IO, Any

from PIL import ExifTags, Image, ImageFile, UnidentifiedImageError

__all__ = ["DECODE_CHECK_PIXELS", "ImageInfo", "image_summary", "bomb_limit"]

log = logging.getLogger(__name__)

#: Images with more pixels than this are not decoded to check them (header facts only).
DECODE_CHECK_PIXELS = 50_000_000
#: Pillow's default limit, used when a caller has set ``MAX_IMAGE_PIXELS = None``.
_DEFAULT_BOMB_PIXELS = 89_478_485
_MAX_TEXT = 200

#: A path or an open binary file (read from the start; left open).
_Source = str | os.PathLike[str] | IO[bytes]

_IFD_EXIF = int(ExifTags.IFD.Exif)
_IFD_GPS = int(ExifTags.IFD.GPSInfo)
_MAKE = int(ExifTags.Base.Make)
_MODEL = int(ExifTags.Base.Model)
_SOFTWARE = int(ExifTags.Base.Software)
_DATETIME = int(ExifTags.Base.DateTime)
_ORIENTATION = int(ExifTags.Base.Orientation)
_DATETIME_ORIGINAL = int(ExifTags.Base.DateTimeOriginal)
_OFFSET_TIME_ORIGINAL = int(ExifTags.Base.OffsetTimeOriginal)


class ImageInfo:
    """The result: a JSON-safe ``summary`` dict and a list of warning message keys."""

    __slots__ = ("summary", "warnings")

    def __init__(self) -> None:
        self.summary: dict[str, Any] = {}
        self.warnings: list[str] = []

    def error(self, key: str, warning: str) -> ImageInfo:
        self.summary["image_error"] = key
        self.summary["preview"] = False
        if warning not in self.warnings:
            self.warnings.append(warning)
        return self


def bomb_limit() -> int:
    """The pixel count above which an image is treated as a decompression bomb."""
    limit = Image.MAX_IMAGE_PIXELS
    return int(limit) if limit else _DEFAULT_BOMB_PIXELS


def image_summary(path: _Source) -> ImageInfo:
    """Summarise the image at ``path`` (or in an open binary file, which stays open);
    never raises for bad image data.

    ``OSError`` from opening the file itself (permission, I/O) is also turned into an
    ``image_error`` here, since the caller has already read the file's head.
    """
    info = ImageInfo()
    try:
        _summarise(path, info)
    except Image.DecompressionBombError as exc:
        _mark_bomb(info, _pixels_from_message(str(exc)))
    except UnidentifiedImageError:
        info.summary["image_error"] = "capture.image.unsupported"
        info.summary["preview"] = False
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        log.info("image could not be read: %s", type(exc).__name__)
        key = _error_key(exc)
        warning = (
            "capture.warn.image_truncated"
            if key == "capture.image.truncated"
            else "capture.warn.image_corrupt"
        )
        info.error(key, warning)
    except Exception as exc:  # noqa: BLE001 - hostile input must never stop an import
        log.warning("unexpected error reading an image: %s", type(exc).__name__)
        info.error("capture.image.corrupt", "capture.warn.image_corrupt")
    return info


def _summarise(path: _Source, info: ImageInfo) -> None:
    s = info.summary
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Image.open(path) as im:
            s["format"] = im.format
            s["width"], s["height"] = im.size
            s["mode"] = im.mode
            frames = int(getattr(im, "n_frames", 1) or 1)
            s["frames"] = frames
            s["animated"] = bool(getattr(im, "is_animated", False)) or frames > 1
            _exif_into(im, s, info.warnings)
            pixels = max(1, im.size[0]) * max(1, im.size[1])
            bomb = pixels > bomb_limit() or any(
                issubclass(w.category, Image.DecompressionBombWarning) for w in caught
            )
            if bomb:
                _mark_bomb(info, pixels)
                return
            fmt = im.format
        _check_decodes(path, fmt, pixels, info)
    for w in caught:
        if not issubclass(w.category, Image.DecompressionBombWarning):
            log.debug("image warning: %s", w.category.__name__)


def _check_decodes(
    path: _Source, fmt: str | None, pixels: int, info: ImageInfo
) -> None:
    s = info.summary
    if fmt == "PNG":
        # Chunk structure and CRCs, without decompressing (verify() spends the object).
        with Image.open(path) as png:
            png.verify()
    if pixels > DECODE_CHECK_PIXELS:
        s["decode_checked"] = False
        s["preview"] = True
        return
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        log.debug("LOAD_TRUNCATED_IMAGES is set: truncation may go unnoticed")
    with Image.open(path) as im:
        if fmt == "JPEG":
            im.draft("RGB", (max(1, im.size[0] // 8), max(1, im.size[1] // 8)))
        im.load()
    s["decode_checked"] = True
    s["preview"] = True


def _mark_bomb(info: ImageInfo, pixels: int | None) -> None:
    info.summary["bomb"] = True
    info.summary["preview"] = False
    info.summary["image_error"] = "capture.image.bomb"
    if pixels is not None:
        info.summary["declared_pixels"] = pixels
    info.summary["pixel_limit"] = bomb_limit()
    if "capture.warn.image_bomb" not in info.warnings:
        info.warnings.append("capture.warn.image_bomb")


def _pixels_from_message(message: str) -> int | None:
    # Pillow's message: "Image size (900000000 pixels) exceeds limit of ..."
    start = message.find("(")
    end = message.find(" pixels)")
    if 0 <= start < end:
        digits = message[start + 1 : end]
        if digits.isdigit():
            return int(digits)
    return None


def _error_key(exc: BaseException) -> str:
    text = str(exc).lower()
    if "truncated" in text or isinstance(exc, EOFError):
        return "capture.image.truncated"
    return "capture.image.corrupt"


# --- EXIF ---------------------------------------------------------------------------


def _exif_into(im: Image.Image, s: dict[str, Any], warns: list[str]) -> None:
    try:
        exif = im.getexif()
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError) as exc:
        log.debug("EXIF unreadable: %s", type(exc).__name__)
        s["exif"] = False
        s["exif_error"] = "capture.image.exif_corrupt"
        return
    s["exif"] = bool(exif)
    if not exif:
        s["gps"] = False
        return
    for key, tag in (
        ("camera_make", _MAKE),
        ("camera_model", _MODEL),
        ("software", _SOFTWARE),
        ("datetime", _DATETIME),
    ):
        value = _clean_text(exif.get(tag))
        if value:
            s[key] = value
    orientation = exif.get(_ORIENTATION)
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        s["orientation"] = orientation
    sub = _safe_ifd(exif, _IFD_EXIF)
    for key, tag in (
        ("datetime_original", _DATETIME_ORIGINAL),
        ("offset_time_original", _OFFSET_TIME_ORIGINAL),
    ):
        value = _clean_text(sub.get(tag))
        if value:
            s[key] = value
    gps = _safe_ifd(exif, _IFD_GPS)
    s["gps"] = bool(gps)
    if gps:
        position = _gps_position(gps)
        if position:
            s["gps_position"] = position
        warns.append("capture.warn.gps_location")


def _safe_ifd(exif: Image.Exif, tag: int) -> dict[int, Any]:
    try:
        return dict(exif.get_ifd(tag))
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError) as exc:
        log.debug("EXIF IFD %#x unreadable: %s", tag, type(exc).__name__)
        return {}


def _clean_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", "").strip()
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in text)
    return text[:_MAX_TEXT] or None


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def _dms(value: object) -> float | None:
    if isinstance(value, tuple | list) and len(value) == 3:
        parts = [_number(v) for v in value]
        if any(p is None for p in parts):
            return None
        d, m, sec = (p for p in parts if p is not None)
        return d + m / 60.0 + sec / 3600.0
    return _number(value)


def _gps_position(gps: dict[int, Any]) -> dict[str, Any] | None:
    lat = _dms(gps.get(2))
    lon = _dms(gps.get(4))
    if lat is None or lon is None:
        return None
    lat_ref = _clean_text(gps.get(1)) or "N"
    lon_ref = _clean_text(gps.get(3)) or "E"
    if lat_ref.upper().startswith("S"):
        lat = -lat
    if lon_ref.upper().startswith("W"):
        lon = -lon
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    position: dict[str, Any] = {"latitude": round(lat, 7), "longitude": round(lon, 7)}
    altitude = _number(gps.get(6))
    if altitude is not None:
        ref = gps.get(5)
        below = ref in (1, b"\x01")
        position["altitude_m"] = round(-altitude if below else altitude, 2)
    stamp_date = _clean_text(gps.get(29))
    if stamp_date:
        position["gps_date"] = stamp_date
    return position
