"""Full-page rendering of a fetched web page (PNG and PDF) in a child process.

:func:`render_page` runs the QtWebEngine adapter (:mod:`evidencekit.capture.render_qt`) in
a separate process (:mod:`evidencekit.capture.render_child`), so importing this module
never loads Qt, and a page that crashes, hangs or exhausts the browser engine ends only
that process: the caller gets :class:`~evidencekit.errors.CaptureError` (``links.render_*``
or ``webcapture.render_crashed``) and keeps what it fetched. The child gets a clean
environment (nothing of the program's, no passphrase) and a throw-away home folder (in
memory under ``/dev/shm`` where available) that is removed afterwards, so nothing the page
leaves behind (cookies, storage, cache) survives the capture.

What is rendered: the **fetched body** (the exact bytes stored in the WARC), given to the
browser engine with the final URL as base URL, rather than a second, independent load of
the URL. That keeps the picture consistent with the archived response. Subresources are
loaded at rendering time; with a recording proxy (``proxy=``) each of them is archived
as it was loaded (see :mod:`evidencekit.capture.recorder`). Two exceptions, recorded in
:attr:`Rendering.source`: bodies too large for the engine's in-memory loading (about 2 MB
once percent-encoded, a Chromium URL limit) and calls without a body are rendered by
loading the URL again (``"live-url"``).

The banner shows the URL and the capture time in UTC and in Korean time (KST), in Korean
and English. It is painted above the PNG and stamped onto every PDF page afterwards
(:mod:`evidencekit.capture.pdf_banner`), both outside the page's document: no script of
the page can remove or forge it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from evidencekit.capture.recorded import RECORDS_DIR, RecordedExchange, read_records
from evidencekit.capture.render_types import (
    DEFAULT_MAX_HEIGHT,
    DEFAULT_SCROLL_SCREENS,
    DEFAULT_SCROLL_SECONDS,
    DEFAULT_SETTLE_SECONDS,
    DEFAULT_WIDTH,
    RENDERABLE_MEDIA_TYPES,
    Rendering,
    RenderRequest,
    banner_lines,
    fits_in_memory_load,
    kst,
)
from evidencekit.errors import CaptureError
from evidencekit.model import now_utc

__all__ = [
    "Rendering",
    "RenderRequest",
    "DEFAULT_WIDTH",
    "DEFAULT_MAX_HEIGHT",
    "RENDERABLE_MEDIA_TYPES",
    "CHILD_EXTRA_SECONDS",
    "banner_lines",
    "kst",
    "fits_in_memory_load",
    "render_page",
    "RenderChild",
]

log = logging.getLogger(__name__)

#: Beyond the request's own time limits, how long the child may take (start-up, printing).
CHILD_EXTRA_SECONDS = 45.0


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
    record: bool = False,
    upstream_ca_file: str | None = None,
    recorded: list[RecordedExchange] | None = None,
    scroll_screens: int = DEFAULT_SCROLL_SCREENS,
    scroll_seconds: float = DEFAULT_SCROLL_SECONDS,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    child: RenderChild | None = None,
) -> Rendering:
    """Render a page to PNG and PDF with a banner above it.

    ``html`` is the fetched body (any renderable type, see :data:`RENDERABLE_MEDIA_TYPES`)
    and ``mime_type``/``charset`` its type; ``base_url`` (default ``url``) resolves its
    relative links. Without ``html`` the URL itself is loaded. ``banner`` defaults to
    :func:`banner_lines` for ``url`` at ``captured_at`` (default: now).

    ``timeout`` bounds the page load; when it runs out the load is stopped and what has
    arrived is rendered (``load_finished=False``). Then the page is scrolled (at most
    ``scroll_screens`` screens and ``scroll_seconds``) and given up to ``settle_seconds``
    for the network to go quiet (``settled=False`` and a note when it does not). The
    child process is killed after all of that plus :data:`CHILD_EXTRA_SECONDS`
    (``links.render_timeout``). ``record``: every request of the renderer goes through a
    recording proxy in the child (:mod:`evidencekit.capture.recorder`; real servers are
    checked against ``upstream_ca_file`` or the public roots) and the exchanges are
    appended to ``recorded`` - also when the rendering fails or the child crashes.
    ``child``: a :class:`RenderChild` started earlier (it is used up either way).

    Blocking; callable from any thread (the GUI calls it from a worker). Nothing is ever
    shown on screen.
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
        record=record,
        upstream_ca_file=upstream_ca_file,
        scroll_screens=int(scroll_screens),
        scroll_seconds=float(scroll_seconds),
        settle_seconds=float(settle_seconds),
    )
    result = run_child(request, recorded, child)
    from evidencekit.capture.pdf_banner import stamp_banner

    result = replace(result, pdf=stamp_banner(result.pdf, request.banner))
    if notes:
        result = replace(result, notes=tuple(notes) + result.notes)
    return result


def _child_command() -> list[str]:
    if getattr(sys, "frozen", False):  # the stand-alone build: the program runs the child
        return [sys.executable, "--evidencekit-render-child"]
    return [sys.executable, "-m", "evidencekit.capture.render_child"]


SCRATCH_PREFIX = "ek-render-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_scratch(base: Path) -> None:
    """Remove scratch homes whose EvidenceKit process is gone (killed while rendering: its
    ``finally`` never ran, and the engine's profile there may hold page content)."""
    for folder in base.glob(f"{SCRATCH_PREFIX}*-*"):
        pid_text = folder.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        if pid_text.isdigit() and not _pid_alive(int(pid_text)):
            shutil.rmtree(folder, ignore_errors=True)


