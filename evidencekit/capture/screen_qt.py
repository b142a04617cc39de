"""The Qt screen grabber and the XDG desktop portal fallback (imported lazily).

:data:`BACKEND` implements :class:`evidencekit.capture.screen.Backend`: it reuses the
running ``QGuiApplication`` (the GUI's) or creates one (from the command line), lists
the screens, grabs each with ``QScreen.grabWindow(0)`` (device pixels) and hands the
pixels to Pillow; composing, cropping, black detection and PNG encoding happen in
:mod:`evidencekit.capture.screen`. :meth:`QtBackend.portal_screenshot` asks
``org.freedesktop.portal.Screenshot`` over the session D-Bus (QtDBus) for a
non-interactive screenshot of the whole desktop.

Only this module (and ``evidencekit.gui``) imports PySide6.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
from pathlib import Path
from typing import cast
from urllib.parse import unquote, urlparse

from PIL import Image
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, QTimer, Signal
from PySide6.QtDBus import QDBusAbstractInterface, QDBusConnection, QDBusInterface, QDBusMessage
from PySide6.QtGui import QGuiApplication, QImage, QScreen

from evidencekit.capture.screen import RawScreen, ScreenInfo
from evidencekit.display import display_missing
from evidencekit.errors import CaptureError

__all__ = ["BACKEND", "QtBackend"]

log = logging.getLogger(__name__)

PORTAL_SERVICE = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
PORTAL_SCREENSHOT = "org.freedesktop.portal.Screenshot"
PORTAL_REQUEST = "org.freedesktop.portal.Request"
#: The portal may show a permission dialog the first time; give the user time for it.
PORTAL_TIMEOUT_S = 60.0
MAX_PORTAL_FILE = 512 * 1024 * 1024

_RAW_MODE = "BGRX" if sys.byteorder == "little" else "XRGB"


class _PortalRequest(QDBusAbstractInterface):
    """The portal's Request object; QtDBus relays its D-Bus signal ``Response`` here."""

    Response = Signal(QDBusMessage)

    def __init__(self, path: str, bus: QDBusConnection, parent: QObject | None) -> None:
        super().__init__(PORTAL_SERVICE, path, PORTAL_REQUEST, bus, parent)  # type: ignore[arg-type]


