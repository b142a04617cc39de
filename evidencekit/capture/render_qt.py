"""QtWebEngine adapter: offscreen full-page rendering to PNG (with a painted banner) and PDF.

Imported only by :func:`evidencekit.capture.render.render_page`, at the moment of use.
An off-the-record profile (no cache, cookies or storage on disk) and a
:class:`QWebEngineView` never shown on screen (``WA_DontShowOnScreen``): the body is
loaded, the document's height measured, the view resized to it (capped) and grabbed once
two grabs in a row agree (Chromium rasterises tall pages in tiles). The banner is painted
above the grab in NanumGothic (Hangul everywhere); for the PDF it is inserted into the page
(see :data:`~evidencekit.capture.render.PDF_BANNER_JS`) and ``printToPdf`` makes A4 pages.
The page gets no windows, dialogs, downloads or authentication prompts, and cannot
navigate away from what was loaded (attempts are blocked and noted).

Environment: ``QTWEBENGINE_DISABLE_SANDBOX=1`` only when ``os.geteuid() == 0`` (Chromium's
sandbox cannot run as root). An application created here (command line) uses the
``offscreen`` platform whatever the display, Chromium gets ``--disable-gpu``, and Qt's
messages go to the log.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtGui
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from evidencekit.capture.render import (
    HEIGHT_JS,
    PDF_BANNER_JS,
    SETTLE_JS,
    Rendering,
    RenderRequest,
)
from evidencekit.errors import CaptureError
from evidencekit.resources import resource_path

__all__ = ["render", "ensure_application", "paint_banner", "BANNER_BG", "BANNER_ACCENT"]

log = logging.getLogger(__name__)

BANNER_BG = QtGui.QColor(20, 33, 61)  # #14213d, dark navy
BANNER_FG = QtGui.QColor(255, 255, 255)
BANNER_LABEL = QtGui.QColor(252, 163, 17)  # #fca311
BANNER_ACCENT = QtGui.QColor(252, 163, 17)
_PAD = 16
_ACCENT_H = 6
_MIN_HEIGHT = 200
_GRAB_TRIES = 10
_EXTRA_SECONDS = 30.0

_lock = threading.Lock()
_fonts: tuple[str, str] | None = None
_dispatcher: _Dispatcher | None = None
_active: set[_Job] = set()
_web: dict[str, Any] = {}  # QtWebEngine classes, imported after the environment is set


# ------------------------------------------------------------------- application


def _prepare_environment(creating_app: bool) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0 and \
            "QTWEBENGINE_DISABLE_SANDBOX" not in os.environ:
        log.info("running as root: QtWebEngine's sandbox is disabled")
        os.environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    # Paint holding keeps the previous picture until the first "contentful" paint, so a
    # page without text or images would be grabbed blank.
    for i, flag in enumerate(flags):
        if flag.startswith("--disable-features="):
            if "PaintHolding" not in flag:
                flags[i] = flag + ",PaintHolding"
            break
    else:
        flags.append("--disable-features=PaintHolding")
    if creating_app:
        for flag in ("--disable-gpu", "--log-level=3"):
            if flag not in flags:
                flags.append(flag)
    # Read by QtWebEngine when it starts (first page in the process), not later.
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(flags)


def _import_webengine() -> None:
    if _web:
        return
    from PySide6.QtWebEngineCore import (
        QWebEnginePage,
        QWebEngineProfile,
        QWebEngineScript,
        QWebEngineSettings,
    )
    from PySide6.QtWebEngineWidgets import QWebEngineView

    _web.update(
        page=QWebEnginePage,
        profile=QWebEngineProfile,
        script=QWebEngineScript,
        settings=QWebEngineSettings,
        view=QWebEngineView,
    )


def _qt_message(mode: Any, context: Any, message: str) -> None:
    log.debug("Qt: %s", message)


def ensure_application() -> tuple[QtCore.QCoreApplication, bool]:
    """The running Qt application, or a new offscreen one; ``(app, created)``."""
    app = QtCore.QCoreApplication.instance()
    _prepare_environment(creating_app=app is None)
    try:
        _import_webengine()
    except ImportError as exc:
        raise CaptureError("links.render_unavailable", reason=str(exc)) from exc
    from PySide6.QtWidgets import QApplication

    if app is not None:
        if not isinstance(app, QApplication):
            raise CaptureError("links.render_unavailable",
                               reason="the running Qt application has no widgets")
        return app, False
    if threading.current_thread() is not threading.main_thread():
        raise CaptureError("links.render_thread")
    QtCore.QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    QtCore.qInstallMessageHandler(_qt_message)
    new_app = QApplication(["evidencekit", "-platform", "offscreen"])
    log.debug("created an offscreen Qt application for rendering")
    return new_app, True


def _banner_fonts() -> tuple[str, str]:
    global _fonts
    if _fonts is None:
        families = []
        for name in ("NanumGothic.ttf", "NanumGothicBold.ttf"):
            fid = QtGui.QFontDatabase.addApplicationFont(str(resource_path("fonts", name)))
            fams = QtGui.QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
            if not fams:
                log.warning("could not load font %s; using the default font", name)
            families.append(fams[0] if fams else "sans-serif")
        _fonts = (families[0], families[1])
    return _fonts


# ------------------------------------------------------------------------ banner


def _split_label(line: str) -> tuple[str, str]:
    head, sep, rest = line.partition(": ")
    if sep and len(head) <= 60:
        return head + ":", rest
    return "", line


def paint_banner(lines: tuple[str, ...] | list[str], width: int, dpr: float = 1.0) -> QtGui.QImage:
    """The banner as an image ``width`` logical pixels wide (first line as a heading)."""
    regular, bold = _banner_fonts()
    head_font = QtGui.QFont(bold)
    head_font.setPixelSize(20)
    head_font.setBold(True)
    label_font = QtGui.QFont(bold)
    label_font.setPixelSize(16)
    label_font.setBold(True)
    text_font = QtGui.QFont(regular)
    text_font.setPixelSize(16)
    inner = width - 2 * _PAD
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(
        Qt.TextFlag.TextWrapAnywhere
    )
    # Lay out first: (font, colour, x, y, w, h, text)
    items: list[tuple[QtGui.QFont, QtGui.QColor, int, int, int, int, str]] = []
    y = _PAD
    for i, line in enumerate(lines):
        if i == 0:
            fm = QtGui.QFontMetrics(head_font)
            r = fm.boundingRect(QtCore.QRect(0, 0, inner, 100000), flags, line)
            items.append((head_font, BANNER_FG, _PAD, y, inner, r.height(), line))
            y += r.height() + 10
            continue
        label, text = _split_label(line)
        x = _PAD
        lh = 0
        if label:
            lfm = QtGui.QFontMetrics(label_font)
            lw = lfm.horizontalAdvance(label) + 8
            items.append((label_font, BANNER_LABEL, x, y, lw, lfm.height(), label))
            x += lw
            lh = lfm.height()
        tfm = QtGui.QFontMetrics(text_font)
        r = tfm.boundingRect(QtCore.QRect(0, 0, width - _PAD - x, 100000), flags, text)
        items.append((text_font, BANNER_FG, x, y, width - _PAD - x, r.height(), text))
        y += max(lh, r.height()) + 6
    height = y - 6 + _PAD + _ACCENT_H
    img = QtGui.QImage(round(width * dpr), round(height * dpr), QtGui.QImage.Format.Format_RGB32)
    img.setDevicePixelRatio(dpr)
    img.fill(BANNER_BG)
    p = QtGui.QPainter(img)
    try:
        p.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        for font, colour, x, yy, w, h, text in items:
            p.setFont(font)
            p.setPen(colour)
            p.drawText(QtCore.QRect(x, yy, w, h + 4), flags, text)
        p.fillRect(0, height - _ACCENT_H, width, _ACCENT_H, BANNER_ACCENT)
    finally:
        p.end()
    return img


# --------------------------------------------------------------------------- job


def _make_quiet_page_class() -> type:
    if "quiet_page" in _web:
        return _web["quiet_page"]
    base = _web["page"]

    class QuietPage(base):  # type: ignore[misc, valid-type]
        """A page that shows no dialogs and stays on the document it was given."""

        def __init__(self, profile: Any, parent: QObject) -> None:
            super().__init__(profile, parent)
            self.navigations = 0
            self.blocked: list[str] = []

        def javaScriptAlert(self, origin: Any, msg: str) -> None:  # noqa: N802
            pass

        def javaScriptConfirm(self, origin: Any, msg: str) -> bool:  # noqa: N802
            return False

        def javaScriptPrompt(self, origin: Any, msg: str, default: str) -> Any:  # noqa: N802
            return False, ""

        def javaScriptConsoleMessage(self, *args: Any) -> None:  # noqa: N802
            pass

        def chooseFiles(self, *args: Any) -> list[str]:  # noqa: N802
            return []

        def createWindow(self, kind: Any) -> Any:  # noqa: N802
            return None

        def acceptNavigationRequest(self, url: QtCore.QUrl, kind: Any,  # noqa: N802
                                    is_main_frame: bool) -> bool:
            if not is_main_frame:
                return True
            self.navigations += 1
            if self.navigations == 1:
                return True
            self.blocked.append(url.toString())
            return False

    _web["quiet_page"] = QuietPage
    return QuietPage


class _Job(QObject):
    """One rendering, driven by callbacks on the GUI thread."""

    def __init__(self, req: RenderRequest, done: Callable[[Rendering | None,
                                                          CaptureError | None], None]) -> None:
        super().__init__()
        self.req = req
        self._done = done
        self._finished = False
        self._stage = "new"
        self._t0 = time.monotonic()
        self._load_finished = False
        self._load_ok = True
        self._page_height = 0
        self._target = 0
        self._tries = 0
        self._prev: QtGui.QImage | None = None
        self._png = b""
        self._size = (0, 0, 0)
        self._dpr = 1.0
        self._timers: list[QTimer] = []
        _active.add(self)  # keep the Python object alive until it finishes

        profile_cls = _web["profile"]
        settings_cls = _web["settings"]
        self.profile = profile_cls()  # no storage name: off the record, all in memory
        self.profile.setHttpCacheType(profile_cls.HttpCacheType.MemoryHttpCache)
        self.profile.setPersistentCookiesPolicy(
            profile_cls.PersistentCookiesPolicy.NoPersistentCookies)
        if req.user_agent:
            self.profile.setHttpUserAgent(req.user_agent)
        if req.accept_language:
            self.profile.setHttpAcceptLanguage(req.accept_language)
        self.profile.downloadRequested.connect(lambda item: item.cancel())
        self.view = _web["view"](self.profile)
        self.view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.page = _make_quiet_page_class()(self.profile, self.view)
        self.view.setPage(self.page)
        s = self.page.settings()
        wa = settings_cls.WebAttribute
        s.setAttribute(wa.ShowScrollBars, False)
        s.setAttribute(wa.JavascriptCanOpenWindows, False)
        s.setAttribute(wa.PlaybackRequiresUserGesture, True)
        s.setAttribute(wa.FullScreenSupportEnabled, False)
        s.setAttribute(wa.PdfViewerEnabled, False)
        s.setAttribute(wa.PrintElementBackgrounds, True)
        self.page.setAudioMuted(True)
        self.page.authenticationRequired.connect(lambda *a: None)
        self.page.proxyAuthenticationRequired.connect(lambda *a: None)
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

    def _after(self, seconds: float, fn: Callable[[], None]) -> QTimer:
        t = QTimer(self)
        t.setSingleShot(True)
        t.timeout.connect(lambda: self._guard(fn))
        t.start(max(0, int(seconds * 1000)))
        self._timers.append(t)
        return t

    def _js(self, code: str, callback: Callable[[Any], None]) -> None:
        world = _web["script"].ScriptWorldId.ApplicationWorld

        self.page.runJavaScript(code, int(world),
                                lambda result: self._guard(lambda: callback(result)))

    # -- steps
    def start(self) -> None:
        hard = self.req.timeout + _EXTRA_SECONDS
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
        self.page.triggerAction(_web["page"].WebAction.Stop)
        self._after_load()

    def _on_load_finished(self, ok: bool) -> None:
        if self._stage != "loading" or self._finished:
            return
        self._load_finished = True
        self._load_ok = bool(ok)
        self._after_load()

    def _after_load(self) -> None:
        self._stage = "measuring"
        self._after(0.2, lambda: self._js(HEIGHT_JS, self._on_height))

    def _on_height(self, value: Any) -> None:
        self._page_height = h = _num(value)
        self._target = max(_MIN_HEIGHT, min(h, self.req.max_height))
        self.view.resize(self.req.width, self._target)
        self._tries = 0
        # Wait until the page sees the new size, then two animation frames, then grab.
        self._poll("window.innerHeight", lambda v: _num(v) == self._target, lambda: self._js(
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
        if self._finished:
            return
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
        dpr = page_img.devicePixelRatio() or 1.0
        width = self.req.width
        banner = paint_banner(self.req.banner, width, dpr)
        bh = round(banner.height() / dpr)
        ph = round(page_img.height() / dpr)
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
        self._size = (out.width(), out.height(), bh)
        self._dpr = float(dpr)
        log.debug("rendered %dx%d (banner %d, page %d)", out.width(), out.height(), bh, ph)
        self._stage = "pdf"
        self._js(PDF_BANNER_JS % json.dumps(list(self.req.banner)), lambda _r: self._print())

    def _print(self) -> None:
        layout = QtGui.QPageLayout(QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4),
                                   QtGui.QPageLayout.Orientation.Portrait,
                                   QtCore.QMarginsF(10, 10, 10, 10),
                                   QtGui.QPageLayout.Unit.Millimeter)
        self.page.printToPdf(self._on_pdf, layout)

    def _on_pdf(self, data: Any) -> None:
        self._guard(lambda: self._pdf_done(data))

    def _pdf_done(self, data: Any) -> None:
        pdf = bytes(data.data()) if isinstance(data, QtCore.QByteArray) else bytes(data or b"")
        if not pdf.startswith(b"%PDF"):
            self._fail(CaptureError("links.render_failed", reason="printing to PDF failed"))
            return
        notes: list[str] = []
        if not self._load_finished:
            notes.append("page load stopped at the time limit")
        elif not self._load_ok:
            notes.append("the browser engine reported the load as failed")
        if self.page.blocked:
            notes.append("navigation away from the page was blocked: "
                         + ", ".join(self.page.blocked[:5]))
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
        )
        self._finish(result, None)

    def _fail(self, err: CaptureError) -> None:
        if not self._finished:
            log.warning("rendering failed: %s", err.key)
            self._finish(None, err)

    def _finish(self, result: Rendering | None, err: CaptureError | None) -> None:
        self._finished = True
        try:
            for t in self._timers:
                t.stop()
            self.page.triggerAction(_web["page"].WebAction.Stop)
            self.view.hide()
            # Delete the page (child of the view) before its profile.
            self.view.deleteLater()
            self.profile.deleteLater()
            self.deleteLater()
        except RuntimeError as exc:  # a Qt object already gone: nothing left to free
            log.debug("rendering clean-up: %s", exc)
        finally:
            _active.discard(self)
            self._done(result, err)


def _num(value: Any) -> int:
    try:
        return int(float(value or 0))
    except (TypeError, ValueError):
        return 0


class _Dispatcher(QObject):
    """Runs callables on the thread it lives in (the GUI thread)."""

    run = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.run.connect(self._run, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        fn()


# ------------------------------------------------------------------------ entry


def render(req: RenderRequest) -> Rendering:
    """Render ``req`` (see :func:`evidencekit.capture.render.render_page` for the rules)."""
    global _dispatcher
    with _lock:
        app, _created = ensure_application()
        on_gui_thread = QtCore.QThread.currentThread() == app.thread()
        if not on_gui_thread and _dispatcher is None:
            d = _Dispatcher()
            d.moveToThread(app.thread())
            _dispatcher = d
    box: dict[str, Any] = {}
    done = threading.Event()
    loops: list[QtCore.QEventLoop] = []
    limit = req.timeout + _EXTRA_SECONDS + 5.0

    def finished(result: Rendering | None, err: CaptureError | None) -> None:
        box["result"], box["error"] = result, err
        done.set()
        for loop in loops:
            loop.quit()

    def start() -> None:
        try:
            _Job(req, finished).start()
        except CaptureError as exc:
            finished(None, exc)
        except Exception as exc:  # noqa: BLE001 - reported to the waiting caller
            log.exception("could not start rendering")
            finished(None, CaptureError("links.render_failed", reason=str(exc)))

    if on_gui_thread:
        loops.append(QtCore.QEventLoop())
        guard = QTimer()
        guard.setSingleShot(True)
        guard.timeout.connect(loops[0].quit)
        guard.start(int(limit * 1000))
        start()
        if not done.is_set():
            loops[0].exec()
        guard.stop()
        # Let deleteLater() of the view, page and profile run now.
        QtCore.QCoreApplication.sendPostedEvents(None, int(QtCore.QEvent.Type.DeferredDelete.value))
    else:
        assert _dispatcher is not None
        _dispatcher.run.emit(start)
        done.wait(limit)
    if not done.is_set():
        raise CaptureError("links.render_timeout", seconds=f"{limit:g}")
    if box.get("error") is not None:
        raise box["error"]
    result = box.get("result")
    if not isinstance(result, Rendering):
        raise CaptureError("links.render_failed", reason="no result")
    return result
