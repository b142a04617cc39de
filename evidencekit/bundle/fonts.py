"""The Hangul-capable fonts of the bundle layout (NanumGothic, embedded as TrueType subsets).

reportlab can only embed TrueType outlines, which is why the bundle uses NanumGothic (SIL
OFL 1.1, shipped under ``resources/fonts/``) rather than an OpenType/CFF font such as
Noto CJK. Registration is done once per process and is thread-safe.

Registration also makes NanumGothic reportlab's initial canvas font: otherwise every page
starts by selecting Helvetica, a base-14 font that is never embedded, which PDF/A forbids.
(reportlab tables still select Helvetica for their cells unless a table style names a
font; :mod:`.pdfa` strips such idle selections.) Only the bundle uses reportlab here.
"""

from __future__ import annotations

import logging
import threading

from reportlab import rl_config
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from evidencekit.resources import resource_path

__all__ = ["REGULAR", "BOLD", "MONO", "register_fonts"]

log = logging.getLogger(__name__)

REGULAR = "NanumGothic"
BOLD = "NanumGothic-Bold"
MONO = "NanumGothicCoding"

_FILES = {
    REGULAR: "NanumGothic.ttf",
    BOLD: "NanumGothicBold.ttf",
    MONO: "NanumGothicCoding.ttf",
}
_lock = threading.Lock()
_done = False


def register_fonts() -> None:
    """Register the three fonts with reportlab (idempotent)."""
    global _done
    with _lock:
        if _done:
            return
        for name, file_name in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file_name))))
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, REGULAR)
        addMapping(REGULAR, 1, 1, BOLD)
        addMapping(MONO, 0, 0, MONO)
        addMapping(MONO, 1, 0, MONO)
        addMapping(MONO, 0, 1, MONO)
        addMapping(MONO, 1, 1, MONO)
        rl_config.canvas_basefontname = REGULAR
        _done = True
        log.debug("bundle fonts registered")
