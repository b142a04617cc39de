"""The display check: a DISPLAY that is set but unreachable (a stale ``ssh -X`` value, a
stopped Xvfb) gets the same clear message as a missing one, never Qt's abort (exit 134)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from evidencekit.display import display_missing, x11_reachable
from tests.conftest import run_cli_process
from tests.support.capture_xvfb import xvfb


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unused_display() -> str:
    for n in range(700, 900):
        if not Path(f"/tmp/.X11-unix/X{n}").exists():
            return f":{n}"
    raise RuntimeError("no unused display number")


def test_unreachable_displays(monkeypatch: pytest.MonkeyPatch) -> None:
    stale = _unused_display()
    assert not x11_reachable(stale)
    port = _free_port()
    if port > 6000:  # a TCP display nobody listens on, as after an ssh -X session ended
        assert not x11_reachable(f"127.0.0.1:{port - 6000}.0")
    assert not x11_reachable("garbage")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", stale)
    assert display_missing()
    monkeypatch.delenv("QT_QPA_PLATFORM")
    assert display_missing()


@pytest.mark.requires_tools("Xvfb", "xdotool")
@pytest.mark.xvfb
def test_running_xvfb_is_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    with xvfb(640, 480) as display:
        for _ in range(5):
            assert x11_reachable(display)
            # The check must not disturb the server for the real client that follows.
            client = subprocess.run(["xdotool", "getdisplaygeometry"], capture_output=True,
                                    text=True, env={**os.environ, "DISPLAY": display},
                                    timeout=30)
            assert client.returncode == 0 and client.stdout.startswith("640 480"), client.stderr
        monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
        monkeypatch.setenv("DISPLAY", display)
        assert not display_missing()


def test_gui_with_stale_display_exits_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", _unused_display())
    result = run_cli_process("gui", timeout=60)
    assert result.code == 2, (result.code, result.err[-500:])
    assert "cannot be reached" in result.err
    assert "Traceback" not in result.err and "xcb" not in result.err
