"""Previews of items that are not pictures, made in memory and never written to disk: the
first frames of a video as a small contact sheet (PyAV, which ships FFmpeg in its wheel)
with its duration, codec and resolution, and the first lines of a text or chat file.
(A PDF's first page needs QtPdf and is made in ``evidencekit.gui.previews``.)

Every decoder here reads only the bytes it is given, with limits on how much it decodes;
a damaged or hostile file gives ``None``, never an exception.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

from PIL import Image

__all__ = ["VideoPreview", "duration_text", "video_preview", "text_preview", "preview_kind",
           "MAX_PREVIEW_BYTES"]

log = logging.getLogger(__name__)

#: Parts larger than this are not read for a preview (the file stays one click away).
MAX_PREVIEW_BYTES = 200 * 1024 * 1024
#: At most this many frames are decoded to find the sheet's frames.
MAX_DECODED_FRAMES = 600
SHEET_FRAMES = 4
SHEET_TILE = (240, 135)


def duration_text(seconds: float) -> str:
    """A video's length as a player shows it: ``0:07``, ``12:30``, ``1:02:03``."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class VideoPreview:
    """A contact sheet of the first frames and what the container says about the video."""

    sheet: Image.Image
    duration: float | None = None
    codec: str = ""
    width: int = 0
    height: int = 0
    frames: list[float] = field(default_factory=list)  # seconds of each frame shown

    def summary(self) -> str:
        parts = []
        if self.duration is not None:
            parts.append(duration_text(self.duration))
        if self.codec:
            parts.append(self.codec)
        if self.width and self.height:
            parts.append(f"{self.width}×{self.height}")
        return " · ".join(parts)


def preview_kind(media_type: str, name: str = "") -> str | None:
    """``video``, ``pdf`` or ``text`` when a preview can be made, else None."""
    media = media_type.split(";")[0].strip().lower()
    if media.startswith("video/"):
        return "video"
    if media == "application/pdf":
        return "pdf"
    if media.startswith("text/") or media in ("application/json",) or \
            name.lower().endswith((".txt", ".csv", ".json", ".html")):
        return "text"
    return None


def video_preview(data: bytes, frames: int = SHEET_FRAMES) -> VideoPreview | None:
    """The first ``frames`` frames spread over the start of the video, side by side."""
    try:
        import av
    except ImportError:  # pragma: no cover - PyAV is a dependency
        return None
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            streams = [s for s in container.streams if s.type == "video"]
            if not streams:
                return None
            stream = streams[0]
            duration = None
            if container.duration:
                duration = container.duration / 1_000_000
            elif stream.duration and stream.time_base:
                duration = float(stream.duration * stream.time_base)
            codec = stream.codec_context.name or ""
            long_name = getattr(stream.codec_context.codec, "long_name", "") or ""
            if codec.lower() in ("h264", "hevc", "vp9", "av1", "mpeg4"):
                codec = {"h264": "H.264", "hevc": "H.265", "vp9": "VP9", "av1": "AV1",
                         "mpeg4": "MPEG-4"}[codec.lower()]
            elif long_name:
                codec = codec or long_name
            # Spread the frames over the first part of the video (or its whole length).
            span = min(duration or 0.0, 60.0)
            wanted = [span * i / frames for i in range(frames)] if span > 0 else []
            got: list[Image.Image] = []
            times: list[float] = []
            for n, frame in enumerate(container.decode(stream)):
                if n >= MAX_DECODED_FRAMES or len(got) >= frames:
                    break
                if not isinstance(frame, av.VideoFrame):
                    continue
                t = float(frame.time or 0.0)
                if wanted and t + 1e-6 < wanted[len(got)]:
                    continue
                got.append(frame.to_image())
                times.append(t)
            if not got:
                return None
            width, height = got[0].width, got[0].height
    except Exception as exc:  # noqa: BLE001 - any decoder failure means: no preview
        log.info("no video preview: %s", type(exc).__name__)
        return None
    return VideoPreview(_sheet(got), duration, codec.upper() if len(codec) <= 4 else codec,
                        width, height, times)


def _sheet(images: list[Image.Image]) -> Image.Image:
    tw, th = SHEET_TILE
    cols = 2 if len(images) > 1 else 1
    rows = (len(images) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * tw + (cols + 1) * 4, rows * th + (rows + 1) * 4),
                      (40, 40, 40))
    for i, image in enumerate(images):
        tile = image.convert("RGB")
        tile.thumbnail((tw, th), Image.Resampling.BILINEAR)
        x = 4 + (i % cols) * (tw + 4) + (tw - tile.width) // 2
        y = 4 + (i // cols) * (th + 4) + (th - tile.height) // 2
        sheet.paste(tile, (x, y))
    return sheet


def text_preview(data: bytes, lines: int = 14, width: int = 200) -> str:
    """The first ``lines`` lines of a text file (UTF-8, else UTF-16 or CP949 guesses)."""
    head = data[:64 * 1024]
    text = None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", "replace")
    else:
        for encoding in ("utf-8-sig", "cp949"):
            try:
                text = head.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        text = head.decode("utf-8", "replace")
    out = []
    for line in text.splitlines()[:lines]:
        clean = "".join(ch if ch.isprintable() or ch == "\t" else "·" for ch in line)
        out.append(clean[:width] + ("…" if len(clean) > width else ""))
    return "\n".join(out)