class QtBackend:
    """Screen access through Qt (see :class:`evidencekit.capture.screen.Backend`)."""

    def __init__(self) -> None:
        self._app: QGuiApplication | None = None

    # -- the application ---------------------------------------------------------------

    def ensure_ready(self) -> None:
        app = QCoreApplication.instance()
        if app is None:
            if display_missing():
                # Creating the application would abort the process without a display.
                raise CaptureError("capture.screen.no_display")
            app = QGuiApplication([sys.argv[0] if sys.argv and sys.argv[0] else "evidencekit"])
            self._app = app
        if not isinstance(app, QGuiApplication):
            raise CaptureError("capture.screen.no_gui_app")
        if QThread.currentThread() != app.thread():
            raise CaptureError("capture.screen.wrong_thread")

    def _application(self) -> QGuiApplication:
        app = QCoreApplication.instance()
        if not isinstance(app, QGuiApplication):
            raise CaptureError("capture.screen.no_gui_app")
        return app

    def platform_name(self) -> str:
        return QGuiApplication.platformName()

    def toolkit_version(self) -> str:
        import PySide6

        return f"Qt {PySide6.QtCore.qVersion()} / PySide6 {PySide6.__version__}"

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` pass while Qt processes events (hidden windows disappear)."""
        loop = QEventLoop()
        QTimer.singleShot(max(0, int(seconds * 1000)), loop.quit)
        loop.exec()
        QCoreApplication.processEvents()

    # -- screens -----------------------------------------------------------------------

    def screens(self) -> list[ScreenInfo]:
        return [_screen_info(i, s) for i, s in enumerate(self._application().screens())]

    def grab_screen(self, index: int) -> RawScreen:
        screens = self._application().screens()
        screen = screens[index]
        pixmap = screen.grabWindow(0)
        if pixmap.isNull() or pixmap.width() <= 0 or pixmap.height() <= 0:
            raise CaptureError("capture.screen.grab_failed")
        image = pixmap.toImage()
        del pixmap
        if image.format() not in (QImage.Format.Format_RGB32, QImage.Format.Format_ARGB32):
            image = image.convertToFormat(QImage.Format.Format_RGB32)
        width, height = image.width(), image.height()
        # Pillow's raw decoder copies (and reorders) the pixels out of the QImage.
        pil = Image.frombuffer(
            "RGB",
            (width, height),
            cast(bytes, image.constBits()),  # a buffer; Pillow copies from it
            "raw",
            _RAW_MODE,
            image.bytesPerLine(),
            1,
        )
        return RawScreen(_screen_info(index, screen), pil)

    # -- the desktop portal --------------------------------------------------------------

    def portal_screenshot(self) -> bytes:
        """The whole desktop as PNG bytes from ``org.freedesktop.portal.Screenshot``.

        The portal writes its picture to a file and returns its URI; the file is read
        and then removed (plaintext evidence must not be left on the disk).
        """
        bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            raise CaptureError("capture.portal.unavailable", reason="no session bus")
        token = "evidencekit_" + secrets.token_hex(8)
        sender = bus.baseService().lstrip(":").replace(".", "_")
        request_path = f"{PORTAL_PATH}/request/{sender}/{token}"
        holder = QObject()
        request = _PortalRequest(request_path, bus, holder)
        loop = QEventLoop()
        responses: list[QDBusMessage] = []

        def on_response(message: QDBusMessage) -> None:
            responses.append(message)
            loop.quit()

        request.Response.connect(on_response)
        portal = QDBusInterface(PORTAL_SERVICE, PORTAL_PATH, PORTAL_SCREENSHOT, bus, holder)
        reply = portal.call("Screenshot", "", {"handle_token": token, "interactive": False})
        if reply.type() == QDBusMessage.MessageType.ErrorMessage:
            raise CaptureError("capture.portal.unavailable", reason=reply.errorName())
        timer = QTimer(holder)
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(int(PORTAL_TIMEOUT_S * 1000))
        if not responses:
            loop.exec()
        timer.stop()
        if not responses:
            raise CaptureError("capture.portal.timeout", seconds=int(PORTAL_TIMEOUT_S))
        return self._read_portal_result(responses[0])

    def _read_portal_result(self, message: QDBusMessage) -> bytes:
        args = message.arguments()
        code = args[0] if args else 2
        if code == 1:
            raise CaptureError("capture.portal.cancelled")
        if code != 0:
            raise CaptureError("capture.portal.failed", reason=f"response {code}")
        uri: str | None = None
        if len(args) > 1 and isinstance(args[1], dict):
            value = args[1].get("uri")
            uri = str(value) if value else None
        if uri is None:
            # PySide6 may hand the a{sv} over as an opaque QDBusArgument; its text form
            # still carries the URI (file URIs are percent-encoded: no quotes or spaces).
            found = re.search(r"file://[^\"\s\]]+", str(message))
            uri = found.group(0) if found else None
        if uri is None:
            raise CaptureError("capture.portal.failed", reason="no uri")
        path = Path(unquote(urlparse(uri).path))
        try:
            size = path.stat().st_size
            if size > MAX_PORTAL_FILE:
                raise CaptureError("capture.portal.failed", reason="file too large")
            data = path.read_bytes()
        except OSError as exc:
            raise CaptureError("capture.portal.failed", reason=exc.strerror or "") from None
        try:
            path.unlink()
        except OSError:
            log.warning("could not remove the portal's screenshot file")
        return data


def _screen_info(index: int, screen: QScreen) -> ScreenInfo:
    g = screen.geometry()
    return ScreenInfo(
        index=index,
        name=screen.name(),
        x=g.x(),
        y=g.y(),
        width=g.width(),
        height=g.height(),
        device_pixel_ratio=float(screen.devicePixelRatio()),
        manufacturer=screen.manufacturer(),
        model=screen.model(),
    )


BACKEND = QtBackend()
