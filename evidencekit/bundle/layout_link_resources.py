"""Blurred previews of the largest pictures a captured web page loaded, for its bundle page.

The pictures are read from the item's WARC (the exact bytes the renderer received, see
:mod:`evidencekit.capture.recorded`), the :data:`MAX_PREVIEWS` largest (by pixel area)
are printed small and **always blurred** (the page may be the abusive image itself; the
original is in the attached WARC), each with its URL, pixel size and SHA-256, in a grid
under the link's details. Safe decoding, downscaling and blurring are the bundle's own
(:func:`evidencekit.bundle.images.preview_image`).
"""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

__all__ = ["MAX_PREVIEWS", "largest_pictures", "resource_previews"]

log = logging.getLogger(__name__)

MAX_PREVIEWS = 6
_COLUMNS = 3
_MAX_PICTURE_BYTES = 20 * 1024 * 1024
_MIN_SIDE = 32  # icons and tracking pixels are not worth a preview


def largest_pictures(warc: bytes, limit: int = MAX_PREVIEWS) -> list[dict[str, Any]]:
    """The ``limit`` largest images in ``warc``: ``{url, data, width, height, sha256}``."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    from evidencekit.capture.resources import pixel_size

    found: dict[str, dict[str, Any]] = {}
    try:
        for rec in ArchiveIterator(io.BytesIO(warc)):
            if rec.rec_type != "response" or rec.http_headers is None:
                continue
            ctype = (rec.http_headers.get_header("Content-Type") or "").lower()
            if not ctype.startswith("image/") or "svg" in ctype:
                continue
            data = rec.content_stream().read(_MAX_PICTURE_BYTES + 1)
            size = pixel_size(data) if len(data) <= _MAX_PICTURE_BYTES else None
            if size is None or min(size) < _MIN_SIDE:
                continue
            digest = hashlib.sha256(data).hexdigest()
            found.setdefault(digest, {"url": rec.rec_headers.get_header("WARC-Target-URI"),
                                      "data": data, "width": size[0], "height": size[1],
                                      "sha256": digest})
    except (ArchiveLoadFailed, ValueError, OSError, EOFError, AttributeError,
            TypeError, KeyError, IndexError) as exc:
        log.warning("pictures of a web capture could not be read for previews: %s", exc)
    ranked = sorted(found.values(), key=lambda p: p["width"] * p["height"], reverse=True)
    return ranked[:limit]


def resource_previews(warc: bytes | None, labels: Any, st: Any, width: float
                      ) -> list[Flowable]:
    """The flowables: a heading, a grid of blurred previews with captions; [] if none."""
    from reportlab.platypus import Image as ImageFlowable

    from evidencekit.bundle import images
    from evidencekit.bundle.styles import esc

    if not warc:
        return []
    pictures = largest_pictures(warc)
    if not pictures:
        return []
    cell_w = (width - 4 * mm) / _COLUMNS
    cells: list[list[Flowable]] = []
    for pic in pictures:
        preview = images.preview_image(pic["data"], max_w_pt=cell_w - 4 * mm,
                                       max_h_pt=45 * mm, blur=True)
        if preview.problem is not None or not preview.images:
            continue
        img = preview.images[0]
        cells.append([ImageFlowable(io.BytesIO(img.jpeg), img.width_pt, img.height_pt),
                      Paragraph(f"{esc(str(pic['url']))}<br/>{pic['width']} × {pic['height']}"
                                f" px · {pic['sha256'][:16]}…", st.small)])
    if not cells:
        return []
    rows = [cells[i:i + _COLUMNS] for i in range(0, len(cells), _COLUMNS)]
    rows[-1] += [[]] * (_COLUMNS - len(rows[-1]))
    grid = Table(rows, colWidths=[cell_w] * _COLUMNS)
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 2),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
    return [KeepTogether([Paragraph(esc(labels("webcapture.bundle.previews")), st.h2),
                          Paragraph(esc(labels("webcapture.bundle.previews_note")), st.caption),
                          grid]), Spacer(1, 3 * mm)]
