"""An exported WACZ replays in ReplayWeb.page (Webrecorder's player, the one the WACZ
format is made for): a local Korean page with pictures is captured with its rendering,
exported with `evidencekit export-wacz`, the live site is stopped, and ReplayWeb.page
(fetched at set-up time by scripts/fetch-replaywebpage.sh, never by the test) is served
from 127.0.0.1 with the WACZ and opened in QtWebEngine offscreen. The replayed page must
show the captured text (and what its script wrote), and its pictures (those in the
markup, the one its script loaded with fetch(), and the lazily loaded one below the fold
once the replayed page is scrolled to it) must have loaded, from the archive, at their
captured sizes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from evidencekit.capture.links import capture_link
from tests.conftest import ROOT, run_cli
from tests.support.links_servers import LinkServers
from tests.support.vault_util import open_vault

FETCH_SCRIPT = ROOT / "scripts" / "fetch-replaywebpage.sh"


def _replaywebpage_dir() -> Path:
    """ReplayWeb.page's files as scripts/fetch-replaywebpage.sh left them; skipped on a
    developer's machine that has not run it, a failure in CI (where `make` runs it)."""
    check = subprocess.run(["bash", str(FETCH_SCRIPT), "--check"], capture_output=True,
                           text=True, timeout=30)
    if check.returncode != 0:
        message = check.stderr.strip() or "ReplayWeb.page is not fetched"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    where = subprocess.run(["bash", str(FETCH_SCRIPT), "--dir"], capture_output=True,
                           text=True, timeout=30, check=True)
    return Path(where.stdout.strip())


class _Files(ThreadingHTTPServer):
    """Serves a fixed set of files from 127.0.0.1 and remembers every path asked for."""

    daemon_threads = True

    def __init__(self, files: dict[str, tuple[Path, str]]) -> None:
        self.files = files
        self.asked: list[str] = []
        super().__init__(("127.0.0.1", 0), _FilesHandler)


class _FilesHandler(BaseHTTPRequestHandler):
    server: _Files

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet tests
        pass

    def _answer(self, body: bool) -> None:
        path = self.path.split("?", 1)[0]
        self.server.asked.append(path)
        if path not in self.server.files:
            self.send_error(404)
            return
        file, ctype = self.server.files[path]
        data = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(False)


@pytest.fixture
def replay_server(tmp_path: Path) -> Iterator[tuple[_Files, Path]]:
    rwp = _replaywebpage_dir()
    site = tmp_path / "replay-site"
    site.mkdir()
    files = {"/ui.js": (rwp / "ui.js", "application/javascript"),
             "/replay/sw.js": (rwp / "replay" / "sw.js", "application/javascript"),
             "/index.html": (site / "index.html", "text/html; charset=utf-8"),
             "/captures.wacz": (site / "captures.wacz", "application/wacz+zip")}
    server = _Files(files)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server, site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _refused(base: str) -> bool:
    host, port = base.rsplit("/", 1)[1].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        return True
    return False


def test_exported_wacz_replays_in_replaywebpage(vault_dir: Path, tmp_path: Path,
                                                replay_server: tuple[_Files, Path],
                                                artifacts: Path) -> None:
    server, site = replay_server
    with LinkServers(tmp_path) as live:
        item = capture_link(live.https.url("/site"), ca_file=live.ca_file, timeout=10)
        assert item.metadata["rendering"]["status"] == "ok", item.metadata["rendering"]
        with open_vault(vault_dir) as v:
            v.add_item(item)
        live_base = live.https.base
    # The live site is gone: whatever the replay shows comes from the archive.
    assert _refused(live_base)
    res = run_cli("export-wacz", vault_dir, site / "captures.wacz", "--no-timestamp")
    assert res.code == 0, res.err
    with zipfile.ZipFile(site / "captures.wacz") as z:
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").splitlines()[1:]]
    target = pages[0]["url"]
    assert target == live_base + "/site"
    (site / "index.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><script src="./ui.js"></script>'
        '</head><body><replay-web-page source="captures.wacz" embed="replayonly" '
        f'url="{target}" style="display:block;width:1000px;height:800px">'
        "</replay-web-page></body></html>", encoding="utf-8")

    page_url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    out = tmp_path / "replayed.json"
    shot = artifacts / "links-replay.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               QTWEBENGINE_CHROMIUM_FLAGS="--disable-gpu --log-level=3")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"  # Chromium's sandbox cannot run as root
    proc = subprocess.run([sys.executable, "-m", "tests.support.replay_browser", page_url,
                           target, str(out), str(shot)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    state = json.loads(out.read_text(encoding="utf-8"))
    assert state.get("found"), state
    # Replayed through ReplayWeb.page's service worker, from the WACZ on the replay server.
    assert state["href"].startswith(page_url.rsplit("/", 1)[0] + "/replay/w/"), state["href"]
    assert "피해 게시물" in state["text"]
    # The page's own script ran in the replay (it was archived too).
    assert "스크립트 OK" in state["text"]
    by_name = {img["src"].rsplit("/", 1)[-1]: img for img in state["images"]}
    for name, (width, height) in (("a.png", (320, 200)), ("b.png", (640, 480))):
        img = by_name[name]
        assert img["complete"] and (img["width"], img["height"]) == (width, height), img
        assert "/replay/w/" in img["src"] and img["src"].endswith(f"/{target.rsplit('/', 1)[0]}"
                                                                   f"/img/{name}"), img
    # The picture loaded lazily below the fold (loading="lazy") was still waiting before
    # the replayed page's frame was scrolled (the 5000 px gap above it is inline, so it
    # holds even before the replay delivers site.css) and loads once the frame is
    # scrolled to it: from the archive, at its natural size.
    assert [img["width"] for img in state["lazy_before_scroll"]] == [0], \
        state["lazy_before_scroll"]
    lazy = [img for img in state["images"] if img["lazy"]]
    assert len(lazy) == 1, state["images"]
    assert lazy[0]["inView"] and state["scrollY"] > 0, (lazy, state["scrollY"])
    assert lazy[0]["complete"] and (lazy[0]["width"], lazy[0]["height"]) == (300, 300), lazy
    assert "/replay/w/" in lazy[0]["src"] and lazy[0]["src"].endswith(
        f"/{target.rsplit('/', 1)[0]}/img/lazy.png"), lazy
    # The picture the page's script loaded with fetch() came through the replay too.
    fetched = [img for img in state["images"] if img["src"].startswith("blob:")]
    assert [(i["complete"], i["width"], i["height"]) for i in fetched] == [(True, 120, 90)], \
        state["images"]
    # The replay server served ReplayWeb.page and the WACZ, and nothing of the site itself.
    assert "/captures.wacz" in server.asked
    assert not [p for p in server.asked if p.startswith("/img/")]
