"""What a page rendering is asked to do and what it gives back, shared by both sides.

:mod:`evidencekit.capture.render` (the parent: starts the child process, stamps the
banner) and :mod:`evidencekit.capture.render_qt` (the QtWebEngine adapter, run in the
child by :mod:`evidencekit.capture.render_child`) both import this small Qt-free module, so
they never import each other. Also here: the banner's text (:func:`banner_lines`), Korean
time, and the JavaScript snippets the adapter runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from evidencekit.i18n import both

__all__ = [
    "HEIGHT_JS",
    "SETTLE_JS",
    "Rendering",
    "RenderRequest",
    "DEFAULT_WIDTH",
    "DEFAULT_MAX_HEIGHT",
    "DEFAULT_SCROLL_SCREENS",
    "DEFAULT_SCROLL_SECONDS",
    "DEFAULT_SETTLE_SECONDS",
    "RENDERABLE_MEDIA_TYPES",
    "banner_lines",
    "kst",
    "fits_in_memory_load",
]

DEFAULT_SCROLL_SCREENS = 20
DEFAULT_SCROLL_SECONDS = 30.0
DEFAULT_SETTLE_SECONDS = 5.0
DEFAULT_WIDTH = 1280
DEFAULT_MAX_HEIGHT = 20000
#: Chromium refuses URLs above 2 MiB; setContent() turns the body into a data: URL.
_DATA_URL_LIMIT = 2 * 1024 * 1024 - 64 * 1024
_PLAIN_BYTES = bytes(range(0x30, 0x3A)) + bytes(range(0x41, 0x5B)) + bytes(range(0x61, 0x7B))
RENDERABLE_MEDIA_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/svg+xml",
    "image/bmp",
    "image/avif",
)


#: The document's full height in CSS pixels.
HEIGHT_JS = """
(function () {
  var d = document.documentElement, b = document.body;
  return Math.max(d ? d.scrollHeight : 0, b ? b.scrollHeight : 0,
                  d ? d.offsetHeight : 0, b ? b.offsetHeight : 0);
})()
"""
#: Sets ``window.__ekFrame`` after two animation frames (the resize has been painted).
SETTLE_JS = ("window.__ekFrame = 0; requestAnimationFrame(function () {"
           " requestAnimationFrame(function () { window.__ekFrame = 1; }); }); 0")


@dataclass(frozen=True)
class RenderRequest:
    """What the Qt adapter is asked to do (built by :func:`render_page`)."""

    url: str
    body: bytes | None
    mime_type: str
    base_url: str
    banner: tuple[str, ...]
    timeout: float
    width: int
    max_height: int
    user_agent: str | None
    accept_language: str | None
    #: record every request of the renderer through a recording proxy (in the child).
    record: bool = False
    #: CA file the recording proxy checks real servers with (None: the public roots).
    upstream_ca_file: str | None = None
    #: set by the child once its proxy runs: ``http://127.0.0.1:PORT``, or None.
    proxy: str | None = None
    #: set by the child: base64 SHA-256 SPKI hashes the renderer alone may accept.
    trusted_spki: tuple[str, ...] = ()
    #: scrolling to load lazy content: at most this many screens and seconds.
    scroll_screens: int = DEFAULT_SCROLL_SCREENS
    scroll_seconds: float = DEFAULT_SCROLL_SECONDS
    #: after scrolling, wait up to this long for the network to be idle.
    settle_seconds: float = DEFAULT_SETTLE_SECONDS

    def header(self) -> dict[str, Any]:
        """Everything but the body, as JSON for the child process."""
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "body"}
        d["banner"] = list(self.banner)
        d["trusted_spki"] = list(self.trusted_spki)
        d["body_length"] = None if self.body is None else len(self.body)
        return d

    @classmethod
    def from_header(cls, header: dict[str, Any], body: bytes | None) -> RenderRequest:
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in header.items() if k in names and k != "body"}
        kw["banner"] = tuple(kw.get("banner", ()))
        kw["trusted_spki"] = tuple(kw.get("trusted_spki", ()))
        return cls(body=body, **kw)


@dataclass(frozen=True)
class Rendering:
    """A full-page rendering: PNG (banner + page) and PDF, with how it was made."""

    png: bytes = field(repr=False)
    pdf: bytes = field(repr=False)
    width: int  # of the PNG, in pixels
    height: int  # of the PNG, banner included
    banner_height: int
    page_height: int  # the document's full height in CSS pixels, before any cap
    truncated: bool  # the page was taller than max_height and was cut
    load_finished: bool  # False: the load was stopped at the time limit
    source: str  # "fetched-body" or "live-url"
    elapsed: float
    device_pixel_ratio: float = 1.0
    notes: tuple[str, ...] = ()
    #: the title the page showed (``document.title`` after scripts ran), or "".
    page_title: str = ""
    #: the text of the page as shown (``document.body.innerText``), at most 200,000 chars.
    page_text: str = field(default="", repr=False)
    #: scrolled screens, whether the network settled, hostile actions refused.
    scrolled_screens: int = 0
    settled: bool = True
    blocked: tuple[str, ...] = ()

    def header(self) -> dict[str, Any]:
        """Everything but the pictures, as JSON for the parent process."""
        d = {f.name: getattr(self, f.name) for f in fields(self)
             if f.name not in ("png", "pdf")}
        d["notes"] = list(self.notes)
        d["blocked"] = list(self.blocked)
        return d

    @classmethod
    def from_header(cls, header: dict[str, Any], png: bytes, pdf: bytes) -> Rendering:
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in header.items() if k in names and k not in ("png", "pdf")}
        kw["notes"] = tuple(str(n) for n in kw.get("notes", ()))
        kw["blocked"] = tuple(str(n) for n in kw.get("blocked", ()))
        return cls(png=png, pdf=pdf, **kw)

    def metadata(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "source": self.source,
            "width": self.width,
            "height": self.height,
            "banner_height": self.banner_height,
            "page_height": self.page_height,
            "truncated": self.truncated,
            "load_finished": self.load_finished,
            "device_pixel_ratio": self.device_pixel_ratio,
            "elapsed_seconds": round(self.elapsed, 3),
            "page_title": self.page_title,
            "scrolled_screens": self.scrolled_screens,
            "settled": self.settled,
            "blocked": list(self.blocked),
            "notes": list(self.notes),
        }


def kst() -> tzinfo:
    """Korea Standard Time (Asia/Seoul; a fixed UTC+9 if the zone database is missing)."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Seoul")
    except (ImportError, KeyError, OSError, ValueError):
        return timezone(timedelta(hours=9), "KST")


