"""A local web site for the complete-capture tests, served by :mod:`links_servers`.

Routes (on both the HTTP and HTTPS servers):

* ``/site`` a Korean page with two images, a lazily loaded image far below the fold, an
  image loaded by ``fetch()``, an iframe (with its own image), a video poster, a style
  sheet and a script; every resource's bytes are in :data:`SITE_RESOURCES`.
* ``/hostile`` a page that tries what a captured page must not do: a download (by
  navigation and by ``<a download>``), a popup, ``file:///etc/passwd`` (image and frame),
  a request to another local port (``/leak`` on the *other* server), a ``data:`` and a
  ``javascript:`` iframe, permission requests, cookies and storage holding
  :data:`MARKER`, and a script that replaces the banner with a fake one.
* ``/hog`` allocates memory without end; ``/tall-canvas`` a 10,000,000 px body and a
  16000² canvas; ``/never`` keeps loading new images forever.
* ``/login-wall`` redirects to ``/accounts/login``; ``/removed`` answers 200 with a
  "삭제된 게시물" page; ``/many`` a page with :data:`MANY` images of about 50 kB each.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from functools import cache

from PIL import Image

__all__ = ["MARKER", "MANY", "SITE_RESOURCES", "SITE_TITLE", "route", "site_resource"]

MARKER = "ek-marker-7f3a9c1e5b"
MANY = 100
SITE_TITLE = "완전한 웹 캡처 시험 — 이미지가 있는 한국어 페이지"
_COLOURS = {
    "a.png": ((200, 30, 30), (320, 200)),
    "b.png": ((30, 160, 60), (640, 480)),
    "lazy.png": ((30, 60, 200), (300, 300)),
    "fetched.png": ((200, 150, 0), (120, 90)),
    "framed.png": ((120, 0, 160), (100, 100)),
    "poster.png": ((0, 140, 140), (400, 225)),
}


@cache
def _png(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    img = Image.new("RGB", size, colour)
    # A diagonal line so the picture is not one flat colour.
    for i in range(min(size)):
        img.putpixel((i, i), (255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@cache
def _noise_png(n: int) -> bytes:
    """About 50 kB of PNG that does not compress (for the 100-resource page)."""
    raw = random.Random(n).randbytes(128 * 128 * 3)
    img = Image.frombytes("RGB", (128, 128), raw)
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=0)
    return buf.getvalue()


SITE_CSS = b"body { background: #f4f1de; font: 18px sans-serif; } .gap { height: 5000px; }"
SITE_JS = "document.getElementById('js').textContent = '스크립트 OK';".encode()


def site_resource(name: str) -> tuple[bytes, str]:
    """The bytes and media type of one of the site's resources (``/img/NAME`` etc.)."""
    if name in _COLOURS:
        colour, size = _COLOURS[name]
        return _png(colour, size), "image/png"
    if name == "site.css":
        return SITE_CSS, "text/css"
    if name == "site.js":
        return SITE_JS, "application/javascript"
    raise KeyError(name)


#: path -> (bytes, media type) of every resource /site loads (the iframe's page too).
SITE_RESOURCES = {
    "/img/a.png": site_resource("a.png"),
    "/img/b.png": site_resource("b.png"),
    "/img/lazy.png": site_resource("lazy.png"),
    "/img/fetched.png": site_resource("fetched.png"),
    "/img/framed.png": site_resource("framed.png"),
    "/img/poster.png": site_resource("poster.png"),
    "/site.css": site_resource("site.css"),
    "/site.js": site_resource("site.js"),
}

SITE_PAGE = f"""<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>{SITE_TITLE}</title>
<link rel="stylesheet" href="/site.css"></head>
<body><h1>피해 게시물</h1><p id="js">스크립트 전</p>
<img src="/img/a.png" width="320" height="200" alt="첫 이미지">
<img src="/img/b.png" width="640" height="480" alt="둘째 이미지">
<video width="400" height="225" poster="/img/poster.png"></video>
<iframe src="/frame" width="200" height="150"></iframe>
<div id="fetched"></div>
<div class="gap" style="height:5000px"></div>
<img src="/img/lazy.png" loading="lazy" width="300" height="300" alt="아래쪽 이미지">
<script src="/site.js"></script>
<script>
fetch('/img/fetched.png').then(r => r.blob()).then(b => {{
  var i = document.createElement('img'); i.src = URL.createObjectURL(b);
  document.getElementById('fetched').appendChild(i); }});
</script></body></html>""".encode()

