"""QtWebEngine adapter: offscreen full-page rendering to PNG (with a painted banner) and PDF.

Runs only in the rendering child process (:mod:`evidencekit.capture.render_child`), never
in the program itself: a page that crashes or hangs the engine takes down the child, and
the parent keeps what was fetched. An off-the-record profile (no disk cache, cookies or
storage on disk) and a :class:`QWebEngineView` never shown on screen
(``WA_DontShowOnScreen``). Steps: load the body (or the URL); scroll down screen by screen
to make lazy content load (bounded by screens and seconds); wait for the network to go
quiet (bounded); measure the document's height, resize the view to it (capped) and grab
once two grabs in a row agree (Chromium rasterises tall pages in tiles); paint the banner
above the grab (:mod:`evidencekit.capture.render_banner_qt`); print the page to A4 PDF
*without* a banner (the parent stamps it on afterwards, outside the page's reach).
What the page may not do is enforced by :mod:`evidencekit.capture.render_guard_qt`.

The parent sets ``QTWEBENGINE_CHROMIUM_FLAGS`` for the child (see
:func:`evidencekit.capture.render_child.chromium_flags`): no GPU, a bounded JavaScript
heap, the recording proxy and the per-capture CA's key hash when recording.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtGui
from PySide6.QtCore import QObject, Qt, QTimer

from evidencekit.capture.render_types import HEIGHT_JS, SETTLE_JS, Rendering, RenderRequest
from evidencekit.errors import CaptureError

__all__ = ["render"]

log = logging.getLogger(__name__)

_MIN_HEIGHT = 200
_GRAB_TRIES = 10
_EXTRA_SECONDS = 30.0
_MAX_TEXT = 200_000
#: At most this many A4 pages are printed.
MAX_PDF_PAGES = 40

#: Scrolls one screen down; answers [scrollY, innerHeight, scrollHeight] as JSON (arrays
#: do not survive the trip from JavaScript to Python).
_SCROLL_JS = """
(function () {
  var d = document.documentElement, b = document.body;
  window.scrollBy(0, window.innerHeight);
  var h = Math.max(d ? d.scrollHeight : 0, b ? b.scrollHeight : 0);
  return JSON.stringify([window.scrollY, window.innerHeight, h]);
})()
"""
#: How many resources the page has asked for so far, and whether the document is complete.
_NETWORK_JS = ("JSON.stringify([performance.getEntriesByType('resource').length,"
               " document.readyState])")
_TEXT_JS = ("(function () { var t = document.body ? document.body.innerText : '';"
            " return JSON.stringify([document.title || '',"
            f" (t || '').slice(0, {_MAX_TEXT})]); }})()")


def _qt_message(mode: Any, context: Any, message: str) -> None:
    log.debug("Qt: %s", message)


class _Job(QObject):
    """One rendering, driven by callbacks on the (only) Qt thread of the child."""

    def __init__(self, req: RenderRequest,
                 done: Callable[[Rendering | None, CaptureError | None], None]) -> None:
        super().__init__()
        from PySide6.QtWebEngineCore import QWebEngineProfile, QWebEngineSettings
        from PySide6.QtWebEngineWidgets import QWebEngineView

        from evidencekit.capture.render_guard_qt import (
            GuardedPage,
            RequestGuard,
            install_frame_guard,
        )

        self.req = req
        self._done = done
        self._finished = False
        self._stage = "new"
        self._t0 = time.monotonic()
        self._load_finished = False
        self._load_ok = True
        self._page_height = 0
        self._tries = 0
        self._prev: QtGui.QImage | None = None
        self._png = b""
        self._size = (0, 0, 0)
        self._dpr = 1.0
        self._screens = 0
        self._scroll_end = 0.0
        self._settled = True
        self._idle: tuple[int, int] = (-1, 0)
        self._title = ""
        self._text = ""
        self._notes: list[str] = []

        self.profile = QWebEngineProfile()  # no storage name: off the record, in memory
        self.profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
        self.profile.setPersistentCookiesPolicy(
            QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies)
        self.profile.setPersistentPermissionsPolicy(
            QWebEngineProfile.PersistentPermissionsPolicy.AskEveryTime)
        if req.user_agent:
            self.profile.setHttpUserAgent(req.user_agent)
        if req.accept_language:
            self.profile.setHttpAcceptLanguage(req.accept_language)
        self.view = QWebEngineView(self.profile)
        self.view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.page = GuardedPage(self.profile, self.view)
        install_frame_guard(self.page)
        self.guard = RequestGuard(req.url, self.page.guard_log, self)
        self.profile.setUrlRequestInterceptor(self.guard)
        self.profile.downloadRequested.connect(self._on_download)
        self.view.setPage(self.page)
        s = self.page.settings()
        wa = QWebEngineSettings.WebAttribute
        for attr, on in ((wa.ShowScrollBars, False), (wa.JavascriptCanOpenWindows, False),
                         (wa.PlaybackRequiresUserGesture, True),
                         (wa.FullScreenSupportEnabled, False), (wa.PdfViewerEnabled, False),
                         (wa.PluginsEnabled, False), (wa.PrintElementBackgrounds, True),
                         (wa.PreferCSSMarginsForPrinting, False),
                         (wa.LocalContentCanAccessFileUrls, False),
                         (wa.LocalContentCanAccessRemoteUrls, False),
                         (wa.AllowRunningInsecureContent, False),
                         (wa.AllowGeolocationOnInsecureOrigins, False),
                         (wa.ScreenCaptureEnabled, False), (wa.DnsPrefetchEnabled, False),
                         (wa.JavascriptCanAccessClipboard, False),
                         (wa.JavascriptCanPaste, False), (wa.NavigateOnDropEnabled, False),
                         (wa.HyperlinkAuditingEnabled, False),
                         (wa.WebRTCPublicInterfacesOnly, True),
                         (wa.AllowWindowActivationFromJavaScript, False),
                         (wa.ErrorPageEnabled, False)):
            s.setAttribute(attr, on)
        self.page.setAudioMuted(True)
        self.page.authenticationRequired.connect(lambda *a: None)
        self.page.proxyAuthenticationRequired.connect(lambda *a: None)
        self.page.renderProcessTerminated.connect(self._on_renderer_gone)
        self.page.loadFinished.connect(
            lambda ok: self._guard(lambda: self._on_load_finished(ok)))
        self.view.resize(req.width, 900)

    # -- helpers
    def _guard(self, fn: Callable[[], None]) -> None:
        """Run one step; any exception ends the job with an error instead of a stall."""
        if self._finished:
            return
        try:
            fn()
        except CaptureError as exc:
            self._fail(exc)
        except Exception as exc:  # noqa: BLE001 - a Qt callback must not raise
            log.exception("rendering step failed")
            self._fail(CaptureError("links.render_failed", reason=str(exc)))

    def _after(self, seconds: float, fn: Callable[[], None]) -> None:
        QTimer.singleShot(max(0, int(seconds * 1000)), self, lambda: self._guard(fn))

    def _js(self, code: str, callback: Callable[[Any], None]) -> None:
        from PySide6.QtWebEngineCore import QWebEngineScript

        world = QWebEngineScript.ScriptWorldId.ApplicationWorld
        self.page.runJavaScript(code, int(world),
                                lambda result: self._guard(lambda: callback(result)))

    def _on_download(self, item: Any) -> None:
        self.page.guard_log.add("download", item.url().toString())
        item.cancel()

    def _on_renderer_gone(self, status: Any, code: int) -> None:
        log.warning("the page's renderer process ended (%s, %s)", status, code)
        self._fail(CaptureError("webcapture.renderer_crashed"))

    # -- steps
    def start(self) -> None:
        hard = self.req.timeout + self.req.scroll_seconds + self.req.settle_seconds \
            + _EXTRA_SECONDS
        self._after(hard, lambda: self._fail(
            CaptureError("links.render_timeout", seconds=f"{hard:g}")))
        self._after(self.req.timeout, self._on_load_timeout)
        self._stage = "loading"
        self.view.show()
        if self.req.body is not None:
            self.page.setContent(QtCore.QByteArray(self.req.body), self.req.mime_type,
                                 QtCore.QUrl(self.req.base_url))
        else:
            self.page.load(QtCore.QUrl(self.req.url))

    def _on_load_timeout(self) -> None:
        if self._stage != "loading" or self._finished:
            return
        log.info("page load did not finish in %.0f s; rendering what arrived", self.req.timeout)
        self.page.triggerAction(self.page.WebAction.Stop)
        self._after_load()

    def _on_load_finished(self, ok: bool) -> None:
        if self._stage != "loading" or self._finished:
            return
        self._load_finished = True
        self._load_ok = bool(ok)
        self._after_load()

    def _after_load(self) -> None:
        self._stage = "scrolling"
        self._scroll_end = time.monotonic() + self.req.scroll_seconds
        self._after(0.05, self._scroll)

    def _scroll(self) -> None:
        """One screen down per step until the bottom, the screen limit or the time limit."""
        if self._screens >= self.req.scroll_screens or time.monotonic() > self._scroll_end:
            if self._screens >= self.req.scroll_screens:
                self._notes.append(f"scrolling stopped after {self._screens} screens")
            else:
                self._notes.append("scrolling stopped at the time limit")
            self._settle()
            return

        def scrolled(value: Any) -> None:
            self._screens += 1
            got = _json_list(value, 3)
            y, inner, height = (_num(v) for v in (got or [0, 0, 0]))
            if y + inner >= height - 2:
                self._settle()
            else:
                self._after(0.12, self._scroll)

        self._js(_SCROLL_JS, scrolled)

    def _settle(self) -> None:
        """Back to the top; then wait until no new resource is asked for for 0.3 s."""
        self._stage = "settling"
        end = time.monotonic() + self.req.settle_seconds

        def check(value: Any) -> None:
            got = _json_list(value, 2)
            count = _num(got[0]) if got else 0
            complete = got is not None and got[1] == "complete"
            last, same = self._idle
            self._idle = (count, same + 1 if count == last else 0)
            if complete and self._idle[1] >= 2:
                self._measure()
            elif time.monotonic() > end:
                self._settled = False
                self._notes.append("the page was still loading at the settle time limit")
                self._measure()
            else:
                self._after(0.15, lambda: self._js(_NETWORK_JS, check))

        self._js("window.scrollTo(0, 0); 0", lambda _r: self._js(_NETWORK_JS, check))

    def _measure(self) -> None:
        self._stage = "measuring"
        self._js(HEIGHT_JS, self._on_height)

    def _on_height(self, value: Any) -> None:
        self._page_height = h = _num(value)
        target = max(_MIN_HEIGHT, min(h, self.req.max_height))
        self.view.resize(self.req.width, target)
        self._tries = 0
        # Wait until the page sees the new size, then two animation frames, then grab.
        self._poll("window.innerHeight", lambda v: _num(v) == target, lambda: self._js(
            SETTLE_JS, lambda _r: self._poll("window.__ekFrame || 0", lambda v: v == 1,
                                             self._grab)))

    def _poll(self, code: str, ready: Callable[[Any], bool], then: Callable[[], None]) -> None:
        """Evaluate ``code`` every 20 ms until ``ready(result)`` (at most 100 times)."""
        tries = [0]

        def check(value: Any) -> None:
            tries[0] += 1
            if ready(value) or tries[0] > 100:
                then()
            else:
                self._after(0.02, lambda: self._js(code, check))

        self._js(code, check)

    def _grab(self) -> None:
        img = self.view.grab().toImage()
        self._tries += 1
        stable = self._prev is not None and img == self._prev
        if stable or self._tries >= _GRAB_TRIES:
            if not stable:
                log.info("page picture did not settle; using the last grab")
            self._compose(img)
            return
        self._prev = img
        self._after(0.12, self._grab)

    def _compose(self, page_img: QtGui.QImage) -> None:
        from evidencekit.capture.render_banner_qt import paint_banner

        dpr = page_img.devicePixelRatio() or 1.0
        banner = paint_banner(self.req.banner, self.req.width, dpr)
        out = QtGui.QImage(banner.width(), banner.height() + page_img.height(),
                           QtGui.QImage.Format.Format_RGB32)
        out.fill(QtGui.QColor(255, 255, 255))
        p = QtGui.QPainter(out)
        try:
            p.drawImage(0, 0, banner)
            p.drawImage(0, banner.height(), page_img)
        finally:
            p.end()
        buf = QtCore.QBuffer()
        buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
        # PySide6 wants the format as str at run time (its stubs say bytes).
        if not out.save(buf, "PNG"):  # type: ignore[call-overload]
            raise CaptureError("links.render_failed", reason="PNG encoding failed")
        self._png = bytes(buf.data().data())
        self._size = (out.width(), out.height(), round(banner.height() / dpr))
        self._dpr = float(dpr)
        self._stage = "text"
        self._js(_TEXT_JS, self._on_text)

    def _on_text(self, value: Any) -> None:
        got = _json_list(value, 2)
        if got:
            self._title = " ".join(str(got[0] or "").split())[:500]
            self._text = str(got[1] or "")
        self._stage = "pdf"
        layout = QtGui.QPageLayout(QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4),
                                   QtGui.QPageLayout.Orientation.Portrait,
                                   QtCore.QMarginsF(10, 10, 10, 10),
                                   QtGui.QPageLayout.Unit.Millimeter)
        ranges = QtGui.QPageRanges()
        ranges.addRange(1, MAX_PDF_PAGES)  # a page 10 million pixels tall is not printed whole
        if self._page_height > MAX_PDF_PAGES * 1000:
            self._notes.append(f"the PDF holds the first {MAX_PDF_PAGES} pages only")
        self.page.printToPdf(lambda data: self._guard(lambda: self._pdf_done(data)), layout,
                             ranges)

    def _pdf_done(self, data: Any) -> None:
        pdf = bytes(data.data()) if isinstance(data, QtCore.QByteArray) else bytes(data or b"")
        if not pdf.startswith(b"%PDF"):
            self._fail(CaptureError("links.render_failed", reason="printing to PDF failed"))
            return
        notes = list(self._notes)
        if not self._load_finished:
            notes.append("page load stopped at the time limit")
        elif not self._load_ok:
            notes.append("the browser engine reported the load as failed")
        w, h, bh = self._size
        result = Rendering(
            png=self._png,
            pdf=pdf,
            width=w,
            height=h,
            banner_height=round(bh * self._dpr),
            page_height=self._page_height,
            truncated=self._page_height > self.req.max_height,
            load_finished=self._load_finished,
            source="fetched-body" if self.req.body is not None else "live-url",
            elapsed=time.monotonic() - self._t0,
            device_pixel_ratio=self._dpr,
            notes=tuple(notes),
            page_title=self._title,
            page_text=self._text,
            scrolled_screens=self._screens,
            settled=self._settled,
            blocked=tuple(self.page.blocked),
        )
        self._finish(result, None)

    def _fail(self, err: CaptureError) -> None:
        if not self._finished:
            log.warning("rendering failed: %s", err.key)
            self._finish(None, err)

    def _finish(self, result: Rendering | None, err: CaptureError | None) -> None:
        # Nothing is torn down: the child process exits right after reporting, so no Qt
        # object can be deleted while the engine still uses it (printToPdf, say).
        self._finished = True
        self._done(result, err)


def _json_list(value: Any, n: int) -> list[Any] | None:
    """A JSON array of ``n`` items sent back by a snippet, or None."""
    try:
        got = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return got if isinstance(got, list) and len(got) == n else None


def _num(value: Any) -> int:
    try:
        return int(float(value or 0))
    except (TypeError, ValueError):
        return 0


def render(req: RenderRequest) -> Rendering:
    """Render ``req`` in this (child) process, which must not have a Qt application yet.

    Call from the main thread, after the environment has been prepared by
    :mod:`evidencekit.capture.render_child`. Raises :class:`CaptureError`.
    """
    try:
        import PySide6.QtWebEngineWidgets  # noqa: F401 - must load before the application
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        raise CaptureError("links.render_unavailable", reason=str(exc)) from exc
    QtCore.QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    QtCore.qInstallMessageHandler(_qt_message)
    app = QApplication(["evidencekit-render", "-platform", "offscreen"])
    box: dict[str, Any] = {}

    def finished(result: Rendering | None, err: CaptureError | None) -> None:
        box["result"], box["error"] = result, err
        app.exit(0)

    try:
        job = _Job(req, finished)
        QTimer.singleShot(0, job.start)
    except Exception as exc:  # noqa: BLE001 - reported to the parent as a failure
        log.exception("could not start rendering")
        raise CaptureError("links.render_failed", reason=str(exc)) from exc
    app.exec()
    if box.get("error") is not None:
        raise box["error"]
    result = box.get("result")
    if not isinstance(result, Rendering):
        raise CaptureError("links.render_failed", reason="no result")
    return result
