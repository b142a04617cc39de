"""A file item's "Collection details": the file, its image properties, EXIF and GPS.

:func:`file` adds the groups of an imported file to a :class:`~.metadata_rows.View`: the
names, the media type (declared and as its content suggests), size and times, then for a
picture its size, camera, EXIF times and orientation, and the GPS position - or, when the
export hides locations, a line saying it was left out.
"""

from __future__ import annotations

import logging
from typing import Any

from evidencekit.bundle.metadata_rows import Line, Meta, View, empty
from evidencekit.bundle.styles import Localized, fmt_size

__all__ = ["file"]

log = logging.getLogger(__name__)


def file(view: View, m: Meta) -> None:
    view.group("file")
    view.simple(m, "original_name", "original_name_hex", "display_name")
    detail = m.get("media_detail")
    view.add("media_type", [Line(t) for t in (view.join(m, "media_type"),
                                              _sniffed(view, detail)) if t])
    view.simple(m, "extension_media_type", "charset")
    size = m.get("size")
    if not (view.item.parts and size == view.item.size):  # else the general row has it
        view.add("file_size", fmt_size(size) if isinstance(size, int) else size)
    view.add("mtime", view.when(m.get("mtime")))
    view.simple(m, "original_path", mono=True)
    view.add("via_symlink", m.get("via_symlink") or None)
    image = m.sub("image")
    error = _image(view, image) if image is not None else None
    warnings = m.get("warnings")
    if isinstance(warnings, list) and all(isinstance(w, str) for w in warnings):
        said = f"capture.warn.image_{str(error).rsplit('.', 1)[-1]}"  # shown as the error
        warnings = [line for w in warnings if w != said for line in view.say(w, warn=True)]
    view.add("warnings", warnings)


def _sniffed(view: View, detail: Any) -> str:
    """What the content looks like, said as a guess (``내용으로 보아 … 보입니다``) for
    the kinds recognised by their content; a plain fact (an empty file) as it is."""
    if empty(detail):
        return ""
    key = f"court.sniff.{str(detail).lower()}"
    if view.lab.has(key):
        return view.lab("court.sniff_guess", what=Localized(key))
    return str(view.pick("detail", detail) or "")


def _image(view: View, i: Meta) -> Any:
    """The image rows; returns the image error key (its warning is not repeated)."""
    view.group("image")
    if i.data.get("width") and i.data.get("height"):
        frames = i.get("frames")
        view.add("image_size", [Line(f"{i.get('width')} × {i.get('height')} px · "
                                     + view.join(i, "format", "mode", sep=" · "))] + (
            [Line(view.lab("bundle.metaval.frames", count=frames))]
            if i.get("animated") and isinstance(frames, int) else []))
    error = i.get("image_error")
    view.add("image_error", view.say(str(error), warn=True) if error else None)
    pixels, limit = i.data.get("declared_pixels"), i.data.get("pixel_limit")
    if isinstance(pixels, int) and isinstance(limit, int):
        i.drop("declared_pixels", "pixel_limit")
        view.add("declared_pixels", view.lab("bundle.metaval.pixels", pixels=f"{pixels:,}",
                                             limit=f"{limit:,}"))
    make, model = (str(i.data.get(k) or "") for k in ("camera_make", "camera_model"))
    view.add("camera", model if make and model.lower().startswith(make.lower()) else
             view.join(i, "camera_make", "camera_model"), mono=False)
    i.drop("camera_make", "camera_model")
    view.simple(i, "software", mono=False)
    view.add("taken", _exif_time(view, i.get("datetime_original"), i.get("offset_time_original")))
    view.add("exif_changed", _exif_time(view, i.get("datetime"), None))
    view.add("orientation", view.pick("orientation", i.get("orientation")))
    exif_error = i.get("exif_error")
    if exif_error:
        view.add("exif", view.say(str(exif_error), warn=True))
    elif i.data.get("exif") is False:
        view.add("exif", view.lab("bundle.metaval.exif_none"))
    _gps(view, i)
    view.add("decode_checked", view.pick("decoded", i.get("decode_checked")))
    i.drop("exif", "preview", "bomb")
    return error


def _exif_time(view: View, value: Any, offset: Any) -> str | None:
    text = str(value or "")
    if len(text) >= 19 and text[4] == ":" and text[7] == ":":
        text = f"{text[:4]}-{text[5:7]}-{text[8:]}"
    return (f"{text} {offset}" if offset else
            f"{text} ({view.lab('bundle.metaval.no_zone')})") if text else None


def _gps(view: View, i: Meta) -> None:
    has, pos = i.get("gps"), i.sub("gps_position")
    lat, lon = (pos.data.get(k) if pos else None for k in ("latitude", "longitude"))
    if pos is None or not isinstance(lat, int | float) or not isinstance(lon, int | float):
        view.add("gps", view.pick("gps", has))
        return
    if view.hide_location:
        pos.drop(*pos.data.keys())
        view.add("gps", view.say("court.location_hidden"))
        return
    pos.drop("latitude", "longitude")
    where = f"{abs(lat)}° {'SN'[lat >= 0]}, {abs(lon)}° {'WE'[lon >= 0]}"
    lines = [Line(where, prefix=view.lab("bundle.metaval.gps_present"))]
    for key in ("altitude_m", "gps_date"):
        if pos.data.get(key) is not None:
            lines.append(Line(str(pos.get(key)), prefix=view.lab(f"bundle.metaval.{key}")))
    view.add("gps", lines)