FRAME_PAGE = b"<html><body><img src='/img/framed.png'></body></html>"


def _hostile(other_base: str) -> bytes:
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>hostile</title>
</head><body style="margin:0"><h1>FAKE BANNER 1999-01-01 {MARKER}</h1>
<img src="file:///etc/passwd"><iframe src="file:///etc/passwd"></iframe>
<img src="{other_base}/leak-img">
<iframe src="data:text/html,<p>{MARKER}</p>"></iframe>
<iframe src="javascript:'{MARKER}'"></iframe>
<a id="dl" href="/dl.bin" download>download</a>
<script>
document.cookie = "ek={MARKER}; max-age=99999999";
try {{ localStorage.setItem("ek", "{MARKER}"); }} catch (e) {{}}
try {{ indexedDB.open("{MARKER}"); }} catch (e) {{}}
try {{ caches.open("{MARKER}"); }} catch (e) {{}}
window.open('/popup');
fetch('{other_base}/leak-fetch').catch(function () {{}});
try {{ navigator.geolocation.getCurrentPosition(function () {{
  fetch('/granted-geo'); }}, function () {{}}); }} catch (e) {{}}
try {{ Notification.requestPermission().then(function (p) {{
  if (p === 'granted') fetch('/granted-notify'); }}); }} catch (e) {{}}
try {{ navigator.mediaDevices.getUserMedia({{video: true}}).then(function () {{
  fetch('/granted-camera'); }}).catch(function () {{}}); }} catch (e) {{}}
document.getElementById('dl').click();
setTimeout(function () {{
  var b = document.getElementById('evidencekit-banner'); if (b) b.remove();
  var f = document.createElement('div'); f.textContent = 'FAKE BANNER 1999-01-01';
  document.body.insertBefore(f, document.body.firstChild);
  location.href = '/dl.bin';
}}, 50);
</script></body></html>""".encode()


HOG = (b"<html><body><p>hog</p><script>var keep = [];"
       b"for (;;) { keep.push(new Array(1000000).fill(Math.random())); }"
       b"</script></body></html>")
#: Loads two pictures, then exhausts the renderer's memory once they are in.
IMAGES_THEN_HOG = (b"<html><body><img src='/img/a.png'><img src='/img/b.png'><script>"
                   b"window.addEventListener('load', function () { setTimeout(function () {"
                   b"var keep = []; for (;;) { keep.push(new Array(1000000).fill(1)); }"
                   b"}, 300); });</script></body></html>")
TALL_CANVAS = (b"<html><body style='margin:0'><div style='height:10000000px;"
               b"background:linear-gradient(red,blue)'></div>"
               b"<canvas id=c width=16000 height=16000></canvas><script>"
               b"var c=document.getElementById('c').getContext('2d');"
               b"c.fillStyle='green';c.fillRect(0,0,16000,16000);</script></body></html>")
NEVER = (b"<html><head><title>never</title></head><body><p>loading</p><script>var n = 0;"
         b"setInterval(function () { var i = new Image(); i.src = '/img/a.png?n=' + (n++);"
         b" document.body.appendChild(i); }, 100);</script></body></html>")
REMOVED = ("<html><head><meta charset='utf-8'><title>알림</title></head><body>"
           "<p>삭제된 게시물입니다.</p></body></html>").encode()
LOGIN = (b"<html><head><title>Log in</title></head><body><form><input name=u>"
         b"</form></body></html>")


TG_CHANNEL = "evidence_test_ch"
TG_TEXT = "딥페이크 유포 게시물입니다"


def _tg_preview() -> bytes:
    """A copy of Telegram's channel preview markup (t.me/s/NAME) with two messages."""
    msgs = []
    for n, (text, img) in enumerate(((TG_TEXT, "a.png"), ("두 번째 글<br/>둘째 줄", "b.png")),
                                    start=122):
        msgs.append(
            f'<div class="tgme_widget_message_wrap js-widget_message_wrap">'
            f'<div class="tgme_widget_message text_not_supported_wrap js-widget_message" '
            f'data-post="{TG_CHANNEL}/{n}" data-view="x"><div class="tgme_widget_message_bubble">'
            f'<a class="tgme_widget_message_photo_wrap 1 blured" href="/{TG_CHANNEL}/{n}" '
            f"style=\"width:640px;background-image:url('/img/{img}')\"></a>"
            f'<div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>'
            f'<div class="tgme_widget_message_footer"><a class="tgme_widget_message_date" '
            f'href="/{TG_CHANNEL}/{n}"><time datetime="2024-08-27T06:15:0{n - 120}+00:00" '
            f'class="time">15:15</time></a></div></div></div></div>')
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>Evidence test channel – Telegram</title>"
            f'<meta property="og:title" content="Evidence test channel">'
            f'<meta property="og:image" content="/img/poster.png">'
            f"</head><body class='widget_frame_base tgme_widget'>{''.join(msgs)}"
            "</body></html>").encode()


