"""Test support: a private D-Bus session bus and a fake XDG desktop portal on it.

The fake implements just ``org.freedesktop.portal.Screenshot.Screenshot``: it answers
with a request object path and then emits ``org.freedesktop.portal.Request.Response``
on that path with ``(code, {"uri": URI})``, as xdg-desktop-portal does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import textwrap
import time
from collections.abc import Iterator

from tests.support.capture_xvfb import PYTHON, stop_process


def have_dbus() -> bool:
    return shutil.which("dbus-daemon") is not None


@contextlib.contextmanager
def session_bus() -> Iterator[str]:
    """A private ``dbus-daemon --session``; yields its address."""
    proc = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        if not address:
            raise RuntimeError("dbus-daemon did not start")
        yield address
    finally:
        stop_process(proc)


_PORTAL = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QCoreApplication, QObject, QTimer, Slot
    from PySide6.QtDBus import QDBusConnection, QDBusMessage, QDBusObjectPath

    uri, code = sys.argv[1], int(sys.argv[2])
    bus = QDBusConnection.sessionBus()

    class Screenshot(QObject):
        @Slot(str, "QVariantMap", QDBusMessage, result=QDBusObjectPath)
        def Screenshot(self, parent_window, options, message):
            sender = message.service().lstrip(":").replace(".", "_")
            path = "/org/freedesktop/portal/desktop/request/%s/%s" % (
                sender, options["handle_token"])

            def respond():
                signal = QDBusMessage.createSignal(
                    path, "org.freedesktop.portal.Request", "Response")
                signal.setArguments([code, {"uri": uri} if code == 0 else {}])
                bus.send(signal)

            QTimer.singleShot(100, respond)
            return QDBusObjectPath(path)

    app = QCoreApplication([])
    handler = Screenshot()
    ok = bus.registerObject(
        "/org/freedesktop/portal/desktop", "org.freedesktop.portal.Screenshot", handler,
        QDBusConnection.RegisterOption.ExportAllSlots)
    ok = ok and bus.registerService("org.freedesktop.portal.Desktop")
    print("READY" if ok else "FAILED", flush=True)
    app.exec()
    """
)


@contextlib.contextmanager
def fake_portal(address: str, uri: str, code: int = 0) -> Iterator[None]:
    """Run the fake portal on the bus at ``address``; it answers every request with
    ``code`` and (for 0) the file ``uri``."""
    env = dict(os.environ)
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    env["QT_QPA_PLATFORM"] = "offscreen"
    proc = subprocess.Popen(
        [PYTHON, "-c", _PORTAL, uri, str(code)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 30
        line = proc.stdout.readline()
        if "READY" not in line or time.monotonic() > deadline:
            raise RuntimeError(f"fake portal did not start: {line!r}")
        yield
    finally:
        stop_process(proc)
