"""The renderer child parses hostile pages: it must not inherit the passphrase (audit
finding 6). A link is fetched through the command line with EVIDENCEKIT_PASSPHRASE set;
while the page's renderer waits for a slow picture, the test reads /proc/PID/environ of
every child process and of the program itself."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from evidencekit.vault import Vault
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="/proc is Linux's")

SECRET = "renderer-env-secret-" + secrets.token_hex(6)


class _Slow(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/slow"):
            time.sleep(8)
            body, kind = b"GIF89a", "image/gif"
        else:
            body = b"<html><body><p>page</p><img src='/slow.gif'></body></html>"
            kind = "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def test_renderer_children_do_not_inherit_the_passphrase(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    Vault.create(folder, SECRET, "holder")[0].close()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    control = "visible-control-" + secrets.token_hex(6)  # proves the environ is read
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EVIDENCEKIT_PASSPHRASE": SECRET,
           "QT_QPA_PLATFORM": "offscreen", "EVIDENCEKIT_TEST_CONTROL": control}
    proc = subprocess.Popen([sys.executable, "-m", "evidencekit.cli", "link", str(folder),
                             url], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    seen: dict[int, bytes] = {}
    own = b""
    try:
        deadline = time.monotonic() + 60
        renderer_since = None
        while time.monotonic() < deadline and proc.poll() is None:
            for child in _descendants(proc.pid):
                try:
                    seen[child] = Path(f"/proc/{child}/cmdline").read_bytes() + b"\0" + \
                        Path(f"/proc/{child}/environ").read_bytes()
                except OSError:
                    continue
            if renderer_since is None and any(b"QtWebEngineProcess" in v
                                              for v in seen.values()):
                renderer_since = time.monotonic()
                own = Path(f"/proc/{proc.pid}/environ").read_bytes()
            if renderer_since is not None and time.monotonic() - renderer_since > 1.5:
                break  # the zygote and the renderer have started by now
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
        server.shutdown()
    renderers = [v for v in seen.values() if b"QtWebEngineProcess" in v]
    assert renderers, "no renderer child seen"
    # the reading works: every renderer's environment was read (the rendering child starts
    # them with a clean environment, so the control variable does not reach them either)
    assert all(b"PATH=" in v for v in renderers)
    assert not any(control.encode() in v for v in renderers)
    for data in seen.values():
        assert SECRET.encode() not in data
    # the program's own /proc/PID/environ: the value was overwritten when it was taken
    assert control.encode() in own and SECRET.encode() not in own
