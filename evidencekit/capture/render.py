"""Full-page rendering of a fetched web page (PNG and PDF) behind a Qt-free interface.

:func:`render_page` imports the QtWebEngine adapter (:mod:`evidencekit.capture.render_qt`)
only when called, so importing this module never loads Qt. If QtWebEngine cannot be
loaded or started, or the rendering runs past its time limit, it raises
:class:`~evidencekit.errors.CaptureError` with a ``links.render_*`` key; callers keep the
fetch and record why the rendering is missing.

What is rendered: the **fetched body** (the exact bytes stored in the WARC), given to the
browser engine with the final URL as base URL, rather than a second, independent load of
the URL. That keeps the picture consistent with the archived response: a server cannot
show the renderer something other than what was archived, and a page that changed or was
taken down in the meantime is still rendered as captured. Subresources (images, style
sheets, scripts) are still loaded from the network at rendering time and are *not* in the
WARC; the rendering metadata says so. Two exceptions, both recorded in
:attr:`Rendering.source`: bodies too large for the engine's in-memory loading (about
2 MB once percent-encoded, a Chromium URL limit) and calls without a body are rendered
by loading the URL again (``"live-url"``).

The banner painted above the page shows the URL and the capture time in UTC and in
Korean time (KST, Asia/Seoul), in Korean and English; the same banner is inserted at
the top of the PDF.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from evidencekit.errors import CaptureError
from evidencekit.i18n import both
from evidencekit.model import now_utc

__all__ = [
    "HEIGHT_JS",
    "PDF_BANNER_JS",
    "SETTLE_JS",
    "Rendering",
    "RenderRequest",
    "DEFAULT_WIDTH",
    "DEFAULT_MAX_HEIGHT",
    "RENDERABLE_MEDIA_TYPES",
    "banner_lines",
    "kst",
    "fits_in_memory_load",
    "render_page",
]

log = logging.getLogger(__name__)

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


#: Inserts the banner at the top of the page (for the PDF), inside a closed shadow root so
#: the page's style sheets cannot hide or restyle it. ``%s`` takes a JSON list of lines.
PDF_BANNER_JS = """
(function (lines) {
  var old = document.getElementById('evidencekit-banner');
  if (old) { old.remove(); }
  var host = document.createElement('div');
  host.id = 'evidencekit-banner';
  host.setAttribute('style', 'all: initial !important; display: block !important;' +
    'position: static !important; visibility: visible !important; opacity: 1 !important;');
  var root = host.attachShadow({mode: 'closed'});
  var css = document.createElement('style');
  css.textContent = ':host{all:initial}' +
    '.b{display:block;background:#14213d;color:#fff;padding:10px 14px;' +
    'border-bottom:5px solid #fca311;font-family:NanumGothic,"Nanum Gothic",' +
    '"Malgun Gothic","Apple SD Gothic Neo","Noto Sans CJK KR",sans-serif;' +
    'font-size:12px;line-height:1.45;word-break:break-all;white-space:pre-wrap;' +
    '-webkit-print-color-adjust:exact;print-color-adjust:exact}' +
    '.h{font-size:15px;font-weight:bold;margin-bottom:4px}.l{color:#fca311;font-weight:bold}';
  root.appendChild(css);
  var box = document.createElement('div');
  box.className = 'b';
  lines.forEach(function (t, i) {
    var p = document.createElement('div');
    if (i === 0) { p.className = 'h'; p.textContent = t; }
    else {
      var k = t.indexOf(': ');
      if (k > 0 && k <= 60) {
        var l = document.createElement('span'); l.className = 'l';
        l.textContent = t.slice(0, k + 1) + ' ';
        p.appendChild(l); p.appendChild(document.createTextNode(t.slice(k + 2)));
      } else { p.textContent = t; }
    }
    box.appendChild(p);
  });
  root.appendChild(box);
  var parent = document.body || document.documentElement;
  parent.insertBefore(host, parent.firstChild);
  return true;
})(%s)
"""

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
            "subresources": "loaded from the network at rendering time, not archived",
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


def render_page(
    url: str,
    *,
    html: bytes | None = None,
    mime_type: str = "text/html",
    charset: str | None = None,
    base_url: str | None = None,
    banner: Sequence[str] | None = None,
    captured_at: datetime | None = None,
    timeout: float = 30.0,
    width: int = DEFAULT_WIDTH,
    max_height: int = DEFAULT_MAX_HEIGHT,
    user_agent: str | None = None,
    accept_language: str | None = None,
) -> Rendering:
    """Render a page to PNG and PDF with a banner above it.

    ``html`` is the fetched body (any renderable type, see :data:`RENDERABLE_MEDIA_TYPES`)
    and ``mime_type``/``charset`` its type; ``base_url`` (default ``url``) resolves its
    relative links. Without ``html`` the URL itself is loaded. ``banner`` defaults to
    :func:`banner_lines` for ``url`` at ``captured_at`` (default: now).

    ``timeout`` bounds the page load; when it runs out the load is stopped and what has
    arrived is rendered (``load_finished=False``). The whole job is bounded by
    ``timeout + 30`` seconds, after which :class:`CaptureError` ``links.render_timeout`` is
    raised.

    Threading: Qt needs one application object. From the command line (no application
    yet) an offscreen one is created on the calling thread, which must then be the main
    thread. In the GUI, the existing application is reused and the rendering runs on the
    GUI thread: called from the GUI thread it spins a local event loop; called from a
    worker thread (the usual case) it is posted to the GUI thread and the worker waits,
    so the GUI thread must be running its event loop. Nothing is ever shown on screen.
    """
    if width < 200 or width > 4096:
        raise ValueError("width must be between 200 and 4096")
    if banner is None:
        banner = banner_lines(url, captured_at or now_utc())
    body = html
    mime = mime_type or "text/html"
    if charset and "charset" not in mime:
        mime = f"{mime};charset={charset}"
    notes: list[str] = []
    if body is not None and not fits_in_memory_load(body):
        notes.append("body too large to render from memory; the URL was loaded again")
        body = None
    request = RenderRequest(
        url=url,
        body=body,
        mime_type=mime,
        base_url=base_url or url,
        banner=tuple(banner),
        timeout=float(timeout),
        width=int(width),
        max_height=int(max_height),
        user_agent=user_agent,
        accept_language=accept_language,
    )
    try:
        from evidencekit.capture import render_qt
    except (ImportError, OSError) as exc:
        log.warning("QtWebEngine is not available: %s", exc)
        raise CaptureError("links.render_unavailable", reason=str(exc)) from exc
    result = render_qt.render(request)
    if notes:
        result = replace(result, notes=tuple(notes) + result.notes)
    return result
