"""What a rendered page may not do: the QtWebEngine page and request guard of the renderer.

Used by :mod:`evidencekit.capture.render_qt` in the rendering child process. JavaScript
runs (pages need it), but every request passes :class:`RequestGuard` and every navigation
:meth:`GuardedPage.acceptNavigationRequest`:

* only ``http``/``https`` requests (and ``data:``/``blob:`` resources of the page);
* no download, not even its request (a request the engine marks as a download, or any
  top-level request after the page's own document, is blocked before it is sent);
* no navigation away from the page, no popups or new windows, no ``data:``,
  ``javascript:``, ``file:`` or other non-web frames (``javascript:`` and ``data:``
  frames are removed before they load by :func:`install_frame_guard`);
* no ``localhost``/loopback/private/link-local address other than the one asked for
  (host names are resolved by the recording proxy, which refuses them too);
* no permission (camera, microphone, notifications, geolocation, screen, clipboard…);
* no dialogs, file choosers or authentication prompts.

Everything refused is listed in :attr:`GuardedPage.blocked` (at most 200 entries) and
ends up in the rendering's metadata.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6 import QtCore
from PySide6.QtCore import QObject
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)

from evidencekit.capture.render_guard import is_local_host, same_origin_port

__all__ = ["GuardedPage", "RequestGuard", "install_frame_guard"]

log = logging.getLogger(__name__)

_MAX_BLOCKED = 200
_WEB = ("http", "https")
_PAGE_RESOURCES = ("http", "https", "data", "blob")
_FRAME_OK = ("http", "https", "about")


class _Blocked:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, what: str, url: str) -> None:
        log.info("renderer refused: %s", what)
        if len(self.items) < _MAX_BLOCKED:
            self.items.append(f"{what}: {url[:300]}")


class RequestGuard(QWebEngineUrlRequestInterceptor):
    """Blocks requests a captured page must not make (see the module docstring)."""

    def __init__(self, page_url: str, blocked: _Blocked, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._allowed_local = same_origin_port(page_url)
        self._first_document = True
        self._blocked = blocked

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802
        url = info.requestUrl().toString()
        scheme = info.requestUrl().scheme().lower()
        kind = info.resourceType()
        rt = QWebEngineUrlRequestInfo.ResourceType
        if info.isDownload():
            self._block(info, "download", url)
            return
        if scheme not in _PAGE_RESOURCES:
            self._block(info, f"{scheme}: request", url)
            return
        if kind == rt.ResourceTypeMainFrame:
            if self._first_document:  # the page itself, loaded by us
                self._first_document = False
            else:
                self._block(info, "navigation", url)
                return
        if kind in (rt.ResourceTypeSubFrame, rt.ResourceTypeNavigationPreloadSubFrame) \
                and scheme not in _WEB:
            self._block(info, f"{scheme}: frame", url)
            return
        if scheme in _WEB:
            where = same_origin_port(url)
            if where is None or (is_local_host(where[0]) and where != self._allowed_local):
                self._block(info, "local address", url)
                return

    def _block(self, info: QWebEngineUrlRequestInfo, what: str, url: str) -> None:
        info.block(True)
        self._blocked.add(what, url)


#: Runs in an isolated world before the page's scripts, in every frame: removes frames
#: whose address is ``javascript:`` or ``data:`` before they load (the page's own scripts
#: cannot reach this observer), and notes it in the console of the isolated world.
_FRAME_GUARD_JS = """
(function () {
  function bad(el) {
    var src = (el.getAttribute && el.getAttribute('src') || '').trim().toLowerCase();
    return src.indexOf('javascript:') === 0 || src.indexOf('data:') === 0;
  }
  function sweep(root) {
    if (!root || !root.querySelectorAll) return;
    var found = root.querySelectorAll('iframe, frame, embed, object');
    for (var i = 0; i < found.length; i++) {
      if (bad(found[i])) { found[i].removeAttribute('src'); found[i].remove(); }
    }
  }
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      if (r.type === 'attributes' && bad(r.target)) { r.target.remove(); return; }
      r.addedNodes.forEach(function (n) {
        if (n.nodeType === 1) { if (bad(n)) { n.remove(); } else { sweep(n); } }
      });
    });
  }).observe(document, {childList: true, subtree: true, attributes: true,
                        attributeFilter: ['src']});
})();
"""


def install_frame_guard(page: QWebEnginePage) -> None:
    """Add the frame guard script (see :data:`_FRAME_GUARD_JS`) to ``page``."""
    from PySide6.QtWebEngineCore import QWebEngineScript

    script = QWebEngineScript()
    script.setName("evidencekit-frame-guard")
    script.setSourceCode(_FRAME_GUARD_JS)
    script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentCreation)
    script.setWorldId(int(QWebEngineScript.ScriptWorldId.ApplicationWorld))
    script.setRunsOnSubFrames(True)
    page.scripts().insert(script)


class GuardedPage(QWebEnginePage):
    """A page that shows no dialogs, opens no windows and stays on its document."""

    def __init__(self, profile: Any, parent: QObject) -> None:
        super().__init__(profile, parent)
        self.navigations = 0
        self.guard_log = _Blocked()
        self.permissionRequested.connect(self._deny_permission)
        self.featurePermissionRequested.connect(self._deny_feature)

    @property
    def blocked(self) -> list[str]:
        return self.guard_log.items

    def _deny_permission(self, permission: Any) -> None:
        self.guard_log.add("permission", str(permission.permissionType()))
        permission.deny()

    def _deny_feature(self, origin: QtCore.QUrl, feature: Any) -> None:
        self.guard_log.add("permission", str(feature))
        self.setFeaturePermission(origin, feature,
                                  QWebEnginePage.PermissionPolicy.PermissionDeniedByUser)

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
        self.guard_log.add("popup", str(kind))
        return None

    def acceptNavigationRequest(self, url: QtCore.QUrl | str, kind: Any,  # noqa: N802
                                is_main_frame: bool) -> bool:
        url = QtCore.QUrl(url)
        scheme = url.scheme().lower()
        if not is_main_frame:
            if scheme in _FRAME_OK:
                return True
            self.guard_log.add(f"{scheme}: frame", url.toString())
            return False
        self.navigations += 1
        if self.navigations == 1:
            return True
        self.guard_log.add("navigation", url.toString())
        return False
