"""Open a page holding ReplayWeb.page's ``<replay-web-page>`` in QtWebEngine (offscreen)
and report what the replayed page shows; run as a child process by
tests/test_links_replay.py:

    python -m tests.support.replay_browser PAGE_URL TARGET_URL OUT.json [SHOT.png]

(SHOT.png shows the top of the replayed page, SHOT-lazy.png the view scrolled down.)

It walks every document reachable from the page (through shadow roots and same-origin
frames), finds the one ReplayWeb.page replays ``TARGET_URL`` in (its address holds
``mp_/TARGET_URL``), waits until that document has loaded and its pictures are decoded,
then scrolls that document's lazily loaded pictures (``loading="lazy"``, below the fold)
into view and waits until they are decoded too, and writes its address, text and pictures
(address, complete, natural size, lazy, shown in the frame's viewport) to OUT.json, with
the lazy pictures as they stood just before the scroll (``lazy_before_scroll``); a lazy
picture that never loads is written as it stood when the wait ran out (30 s).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

_PROBE = r"""
(function (target, scroll) {
  function collect(doc, out) {
    out.push(doc);
    (function walk(root) {
      root.querySelectorAll('*').forEach(function (el) {
        if (el.shadowRoot) walk(el.shadowRoot);
        if (el.tagName === 'IFRAME') {
          try { if (el.contentDocument) collect(el.contentDocument, out); } catch (e) {}
        }
      });
    })(doc);
    return out;
  }
  var docs = collect(document, []);
  var hit = docs.filter(function (d) {
    return d.location.href.indexOf('mp_/' + target) >= 0; })[0];
  if (!hit) return JSON.stringify({found: false,
                                   documents: docs.map(function (d) { return d.location.href; }),
                                   titles: docs.map(function (d) { return d.title; })});
  var view = hit.defaultView;
  if (scroll) {
    // Scroll the replayed page's own frame (not the outer page) so the lazy pictures come
    // into its viewport, as a reader scrolling down would.
    Array.prototype.forEach.call(hit.images, function (i) {
      if (i.loading === 'lazy') i.scrollIntoView({block: 'center'}); });
  }
  var imgs = Array.prototype.map.call(hit.images, function (i) {
    var r = i.getBoundingClientRect();
    return {src: i.currentSrc, complete: i.complete, lazy: i.loading === 'lazy',
            width: i.naturalWidth, height: i.naturalHeight,
            inView: r.bottom > 0 && r.top < view.innerHeight}; });
  return JSON.stringify({found: true, href: hit.location.href, ready: hit.readyState,
                         scrollY: view.scrollY, viewHeight: view.innerHeight,
                         text: hit.body ? hit.body.innerText : '', images: imgs});
})(%s, %s)
"""


def _settled(state: dict[str, Any]) -> bool:
    # Lazily loaded pictures below the fold load only when scrolled to: waited for after
    # the scroll (see _lazy_settled).
    images = [i for i in state.get("images") or [] if not i["lazy"]]
    return bool(state.get("found") and state.get("ready") == "complete" and images
                and all(i["complete"] for i in images))


def _lazy_settled(state: dict[str, Any]) -> bool:
    """Every lazy picture is decoded (``complete`` with a size: a lazy picture not yet
    asked for is also ``complete``, with no size)."""
    lazy = [i for i in state.get("images") or [] if i["lazy"]]
    return bool(state.get("found")) and all(i["complete"] and i["width"] for i in lazy)


def _replay_frame_missed(state: dict[str, Any]) -> bool:
    """The replay frame came from the web server itself (its 404 page), not the worker."""
    pairs = zip(state.get("documents", []), state.get("titles", []), strict=False)
    return not state.get("found") and any(
        "/replay/?" in href and title == "Error response" for href, title in pairs)


def main(argv: list[str]) -> int:
    from PySide6.QtCore import QTimer, QUrl
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
    from PySide6.QtWebEngineWidgets import QWebEngineView
    from PySide6.QtWidgets import QApplication

    page_url, target, out = argv[0], argv[1], Path(argv[2])
    shot = Path(argv[3]) if len(argv) > 3 else None
    app = QApplication([])
    # A service worker needs a profile that may store it: a named one, in a throw-away folder.
    store = tempfile.mkdtemp(prefix="replay-profile-")
    profile = QWebEngineProfile("replay-test")
    profile.setPersistentStoragePath(store)
    profile.setCachePath(store)
    page = QWebEnginePage(profile)
    view = QWebEngineView()
    view.setPage(page)
    view.resize(1100, 900)
    view.show()
    probe = _PROBE % (json.dumps(target), "false")
    scroll = _PROBE % (json.dumps(target), "true")
    last: dict[str, Any] = {}
    polls = [0]
    lazy_polls = [0]
    reloaded = [False]
    before: list[dict[str, Any]] = []

    def finish() -> None:
        if shot is not None:  # the scrolled view, beside the top of the page (SHOT)
            view.grab().save(str(shot.with_name(f"{shot.stem}-lazy{shot.suffix}")))
        last["reloaded"] = reloaded[0]
        out.write_text(json.dumps(last, ensure_ascii=False), encoding="utf-8")
        app.quit()

    def answer(result: object) -> None:
        polls[0] += 1
        if isinstance(result, str):
            last.clear()
            last.update(json.loads(result))
        if _replay_frame_missed(last) and not reloaded[0]:
            # The first visit raced ReplayWeb.page's service worker: its replay frame was
            # asked of the plain web server (404) before the worker controlled it. What a
            # reader does then - load the page again, now with the worker installed - once.
            reloaded[0] = True
            polls[0] = 1
            view.reload()
            return
        if _settled(last):
            # Then scroll the lazy pictures into view and wait for them.
            before[:] = [i for i in last["images"] if i["lazy"]]
            if shot is not None:
                view.grab().save(str(shot))
            page.runJavaScript(scroll, 0, scrolled)
        elif polls[0] > 120:  # 60 s
            finish()
        else:
            QTimer.singleShot(500, poll)

    def scrolled(result: object) -> None:
        lazy_polls[0] += 1
        if isinstance(result, str):
            last.clear()
            last.update(json.loads(result))
        if _lazy_settled(last) or lazy_polls[0] > 60:  # 30 s
            # One more second for late scripts and painting, then the final state.
            QTimer.singleShot(1000, lambda: page.runJavaScript(probe, 0, final))
        else:
            QTimer.singleShot(500, lambda: page.runJavaScript(scroll, 0, scrolled))

    def final(result: object) -> None:
        if isinstance(result, str):
            last.clear()
            last.update(json.loads(result))
        last["lazy_before_scroll"] = before
        finish()

    def poll() -> None:
        page.runJavaScript(probe, 0, answer)

    def loaded(_ok: bool) -> None:
        if polls[0] <= 1:
            polls[0] = 2
            QTimer.singleShot(200, poll)

    page.loadFinished.connect(loaded)
    view.load(QUrl(page_url))
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