def _scratch_home() -> Path:
    """A private folder for the child's profile, named with this process's id so that a
    later run can tell a killed run's leftover from a live one."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    sweep_stale_scratch(base)
    return Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=str(base)))


def _talk(proc: subprocess.Popen[bytes], message: bytes, limit: float
          ) -> tuple[bytes, bytes, bool]:
    """Send ``message``, wait for the child (at most ``limit`` s), then end its whole
    process group (the engine's helpers, the recording proxy) and collect its output.

    Waiting on the child itself, not on its pipes: a helper that inherited them must
    not hold the capture up. Returns ``(stdout, stderr, timed_out)``.
    """
    got: dict[str, bytes] = {}

    def pump(name: str, stream: Any) -> None:
        try:
            got[name] = stream.read()
        except (OSError, ValueError):
            got[name] = b""

    def feed() -> None:
        try:
            assert proc.stdin is not None
            proc.stdin.write(message)
            proc.stdin.close()
        except (OSError, ValueError):
            pass  # the child died before reading everything

    threads = [threading.Thread(target=pump, args=("out", proc.stdout), daemon=True),
               threading.Thread(target=pump, args=("err", proc.stderr), daemon=True),
               threading.Thread(target=feed, daemon=True)]
    for t in threads:
        t.start()
    timed_out = False
    try:
        proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        try:
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, signal.SIGKILL)
            elif proc.poll() is None:
                proc.kill()
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("the rendering child did not end after being killed")
    for t in threads:
        t.join(timeout=10)
    return got.get("out", b""), got.get("err", b""), timed_out


class RenderChild:
    """A rendering child process started before its request is known, in its own
    throw-away home: Python starts (and with ``preload`` loads the recording proxy's
    modules) while the caller is still fetching the page. Its environment does not
    depend on the request (the proxy flags are the child's own). Used up by
    :func:`run_child`; :meth:`close` (or leaving the ``with`` block) ends it and removes
    its home if it was not used.

    Raises :class:`CaptureError` ``links.render_unavailable`` when it cannot start.
    """

    def __init__(self, *, preload: bool = False) -> None:
        from evidencekit.capture.render_child import PRELOAD_ENV, child_env

        self.home = _scratch_home()
        env = child_env(None, self.home)
        if preload:
            env[PRELOAD_ENV] = "1"
        try:
            for name in ("config", "cache", "data"):
                (self.home / name).mkdir()
            self.proc = subprocess.Popen(
                _child_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env, cwd=str(self.home), start_new_session=True,
            )
        except OSError as exc:
            shutil.rmtree(self.home, ignore_errors=True)
            raise CaptureError("links.render_unavailable", reason=str(exc)) from exc
        self.used = False
        self._closed = False

    def close(self) -> None:
        """End the child (and anything it started) and remove its home (once)."""
        if self._closed:
            return
        self._closed = True
        try:
            # Only while it runs: the id of a child already waited for may be reused.
            # (After a rendering, _talk has already ended its whole process group.)
            if self.proc.poll() is None:
                if hasattr(os, "killpg"):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                else:
                    self.proc.kill()
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("the rendering child did not end after being killed")
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> RenderChild:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_child(request: RenderRequest, recorded: list[RecordedExchange] | None = None,
              child: RenderChild | None = None) -> Rendering:
    """Run ``request`` in a child process (``child``, or a new one) and return its
    rendering (PDF unstamped).

    The exchanges its recording proxy wrote are appended to ``recorded`` whatever happens.

    Raises :class:`CaptureError`: ``links.render_timeout`` (killed at the time limit),
    ``webcapture.render_crashed`` (died or answered nonsense), or the child's own error.
    """
    from evidencekit.capture.render_child import read_answer

    limit = (request.timeout + request.scroll_seconds + request.settle_seconds
             + CHILD_EXTRA_SECONDS)
    if child is None or child.used:
        child = RenderChild()
    child.used = True
    proc, home = child.proc, child.home
    try:
        message = json.dumps(request.header(), ensure_ascii=False).encode("utf-8") + b"\n"
        if request.body is not None:
            message += request.body
        out, err, timed_out = _talk(proc, message, limit)
        if timed_out:
            log.warning("rendering child killed after %.0f s", limit)
            raise CaptureError("links.render_timeout", seconds=f"{limit:g}")
        for line in err.decode("utf-8", "replace").splitlines()[-20:]:
            log.debug("render child: %s", line)
        try:
            header, png, pdf = read_answer(out)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("rendering child ended with code %s and no answer (%s)",
                        proc.returncode, exc)
            raise CaptureError("webcapture.render_crashed",
                               code=str(proc.returncode)) from exc
        if not header.get("ok"):
            raw = header.get("params")
            params: dict[str, object] = raw if isinstance(raw, dict) else {}
            key = str(header.get("error_key") or "links.render_failed")
            if not key.startswith(("links.render_", "webcapture.")):
                key = "links.render_failed"
            raise CaptureError(key, **{str(k): str(v) for k, v in params.items()})
        try:
            return Rendering.from_header(header, png, pdf)
        except TypeError as exc:
            raise CaptureError("webcapture.render_crashed", code="bad answer") from exc
    finally:
        if recorded is not None:
            recorded.extend(read_records(home / RECORDS_DIR))
        child.close()
