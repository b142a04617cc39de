"""Page images of parts that are not pictures: a video's first frames (a contact sheet)
and the first lines of a text file, made in memory like every page image (nothing is
written to disk) and blurred when the bundle blurs its pictures.

A PDF's first page is :func:`evidencekit.bundle.images.preview_pdf`; the decoders are in
:mod:`evidencekit.previews`, shared with the window.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, replace

from PIL import Image, ImageDraw, ImageFont

from evidencekit.bundle.images import Preview, preview_image
from evidencekit.previews import duration_text, text_preview, video_preview
from evidencekit.resources import resource_path

__all__ = ["VideoFacts", "video_page_preview", "text_page_preview", "text_picture", "TEXT_LINES",
           "TEXT_LINES_KEY"]

log = logging.getLogger(__name__)

#: Lines of a text file drawn in a blurred bundle (the sharp bundle prints the text).
TEXT_LINES = 14
#: The note under a drawn text file (the layout lets it flow like text, not like a picture).
TEXT_LINES_KEY = "bundle.preview.text_lines"
_TEXT_SIZE = 22
_TEXT_WIDTH = 1240


@dataclass(frozen=True)
class VideoFacts:
    """What the container says about a video, for the item's facts."""

    duration: float | None
    codec: str
    width: int
    height: int
    frames: int

    def duration_text(self) -> str:
        return "" if self.duration is None else duration_text(self.duration)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def video_page_preview(data: bytes, *, max_w_pt: float, max_h_pt: float, blur: bool
                       ) -> tuple[Preview, VideoFacts | None]:
    """The first frames of a video side by side, and its duration, codec and size."""
    video = video_preview(data)
    if video is None:
        return Preview(problem="bundle.preview.video_damaged"), None
    facts = VideoFacts(video.duration, video.codec, video.width, video.height,
                       len(video.frames))
    preview = preview_image(_png(video.sheet), max_w_pt=max_w_pt, max_h_pt=max_h_pt,
                            blur=blur)
    if preview.problem is not None:
        return preview, facts
    return replace(preview, note_key="bundle.preview.video_frames", source_size=None), facts


def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(resource_path("fonts", "NanumGothicCoding.ttf")),
                                  _TEXT_SIZE)
    except OSError:  # pragma: no cover - the font ships with the program
        return ImageFont.load_default()


def text_picture(text: str) -> Image.Image:
    """``text`` drawn as dark lines on white, one page-wide picture."""
    lines = text.splitlines() or [""]
    line_h = int(_TEXT_SIZE * 1.4)
    image = Image.new("RGB", (_TEXT_WIDTH, 16 + line_h * len(lines)), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    font = _font()
    for n, line in enumerate(lines):
        draw.text((20, 8 + n * line_h), line.replace("\t", "    "), fill=(25, 25, 25),
                  font=font)
    return image


def text_page_preview(data: bytes, *, max_w_pt: float, max_h_pt: float, blur: bool
                      ) -> Preview:
    """The first :data:`TEXT_LINES` lines of a text file as a picture (for a blurred
    bundle, where the text itself is not printed)."""
    picture = text_picture(text_preview(data, lines=TEXT_LINES, width=110))
    preview = preview_image(_png(picture), max_w_pt=max_w_pt, max_h_pt=max_h_pt, blur=blur)
    if preview.problem is not None:
        return preview
    return replace(preview, note_key=TEXT_LINES_KEY, source_size=None)
