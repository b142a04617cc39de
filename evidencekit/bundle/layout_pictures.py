"""Pictures on an item's page: page JPEGs in a thin frame, the placeholder for a part that
has none, the caption under each picture and the facts of a video (duration, codec,
resolution). Split out of :mod:`evidencekit.bundle.layout_items`."""

from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from evidencekit.bundle.images import Preview
from evidencekit.bundle.media_previews import TEXT_LINES_KEY, VideoFacts
from evidencekit.bundle.styles import RULE, SHADE, Labels, Styles, esc

__all__ = ["JpegFlowable", "FramedJpeg", "placeholder", "picture", "video_rows"]


class _JpegReader(ImageReader):
    """An ImageReader for our own page JPEGs that skips reportlab's RGB decode.

    ``Canvas.drawImage`` decodes every image to RGB only to name it by a digest; the JPEG
    bytes themselves serve as well (the JPEG is then embedded as it is, DCTDecode).
    """

    def __init__(self, jpeg: bytes) -> None:
        super().__init__(io.BytesIO(jpeg))
        self._jpeg = jpeg
        self._dataA = None

    def getRGBData(self) -> bytes:  # noqa: N802 - reportlab's name
        return self._jpeg


class JpegFlowable(Flowable):
    """A page JPEG drawn at a fixed size in points."""

    def __init__(self, jpeg: bytes, width: float, height: float) -> None:
        super().__init__()
        self._reader = _JpegReader(jpeg)
        self.width = width
        self.height = height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self._reader, 0, 0, self.width, self.height)


class FramedJpeg(JpegFlowable):
    """A page JPEG in a thin box, centred; :class:`FitGroup` may scale it down."""

    def __init__(self, jpeg: bytes, width: float, height: float) -> None:
        super().__init__(jpeg, width, height)
        self.natural = (width, height)
        self.scale = 1.0
        self._avail_w = width

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        self.width = self.natural[0] * scale
        self.height = self.natural[1] * scale

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._avail_w = avail_width
        return avail_width, self.height + 2

    def draw(self) -> None:
        x = max(0.0, (self._avail_w - self.width - 2) / 2)
        self.canv.saveState()
        self.canv.setStrokeColor(RULE)
        self.canv.setLineWidth(0.6)
        self.canv.rect(x, 0, self.width + 2, self.height + 2)
        self.canv.restoreState()
        self.canv.drawImage(self._reader, x + 1, 1, self.width, self.height)



def placeholder(text: str, st: Styles, width: float) -> Table:
    t = Table([[Paragraph(text, st.center)]], colWidths=[width], rowHeights=[34 * mm])
    t.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, RULE),
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ]
        )
    )
    return t


def picture(preview: Preview, part_name: str, file: str, labels: Labels, st: Styles, width: float
             ) -> list[Flowable]:
    if preview.problem is not None:
        text = labels(preview.problem) + "<br/>" + labels(
            "bundle.preview.attached_as", file=esc(file)
        )
        return [placeholder(text, st, width)]
    out: list[Flowable] = []
    for n, img in enumerate(preview.images):
        out.append(FramedJpeg(img.jpeg, img.width_pt, img.height_pt))
        if len(preview.images) > 1:
            out.append(
                Paragraph(
                    labels("bundle.preview.slice", n=n + 1, total=len(preview.images)), st.small
                )
            )
    if preview.blurred:
        out.append(Paragraph(labels("bundle.item.blurred"), st.caption))
    caption = labels("bundle.preview.caption", part=esc(part_name), file=esc(file))
    if preview.note_key == TEXT_LINES_KEY:  # a text file has one part
        caption = ""
    if preview.note_key:
        caption = esc(labels(preview.note_key)) + (" · " + caption if caption else "")
    if preview.source_size:
        caption += f" · {preview.source_size[0]}×{preview.source_size[1]} px"
    out.append(Paragraph(caption, st.small))
    return out


def video_rows(labels: Labels, facts: VideoFacts) -> list[tuple[str, str]]:
    """The video's facts as label/value rows (only those the container gave)."""
    rows: list[tuple[str, str]] = []
    if facts.duration is not None:
        rows.append((labels("bundle.video.duration"), facts.duration_text()))
    if facts.codec:
        rows.append((labels("bundle.video.codec"), facts.codec))
    if facts.width and facts.height:
        rows.append((labels("bundle.video.resolution"),
                     labels("bundle.video.resolution_value", width=facts.width,
                            height=facts.height)))
    return rows
