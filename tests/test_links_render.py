"""Full-page rendering with QtWebEngine, offscreen: the PNG shows the banner and the page
(known colours) at the expected size, the PDF carries the banner text; the GUI's
worker-thread path; tall pages are capped; a URL can be loaded live; stuck loads and hung
renderings end in time.

The renderings are made in ONE child process (this file run as a script), so QtWebEngine
(hundreds of MB, several helper processes) never loads into the pytest process; the tests
then check what the child produced. The child runs with ``QT_QPA_PLATFORM=offscreen``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":  # the child process
    sys.path.insert(0, str(ROOT))
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

from PIL import Image  # noqa: E402

from tests.support.links_servers import (  # noqa: E402
    BLOCK_HEIGHT,
    BLOCK_RGB,
    KO_PAGE,
    PAGE_HEIGHT,
    PAGE_RGB,
    LinkServers,
)

pytestmark = pytest.mark.slow

BANNER_RGB = (20, 33, 61)
ACCENT_RGB = (252, 163, 17)
TALL = (b"<html><body style='margin:0;background:#f4f1de'>"
        b"<div style='height:6000px;background:#e0218a'></div></body></html>")
WHEN = datetime(2024, 8, 30, 15, 4, 5, tzinfo=UTC)


# ------------------------------------------------------------------ child process


def _scenarios(http: str, https: str, ca_file: str) -> dict[str, Callable[[], Any]]:
    from evidencekit.capture.links import capture_link
    from evidencekit.capture.render import render_page

    def worker_thread() -> Any:
        from evidencekit.capture.render_qt import ensure_application

        app, _ = ensure_application()
        box: dict[str, Any] = {}

        def work() -> None:
            box["r"] = render_page("https://example.com/worker", html=KO_PAGE,
                                   charset="utf-8", timeout=10)

        worker = threading.Thread(target=work)
        worker.start()
        deadline = time.monotonic() + 60
        while worker.is_alive() and time.monotonic() < deadline:
            app.processEvents()  # the GUI thread's event loop
            time.sleep(0.002)
        worker.join(timeout=1)
        return box.get("r")

    def hung() -> Any:
        from evidencekit.capture import render_qt

        saved = render_qt._EXTRA_SECONDS, render_qt._Job._compose
        render_qt._EXTRA_SECONDS = 0.5
        render_qt._Job._compose = lambda self, page_img: None  # type: ignore[method-assign]
        try:
            return render_page("https://example.com/hang", html=KO_PAGE, timeout=1.0)
        finally:
            render_qt._EXTRA_SECONDS = saved[0]
            render_qt._Job._compose = saved[1]  # type: ignore[method-assign]

    slow_img = (f'<img style="position:absolute;left:0;top:0;width:1px;height:1px" '
                f'src="{http}/slow">').encode()
    return {
        "capture": lambda: capture_link(https + "/r1", ca_file=ca_file, timeout=10),
        "banner_time": lambda: render_page("https://example.com/기사/1", html=KO_PAGE,
                                           charset="utf-8", captured_at=WHEN, timeout=10),
        "tall": lambda: render_page("https://example.com/tall", html=TALL, max_height=2500,
                                    timeout=10),
        "live": lambda: render_page(http + "/ko", timeout=10),
        "worker_thread": worker_thread,
        "stuck": lambda: render_page(http + "/page", charset="utf-8", timeout=1.0,
                                     html=KO_PAGE.replace(b"</body>", slow_img + b"</body>")),
        "hung": hung,
    }


def _child_main(out: Path, http: str, https: str, ca_file: str) -> None:
    from evidencekit.capture.render import Rendering
    from evidencekit.errors import CaptureError

    results: dict[str, Any] = {}
    for name, run in _scenarios(http, https, ca_file).items():
        start = time.monotonic()
        try:
            got = run()
        except CaptureError as exc:
            results[name] = {"error": exc.key, "message_ko": exc.message("ko")}
        else:
            png: bytes | None
            pdf: bytes | None
            if isinstance(got, Rendering):
                meta = got.metadata()
                png, pdf = got.png, got.pdf
            else:  # a NewItem from capture_link
                meta = dict(got.metadata["rendering"], parts=[p.name for p in got.parts])
                parts = {p.name: p.data for p in got.parts}
                png, pdf = parts.get("rendering.png"), parts.get("rendering.pdf")
            (out / f"{name}.png").write_bytes(png or b"")
            (out / f"{name}.pdf").write_bytes(pdf or b"")
            results[name] = meta
        results[name]["elapsed"] = time.monotonic() - start
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False))


# ------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    out = tmp_path_factory.mktemp("renderings")
    with LinkServers(tmp_path_factory.mktemp("links")) as s:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        proc = subprocess.run(
            [sys.executable, __file__, str(out), s.http.base, s.https.base, str(s.ca_file)],
            capture_output=True, text=True, timeout=180, cwd=ROOT, env=env,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        https = s.https.base
    return out, json.loads((out / "results.json").read_text()), https


def _close(a: object, b: tuple[int, ...], tol: int = 3) -> bool:
    assert isinstance(a, tuple)
    return all(abs(int(x) - y) <= tol for x, y in zip(a[:3], b[:3], strict=True))


def _check_png(png: bytes, banner_height: int, page_height: int) -> Image.Image:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.size == (1280, banner_height + page_height)
    # Banner: its background at the top corners, white text inside, the accent bar.
    assert _close(img.getpixel((2, 2)), BANNER_RGB)
    assert _close(img.getpixel((1277, 2)), BANNER_RGB)
    banner = img.crop((0, 0, 1280, banner_height - 8))
    colours = banner.getcolors(maxcolors=1 << 16) or []
    assert any(c == (255, 255, 255) for _n, c in colours), "no banner text"
    assert _close(img.getpixel((640, banner_height - 2)), ACCENT_RGB)
    # The page: the magenta block right under the banner, then the page background.
    assert _close(img.getpixel((640, banner_height + BLOCK_HEIGHT // 2)), BLOCK_RGB)
    assert _close(img.getpixel((5, banner_height + 5)), BLOCK_RGB)
    assert _close(img.getpixel((640, banner_height + page_height - 20)), PAGE_RGB)
    # Page text was drawn (dark pixels in the text area).
    text = img.crop((0, banner_height + BLOCK_HEIGHT, 1280, banner_height + BLOCK_HEIGHT + 150))
    darkest = text.convert("L").getextrema()[0]
    assert isinstance(darkest, int) and darkest < 80
    return img


def _pdf_text(pdf: bytes) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          timeout=30, check=True).stdout.decode()


def test_capture_link_with_rendering(rendered: tuple[Path, dict[str, Any], str],
                                     artifacts: Path) -> None:
    out, results, https = rendered
    meta = results["capture"]
    assert meta["parts"] == ["exchange.warc.gz", "summary.json", "certificates.pem",
                             "rendering.png", "rendering.pdf"]
    assert meta["status"] == "ok", meta
    assert meta["source"] == "fetched-body" and meta["load_finished"]
    assert meta["page_height"] == PAGE_HEIGHT and not meta["truncated"]
    png, pdf = (out / "capture.png").read_bytes(), (out / "capture.pdf").read_bytes()
    _check_png(png, meta["banner_height"], PAGE_HEIGHT)
    assert pdf.startswith(b"%PDF")
    (artifacts / "links-rendering.png").write_bytes(png)
    (artifacts / "links-rendering.pdf").write_bytes(pdf)
    banner = " ".join(meta["banner"])
    assert f"{https}/r1" in banner and f"{https}/ko" in banner
    assert "UTC" in banner and "KST" in banner and "캡처 시각" in banner
    text = _pdf_text(pdf)
    if text is not None:
        assert "KST" in text and "Captured" in text
        assert "이 페이지는" in text  # the page itself, in Korean
    assert meta["elapsed"] < 20


def test_banner_time_in_utc_and_kst(rendered: tuple[Path, dict[str, Any], str]) -> None:
    out, results, _ = rendered
    meta = results["banner_time"]
    _check_png((out / "banner_time.png").read_bytes(), meta["banner_height"], PAGE_HEIGHT)
    text = _pdf_text((out / "banner_time.pdf").read_bytes())
    if text is not None:
        assert "2024-08-30 15:04:05 UTC" in text
        assert "2024-08-31 00:04:05 KST" in text


def test_tall_page_is_capped(rendered: tuple[Path, dict[str, Any], str]) -> None:
    out, results, _ = rendered
    meta = results["tall"]
    assert meta["truncated"] and meta["page_height"] == 6000
    img = Image.open(out / "tall.png").convert("RGB")
    assert img.size == (1280, meta["banner_height"] + 2500)
    # Painted to the bottom, even with no text on the page (Chromium's paint holding).
    assert _close(img.getpixel((640, img.size[1] - 5)), BLOCK_RGB)


def test_live_url_rendering(rendered: tuple[Path, dict[str, Any], str]) -> None:
    out, results, _ = rendered
    meta = results["live"]
    assert meta["source"] == "live-url"
    _check_png((out / "live.png").read_bytes(), meta["banner_height"], PAGE_HEIGHT)


def test_render_from_a_worker_thread_runs_on_the_gui_thread(
        rendered: tuple[Path, dict[str, Any], str]) -> None:
    out, results, _ = rendered
    meta = results["worker_thread"]
    assert "error" not in meta, meta
    _check_png((out / "worker_thread.png").read_bytes(), meta["banner_height"], PAGE_HEIGHT)


def test_stuck_subresource_is_cut_off_at_the_time_limit(
        rendered: tuple[Path, dict[str, Any], str]) -> None:
    out, results, _ = rendered
    meta = results["stuck"]
    assert not meta["load_finished"]
    assert any("time limit" in n for n in meta["notes"])
    assert meta["elapsed"] < 8
    _check_png((out / "stuck.png").read_bytes(), meta["banner_height"], PAGE_HEIGHT)


def test_a_hung_rendering_raises_a_clear_error(
        rendered: tuple[Path, dict[str, Any], str]) -> None:
    _, results, _ = rendered
    meta = results["hung"]
    assert meta["error"] == "links.render_timeout"
    assert "초" in meta["message_ko"]
    assert meta["elapsed"] < 10


if __name__ == "__main__":
    _child_main(Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4])