def banner_lines(
    url: str,
    captured_at: datetime,
    *,
    final_url: str | None = None,
    display_url: str | None = None,
) -> list[str]:
    """The banner text: a heading, the URL (and final URL), the time in UTC and KST."""
    utc = captured_at.astimezone(UTC)
    korea = captured_at.astimezone(kst())
    lines = [
        both("links.banner.heading"),
        f"{both('links.banner.url')}: {url}",
    ]
    if display_url and display_url != url:
        lines.append(f"{both('links.banner.display_url')}: {display_url}")
    if final_url and final_url != url:
        lines.append(f"{both('links.banner.final_url')}: {final_url}")
    lines.append(
        f"{both('links.banner.captured')}: {utc:%Y-%m-%d %H:%M:%S} UTC  ·  "
        f"{korea:%Y-%m-%d %H:%M:%S} KST (Asia/Seoul, UTC+09:00)"
    )
    return lines


def fits_in_memory_load(body: bytes) -> bool:
    """Whether ``body`` can be handed to the engine directly (see module docstring)."""
    if len(body) > _DATA_URL_LIMIT:
        return False
    # Worst case: every byte outside letters and digits is percent-encoded (x3).
    other = len(body.translate(None, _PLAIN_BYTES))
    return len(body) + 2 * other <= _DATA_URL_LIMIT
