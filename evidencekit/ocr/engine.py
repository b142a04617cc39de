"""Optical character recognition with Tesseract through tesserocr, entirely in memory.

Why tesserocr and not pytesseract: pytesseract runs the ``tesseract`` program on a
temporary image file and reads its output from another temporary file, which would put a
plaintext copy of a screenshot and its text on the disk. tesserocr calls the Tesseract
library in-process; the decoded pixels are handed over with ``SetImageBytes`` (raw 8-bit
grey, no file, no encoder), and the text comes back as a Python string. Nothing is
written anywhere and nothing is sent anywhere.

The language data (``kor.traineddata``, ``eng.traineddata``) comes from the system
(Debian ``tesseract-ocr-kor``, ``tesseract-ocr-eng``) or ``TESSDATA_PREFIX``; the
stand-alone build carries its own copy under ``resources/tessdata`` and prefers it.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from evidencekit.errors import CaptureError
from evidencekit.resources import resource_path

__all__ = ["OcrResult", "LANGS", "tessdata_dir", "available", "read_image", "read_bytes",
           "engine_version"]

log = logging.getLogger(__name__)

LANGS = "kor+eng"
#: Pictures taller than this are read in their top part only (a page rendering can be
#: tens of thousands of pixels long).
MAX_HEIGHT = 20000
#: Small text is read better a little larger: pictures narrower than this are enlarged.
MIN_WIDTH = 1600

_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
    "C:/Program Files/Tesseract-OCR/tessdata",
)
_lock = threading.Lock()  # one recognition at a time: it uses both cores already


@dataclass(frozen=True)
class OcrResult:
    text: str
    langs: str
    engine: str
    confidence: int  # mean word confidence, 0…100


def tessdata_dir() -> Path | None:
    """The folder holding ``kor.traineddata`` and ``eng.traineddata``, if any."""
    env = os.environ.get("TESSDATA_PREFIX")
    options = [env, os.path.join(env, "tessdata")] if env else []
    # The stand-alone build carries the Korean and English data it was tested with; from
    # source the system's packages (tesseract-ocr-kor, -eng) are used.
    bundled = str(resource_path("tessdata"))
    if getattr(sys, "frozen", False):
        options += [bundled, *_CANDIDATES]
    else:
        options += [*_CANDIDATES, bundled]
    for folder in options:
        p = Path(folder)
        if (p / "kor.traineddata").is_file() and (p / "eng.traineddata").is_file():
            return p
    return None


def available() -> bool:
    """Whether OCR can run here (the binding and the Korean and English data)."""
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return False
    return tessdata_dir() is not None


def engine_version() -> str:
    try:
        import tesserocr

        return str(tesserocr.tesseract_version()).splitlines()[0].strip()
    except (ImportError, RuntimeError):
        return "tesseract"


def _prepare(img: Image.Image) -> Image.Image:
    grey = img.convert("L")
    if grey.height > MAX_HEIGHT:
        grey = grey.crop((0, 0, grey.width, MAX_HEIGHT))
    if grey.width < MIN_WIDTH:
        scale = min(3.0, MIN_WIDTH / max(1, grey.width))
        grey = grey.resize((round(grey.width * scale), round(grey.height * scale)),
                           Image.Resampling.LANCZOS)
    return grey


def read_image(img: Image.Image) -> OcrResult:
    """The text of a picture. Raises :class:`CaptureError` when OCR is not installed."""
    import tesserocr

    folder = tessdata_dir()
    if folder is None:
        raise CaptureError("ocr.no_data")
    grey = _prepare(img)
    with _lock, tesserocr.PyTessBaseAPI(path=str(folder) + os.sep, lang=LANGS,
                                        psm=tesserocr.PSM.AUTO) as api:
        api.SetImageBytes(grey.tobytes(), grey.width, grey.height, 1, grey.width)
        api.SetSourceResolution(300)  # read best on screen text in our tests
        text = api.GetUTF8Text() or ""
        conf = int(api.MeanTextConf() or 0)
    return OcrResult(text=_tidy(text), langs=LANGS, engine=engine_version(),
                     confidence=max(0, min(100, conf)))


def read_bytes(data: bytes) -> OcrResult:
    """The text of a picture file in memory; ``ValueError`` if it does not decode."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                return read_image(img)
    except (OSError, SyntaxError, EOFError, ValueError, TypeError, MemoryError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValueError(f"not a decodable picture: {type(exc).__name__}") from exc


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\x0c", "").splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def describe(result: OcrResult) -> dict[str, Any]:
    return {"engine": result.engine, "langs": result.langs, "confidence": result.confidence}