def _tg_post() -> bytes:
    """A copy of Telegram's single-post page markup (t.me/NAME/123)."""
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Telegram: View</title>"
            f'<meta property="og:title" content="Evidence test channel">'
            f'<meta property="og:image" content="/img/b.png">'
            f'<meta property="og:description" content="{TG_TEXT}">'
            "</head><body><div class='tgme_page tgme_page_post'>"
            f"<div class='tgme_page_title'>Evidence test channel</div></div>"
            "</body></html>").encode()


def _many_page() -> bytes:
    imgs = "".join(f'<img src="/many/{n}.png" width="64" height="64">' for n in range(MANY))
    return f"<html><head><title>many</title></head><body>{imgs}</body></html>".encode()


Sender = Callable[[int, bytes, str], None]


def route(path: str, send: Sender, redirect: Callable[[int, str], None],
          other_base: str) -> bool:
    """Answer ``path`` if it is one of the site's; False otherwise."""
    if path == "/site":
        send(200, SITE_PAGE, "text/html; charset=utf-8")
    elif path == "/frame":
        send(200, FRAME_PAGE, "text/html")
    elif path.startswith("/img/") and path[5:] in _COLOURS:
        send(200, *site_resource(path[5:]))
    elif path in ("/site.css", "/site.js"):
        send(200, *site_resource(path[1:]))
    elif path == "/hostile":
        send(200, _hostile(other_base), "text/html; charset=utf-8")
    elif path == "/dl.bin":
        send(200, b"secret download " + MARKER.encode(), "application/octet-stream")
    elif path == "/hog":
        send(200, HOG, "text/html")
    elif path == "/images-then-hog":
        send(200, IMAGES_THEN_HOG, "text/html")
    elif path == "/tall-canvas":
        send(200, TALL_CANVAS, "text/html")
    elif path == "/never":
        send(200, NEVER, "text/html")
    elif path == "/removed":
        send(200, REMOVED, "text/html; charset=utf-8")
    elif path == "/login-wall":
        redirect(302, "/accounts/login?next=/post/1")
    elif path == "/accounts/login":
        send(200, LOGIN, "text/html")
    elif path == f"/s/{TG_CHANNEL}":
        send(200, _tg_preview(), "text/html; charset=utf-8")
    elif path == f"/{TG_CHANNEL}/123":
        send(200, _tg_post(), "text/html; charset=utf-8")
    elif path == "/many":
        send(200, _many_page(), "text/html")
    elif path.startswith("/many/") and path.endswith(".png"):
        try:
            n = int(path[6:-4])
        except ValueError:
            return False
        send(200, _noise_png(n), "image/png")
    else:
        return False
    return True


def requested(requests: list[tuple[str, str]], prefix: str) -> list[str]:
    """The paths of ``requests`` starting with ``prefix``."""
    return [p for _m, p in requests if p.startswith(prefix)]
