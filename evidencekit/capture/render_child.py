"""The page-rendering child process: its protocol, environment and entry point.

The parent (:func:`evidencekit.capture.render.render_page`) runs
``python -m evidencekit.capture.render_child`` with a clean environment (:func:`child_env`:
no passphrase or other variable of the program, a throw-away home folder in memory where
possible) and writes the request to its standard input: one JSON line
(:meth:`RenderRequest.header`) followed by the body bytes. The child answers on its
standard output, which it keeps for itself (everything else that writes to it, Chromium
included, is sent to standard error): one JSON line (``{"ok": true, ...}`` with the
:meth:`Rendering.header` and the PNG and PDF lengths, or ``{"ok": false, "error_key":
..., "params": ...}``) followed by the PNG and PDF bytes. Then it exits without tearing
Qt down. If it crashes, hangs or answers nonsense, the parent reports a failed rendering
and keeps everything else; a page can never take the program down.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

from evidencekit.capture.render_types import Rendering, RenderRequest

__all__ = ["ENV_KEEP", "PRELOAD_ENV", "chromium_flags", "child_env", "read_answer", "main",
           "JS_HEAP_MB"]

log = logging.getLogger(__name__)

#: V8's old generation limit in the renderer (MB): a page allocating without end is stopped.
JS_HEAP_MB = 512
#: The only variables of the program's environment the child inherits.
ENV_KEEP = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "SYSTEMROOT", "WINDIR", "COMSPEC",
            "LD_LIBRARY_PATH", "QT_PLUGIN_PATH", "QTWEBENGINEPROCESS_PATH",
            "QTWEBENGINE_RESOURCES_PATH", "QTWEBENGINE_LOCALES_PATH", "FONTCONFIG_PATH",
            "FONTCONFIG_FILE")
_MAX_HEADER = 4 * 1024 * 1024


def chromium_flags(req: RenderRequest | None) -> list[str]:
    """The Chromium command-line flags of the rendering child for ``req`` (None: before
    the request is known, without the recording proxy's)."""
    flags = [
        "--disable-gpu",
        "--log-level=3",
        # Paint holding keeps the previous picture until the first "contentful" paint, so
        # a page without text or images would be grabbed blank.
        "--disable-features=PaintHolding",
        f"--js-flags=--max-old-space-size={JS_HEAP_MB}",
        "--disk-cache-size=1",
        "--no-pings",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-domain-reliability",
        "--disable-sync",
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    ]
    if req is None:
        return flags
    if req.proxy:
        flags.append(f"--proxy-server={req.proxy}")
        # Loopback is not sent through a proxy by default; with this it is, so the
        # proxy sees (and records or refuses) every request.
        flags.append("--proxy-bypass-list=<-loopback>")
    if req.trusted_spki:
        flags.append("--ignore-certificate-errors-spki-list=" + ",".join(req.trusted_spki))
    return flags


def child_env(req: RenderRequest | None, home: Path) -> dict[str, str]:
    """The child's whole environment: a few system variables, a throw-away home, Qt's
    (``req`` None: the child is started before its request is known)."""
    import evidencekit

    env = {k: os.environ[k] for k in ENV_KEEP if k in os.environ}
    root = str(Path(evidencekit.__file__).resolve().parent.parent)
    env.update(
        HOME=str(home), USERPROFILE=str(home), TMPDIR=str(home), TEMP=str(home),
        TMP=str(home), XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"), XDG_DATA_HOME=str(home / "data"),
        XDG_RUNTIME_DIR=str(home), PYTHONPATH=root, PYTHONDONTWRITEBYTECODE="1",
        PYTHONNOUSERSITE="1", QT_QPA_PLATFORM="offscreen",
        QTWEBENGINE_CHROMIUM_FLAGS=" ".join(chromium_flags(req)),
    )
    env.setdefault("LANG", "C.UTF-8")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium's sandbox cannot run as root.
        env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    return env


def read_answer(data: bytes) -> tuple[dict[str, Any], bytes, bytes]:
    """Split the child's answer into its header, PNG and PDF; ValueError if malformed."""
    line, sep, rest = data.partition(b"\n")
    if not sep or len(line) > _MAX_HEADER:
        raise ValueError("no answer header")
    header = json.loads(line.decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("answer header is not an object")
    if not header.get("ok"):
        return header, b"", b""
    n_png, n_pdf = int(header["png_length"]), int(header["pdf_length"])
    if n_png < 0 or n_pdf < 0 or len(rest) != n_png + n_pdf:
        raise ValueError("answer truncated")
    return header, rest[:n_png], rest[n_png:]


def _read_request(stream: BinaryIO) -> RenderRequest:
    header = json.loads(stream.readline(_MAX_HEADER).decode("utf-8"))
    n = header.get("body_length")
    body = stream.read(int(n)) if n is not None else None
    if body is not None and len(body) != int(n):
        raise ValueError("request body truncated")
    return RenderRequest.from_header(header, body)


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _start_recording(req: RenderRequest) -> RenderRequest:
    """Start the recording proxy (before Qt) and point the renderer at it."""
    from dataclasses import replace

    from evidencekit.capture.recorder import start_recorder
    from evidencekit.capture.render_guard import same_origin_port

    try:
        _proxy, port, spki = start_recorder(Path.cwd(), allowed_local=same_origin_port(req.url),
                                            upstream_ca_file=req.upstream_ca_file)
    except (ImportError, OSError, RuntimeError) as exc:
        log.error("the recording proxy could not start: %s", exc)
        return req
    req = replace(req, proxy=f"http://127.0.0.1:{port}", trusted_spki=(spki,))
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(chromium_flags(req))
    return req


#: Set by :class:`evidencekit.capture.render.RenderChild`: the child was started ahead of
#: its request and loads the recording proxy's modules while it waits.
PRELOAD_ENV = "EVIDENCEKIT_RENDER_PRELOAD"


def _preload() -> None:
    """Import proxy.py and the recorder (a quarter of a second) while the parent is still
    fetching the page. Not Qt: proxy.py forks its acceptor before Qt may start."""
    try:
        import proxy  # noqa: F401 - proxy.py

        from evidencekit.capture import recorder  # noqa: F401
    except ImportError:
        pass  # recording is then reported unavailable as before


def main() -> int:
    """Entry point of the child: read a request, render, answer, exit at once."""
    answer_fd = os.dup(1)
    os.dup2(2, 1)  # anything else printed goes to standard error
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="render-child %(levelname)s %(name)s: %(message)s")
    from evidencekit.errors import CaptureError

    if os.environ.pop(PRELOAD_ENV, None) == "1":
        _preload()
    try:
        req = _read_request(sys.stdin.buffer)
    except (ValueError, KeyError, TypeError) as exc:
        log.error("bad request: %s", exc)
        return 2
    if req.record:
        req = _start_recording(req)
    try:
        from evidencekit.capture import render_qt

        result: Rendering = render_qt.render(req)
    except CaptureError as exc:
        out = json.dumps({"ok": False, "error_key": exc.key,
                          "params": {k: str(v) for k, v in exc.params.items()}}).encode()
        _write(answer_fd, out + b"\n")
    except ImportError as exc:
        out = json.dumps({"ok": False, "error_key": "links.render_unavailable",
                          "params": {"reason": str(exc)}}).encode()
        _write(answer_fd, out + b"\n")
    else:
        head = dict(result.header(), ok=True, png_length=len(result.png),
                    pdf_length=len(result.pdf))
        _write(answer_fd, json.dumps(head, ensure_ascii=False).encode("utf-8") + b"\n"
               + result.png + result.pdf)
    os.close(answer_fd)
    sys.stderr.flush()
    # No Qt tear-down: it can crash or hang with the engine still busy, and the answer
    # has been given. The engine's helper processes go with their parent.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
