"""PDQ hashes of video frames: one frame per second, decoded with PyAV in memory.

Frames are scaled to fit 512×512 by the decoder's scaler and hashed like pictures. A
frame whose hash lies within :data:`SAME_SCENE` of the last kept one adds nothing (a
still scene) and is not kept, so a long static video stores a handful of hashes. At most
:data:`MAX_SECONDS` seconds are read. Nothing is written to disk.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from evidencekit.similar.pdq import PdqHash, hamming, hash_image

__all__ = ["MAX_SECONDS", "SAME_SCENE", "FrameHash", "hash_video_bytes"]

log = logging.getLogger(__name__)

#: Frames after this many seconds are not hashed.
MAX_SECONDS = 3600
#: A frame this close to the last kept frame is the same scene and is not kept.
SAME_SCENE = 8


@dataclass(frozen=True)
class FrameHash:
    second: int
    pdq: PdqHash


def hash_video_bytes(data: bytes) -> list[FrameHash]:
    """Hashes of one frame per second of the first video stream. Raises ``ValueError``
    when the bytes are not a decodable video."""
    import av  # PyAV; imported here so that the rest of the program starts without it

    out: list[FrameHash] = []
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            streams = container.streams.video
            if not streams:
                raise ValueError("no video stream")
            stream = streams[0]
            stream.thread_type = "AUTO"
            next_second = 0
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                if frame.time + 1e-6 < next_second:
                    continue
                second = int(frame.time)
                if second > MAX_SECONDS:
                    break
                w, h = frame.width, frame.height
                scale = min(1.0, 512 / max(w, h, 1))
                img = frame.to_image(width=max(1, round(w * scale)),
                                     height=max(1, round(h * scale)))
                pdq = hash_image(img)
                if not out or hamming(out[-1].pdq.hash, pdq.hash) > SAME_SCENE:
                    out.append(FrameHash(second, pdq))
                next_second = second + 1
    except av.FFmpegError as exc:
        raise ValueError(f"not a decodable video: {type(exc).__name__}") from exc
    except (OSError, EOFError) as exc:
        raise ValueError(f"not a decodable video: {type(exc).__name__}") from exc
    return out
