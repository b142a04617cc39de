"""Screenshots: what to capture, the capture itself, and the item made from it.

The interface is Qt-free: :func:`grab` drives a *backend* (by default the Qt adapter
:mod:`evidencekit.capture.screen_qt`, imported only when a grab is made) that lists the
screens and returns each screen's pixels; this module composes them, crops regions and
windows, refuses all-black grabs (Wayland) after trying the XDG desktop portal, encodes
a lossless PNG quickly (:func:`evidencekit.capture.png.encode_png`, importable from here
too) and records the capture metadata.
:func:`screenshot_item` turns the result into a :class:`~evidencekit.model.NewItem`.

Coordinates: a region is given in device pixels of the composed image of all screens,
whose origin is the top-left corner of the virtual desktop. Screens are numbered from 0,
in the order Qt lists them.
"""

from __future__ import annotations

import io
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from PIL import Image

from evidencekit import __version__
from evidencekit.capture.files import display_name
from evidencekit.capture.png import PNG_LEVEL, encode_png
from evidencekit.errors import CaptureError, InputError
from evidencekit.i18n import tr
from evidencekit.model import ItemKind, NewItem, PartInput, iso, local_zone_name, now_utc

__all__ = [
    "Backend",
    "Hide",
    "RawScreen",
    "ScreenInfo",
    "ScreenTarget",
    "Screenshot",
    "WindowInfo",
    "compose",
    "encode_png",
    "find_window_x11",
    "grab",
    "is_black",
    "screenshot_item",
]

log = logging.getLogger(__name__)

#: ``hide()`` hides the program's own windows and returns a function that shows them
#: again (or ``None``); it is called before the delay and undone right after the grab.
Hide = Callable[[], Callable[[], None] | None]

#: Time given to the window system to take hidden windows off the screen.
HIDE_SETTLE_S = 0.3
MAX_DELAY_S = 600.0


@dataclass(frozen=True)
class ScreenTarget:
    """What to capture: ``all`` screens, one ``screen``, a ``region`` or a ``window``."""

    kind: Literal["all", "screen", "region", "window"] = "all"
    screen: int | None = None
    region: tuple[int, int, int, int] | None = None
    window_title: str | None = None

    @classmethod
    def all_screens(cls) -> ScreenTarget:
        return cls("all")

    @classmethod
    def one_screen(cls, index: int) -> ScreenTarget:
        return cls("screen", screen=index)

    @classmethod
    def rect(cls, x: int, y: int, width: int, height: int) -> ScreenTarget:
        return cls("region", region=(x, y, width, height))

    @classmethod
    def window(cls, title: str) -> ScreenTarget:
        return cls("window", window_title=title)

    @classmethod
    def parse_region(cls, text: str) -> ScreenTarget:
        """``"X,Y,W,H"`` (as the command line takes it) to a region target."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4 or not all(re.fullmatch(r"-?\d{1,6}", p) for p in parts):
            raise InputError("capture.screen.bad_region", region=text)
        x, y, w, h = (int(p) for p in parts)
        return cls.rect(x, y, w, h)

    def validate(self) -> None:
        if self.kind == "screen" and (self.screen is None or self.screen < 0):
            raise InputError("capture.screen.no_such_screen", index=self.screen, count="?")
        if self.kind == "region":
            if self.region is None or self.region[2] <= 0 or self.region[3] <= 0:
                raise InputError("capture.screen.bad_region", region=str(self.region))
        if self.kind == "window" and not (self.window_title or "").strip():
            raise InputError("capture.screen.window_not_found", title="")

    def public(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind}
        if self.screen is not None:
            d["screen"] = self.screen
        if self.region is not None:
            d["region"] = list(self.region)
        if self.window_title is not None:
            d["window_title"] = display_name(self.window_title)
        return d


@dataclass(frozen=True)
class ScreenInfo:
    """One screen as the window system reports it (geometry in logical pixels)."""

    index: int
    name: str
    x: int
    y: int
    width: int
    height: int
    device_pixel_ratio: float
    manufacturer: str = ""
    model: str = ""

    def public(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "name": display_name(self.name),
            "geometry": [self.x, self.y, self.width, self.height],
            "device_pixel_ratio": self.device_pixel_ratio,
            "manufacturer": display_name(self.manufacturer),
            "model": display_name(self.model),
        }


@dataclass
class RawScreen:
    """A screen's grabbed pixels (device pixels, mode RGB or RGBA)."""

    info: ScreenInfo
    image: Image.Image


@dataclass(frozen=True)
class WindowInfo:
    """A window found by title: id, exact title, geometry in root-window pixels."""

    id: str
    title: str
    x: int
    y: int
    width: int
    height: int


@dataclass
class Screenshot:
    """A capture: lossless PNG bytes and its metadata (JSON-safe)."""

    png: bytes
    metadata: dict[str, Any]
    width: int
    height: int
    captured_at: datetime = field(default_factory=now_utc)


class Backend(Protocol):
    """What :func:`grab` needs from a window-system adapter (see ``screen_qt``)."""

    def ensure_ready(self) -> None: ...
    def platform_name(self) -> str: ...
    def toolkit_version(self) -> str: ...
    def screens(self) -> list[ScreenInfo]: ...
    def grab_screen(self, index: int) -> RawScreen: ...
    def wait(self, seconds: float) -> None: ...
    def portal_screenshot(self) -> bytes:
        """PNG bytes of the whole desktop from the XDG portal; raises CaptureError."""
        ...


def _qt_backend() -> Backend:
    from evidencekit.capture import screen_qt

    return screen_qt.BACKEND


# --- the grab -------------------------------------------------------------------------


def grab(
    target: ScreenTarget,
    *,
    delay: float = 0.0,
    hide: Hide | None = None,
    backend: Backend | None = None,
) -> Screenshot:
    """Capture ``target`` after ``delay`` seconds, with the program's windows hidden by
    ``hide`` (see :data:`Hide`). Must run in the GUI thread when a GUI is running.

    Raises :class:`InputError` (bad target, no such screen, region outside the desktop)
    or :class:`CaptureError` (no display, window not found, grab failed, or an all-black
    grab with no desktop portal to fall back on: a black image is never returned).
    """
    target.validate()
    if not (0.0 <= delay <= MAX_DELAY_S):
        raise InputError("capture.screen.bad_delay", delay=delay)
    b = backend if backend is not None else _qt_backend()
    b.ensure_ready()
    restore = hide() if hide is not None else None
    try:
        wait = max(delay, HIDE_SETTLE_S if hide is not None else 0.0)
        if wait > 0:
            b.wait(wait)
        image, meta = _grab_pixels(target, b)
    finally:
        if restore is not None:
            restore()
    png = meta.pop("_png", None)
    if png is None:
        png = encode_png(image)
        meta["png_encoder"] = {"name": "evidencekit", "filter": "none", "zlib_level": PNG_LEVEL}
    else:
        meta["png_encoder"] = {"name": "portal", "unchanged": True}
    meta["delay_s"] = delay
    meta["hidden_own_windows"] = hide is not None
    captured_at: datetime = meta.pop("_at")
    return Screenshot(png, meta, image.width, image.height, captured_at)


def _grab_pixels(target: ScreenTarget, b: Backend) -> tuple[Image.Image, dict[str, Any]]:
    screens = b.screens()
    if not screens:
        raise CaptureError("capture.screen.grab_failed")
    window: WindowInfo | None = None
    if target.kind == "window":
        window = find_window_x11(target.window_title or "", b.platform_name())
    if target.kind == "screen":
        if target.screen is None or target.screen >= len(screens):
            raise InputError(
                "capture.screen.no_such_screen", index=target.screen, count=len(screens)
            )
        chosen = [screens[target.screen]]
    else:
        chosen = screens
    at = now_utc()
    raws = [b.grab_screen(s.index) for s in chosen]
    canvas, scale, scaled = compose(raws)
    meta = _base_metadata(target, screens, b, at)
    meta["composed_scale"] = scale
    if scaled:
        meta["screens_rescaled"] = True
    if is_black(canvas):
        log.info("the grab is all black; trying the desktop portal")
        canvas, portal_png = _portal_instead(target, b)
        meta["capture_method"] = "portal"
        meta["qt_grab_black"] = True
        if portal_png is not None:
            meta["_png"] = portal_png
    if target.kind in ("region", "window"):
        if target.kind == "window" and window is not None:
            vx = min(s.x for s in screens) * scale
            vy = min(s.y for s in screens) * scale
            box = (round(window.x - vx), round(window.y - vy), window.width, window.height)
            meta["window"] = {
                "id": window.id,
                "title": display_name(window.title),
                "geometry": [window.x, window.y, window.width, window.height],
            }
        else:
            assert target.region is not None
            box = target.region
        canvas, clipped_box, clipped = _crop(canvas, box)
        meta.pop("_png", None)  # the portal's file shows more than was asked for
        meta["crop_px"] = list(clipped_box)
        if clipped:
            meta["crop_clipped"] = True
    meta["_at"] = at
    meta["image"] = {"width": canvas.width, "height": canvas.height, "mode": canvas.mode}
    return canvas, meta


def _wayland_session() -> bool:
    return bool(os.environ.get("WAYLAND_DISPLAY")) or \
        os.environ.get("XDG_SESSION_TYPE", "").lower() == "wayland"


def _portal_instead(target: ScreenTarget, b: Backend) -> tuple[Image.Image, bytes | None]:
    if target.kind in ("screen", "window"):
        # Wayland hands Qt a black picture of a screen or window; on X11 the screen itself
        # was black (switched off, locked, a black screen saver): blame the right one.
        raise CaptureError("capture.screen.black_target" if _wayland_session()
                           else "capture.screen.black_x11")
    try:
        png = b.portal_screenshot()
    except CaptureError as exc:
        log.info("desktop portal: %s", exc.key)
        if exc.key != "capture.portal.unavailable":
            raise  # cancelled, timed out or failed: say exactly that
        if not _wayland_session():
            raise CaptureError("capture.screen.black_x11") from None
        raise CaptureError("capture.screen.black_no_portal", reason=exc.message()) from None
    try:
        with Image.open(io.BytesIO(png)) as im:
            im.load()
            fmt = im.format
            image = im.convert("RGBA" if "A" in im.mode else "RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise CaptureError("capture.screen.portal_failed", reason=type(exc).__name__) from None
    if is_black(image):
        raise CaptureError("capture.screen.black_no_portal", reason="portal image is black")
    return image, (png if fmt == "PNG" else None)


def _base_metadata(
    target: ScreenTarget, screens: list[ScreenInfo], b: Backend, at: datetime
) -> dict[str, Any]:
    local = at.astimezone()
    return {
        "captured_at_utc": iso(at),
        "captured_at_local": iso(local),
        "timezone": local_zone_name(),
        "target": target.public(),
        "screens": [s.public() for s in screens],
        "capture_method": "qt",
        "window_system": b.platform_name(),
        "toolkit": b.toolkit_version(),
        "os": {
            "system": platform.system(),
            "release": platform.release(),
            "platform": platform.platform(),
        },
        "program": {"name": "EvidenceKit", "version": __version__},
        "python": sys.version.split()[0],
    }


# --- pixels ---------------------------------------------------------------------------


def compose(raws: list[RawScreen]) -> tuple[Image.Image, float, bool]:
    """One image of all ``raws`` placed by their geometry, in device pixels.

    Returns ``(image, scale, rescaled)``: ``scale`` is the largest device pixel ratio
    (the canvas's pixels per logical pixel); screens with a smaller ratio are scaled up
    to fit (``rescaled`` is then true), which is the only case that is not pixel-exact.
    """
    if not raws:
        raise CaptureError("capture.screen.grab_failed")
    scale = max(r.info.device_pixel_ratio for r in raws) or 1.0
    if len(raws) == 1:
        return raws[0].image, scale, False
    vx = min(r.info.x for r in raws)
    vy = min(r.info.y for r in raws)
    right = max(r.info.x + r.info.width for r in raws)
    bottom = max(r.info.y + r.info.height for r in raws)
    mode = "RGBA" if any(r.image.mode == "RGBA" for r in raws) else "RGB"
    canvas = Image.new(mode, (round((right - vx) * scale), round((bottom - vy) * scale)))
    rescaled = False
    for r in raws:
        size = (round(r.info.width * scale), round(r.info.height * scale))
        image = r.image.convert(mode) if r.image.mode != mode else r.image
        if image.size != size:
            image = image.resize(size, Image.Resampling.LANCZOS)
            rescaled = True
        canvas.paste(image, (round((r.info.x - vx) * scale), round((r.info.y - vy) * scale)))
    return canvas, scale, rescaled


def _crop(
    image: Image.Image, box: tuple[int, int, int, int]
) -> tuple[Image.Image, tuple[int, int, int, int], bool]:
    x, y, w, h = box
    left, top = max(0, x), max(0, y)
    right, bottom = min(image.width, x + w), min(image.height, y + h)
    if right <= left or bottom <= top:
        raise InputError(
            "capture.screen.region_outside",
            region=f"{x},{y},{w},{h}",
            size=f"{image.width}x{image.height}",
        )
    clipped = (left, top, right, bottom) != (x, y, x + w, y + h)
    return image.crop((left, top, right, bottom)), (left, top, right - left, bottom - top), clipped


def is_black(image: Image.Image) -> bool:
    """True if every pixel's colour is black (alpha ignored); stops at the first other."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return rgb.getbbox() is None


# --- windows by title (X11) -------------------------------------------------------------

_ERE_SPECIAL = set(".[]\\()*+?{}|^$")


def _ere_escape(text: str) -> str:
    return "".join("\\" + ch if ch in _ERE_SPECIAL else ch for ch in text)


def find_window_x11(title: str, window_system: str) -> WindowInfo:
    """The visible X11 window whose title matches ``title`` (an exact, case-insensitive
    match first, else the first title containing it), through ``xdotool``."""
    if window_system != "xcb" or not os.environ.get("DISPLAY"):
        raise CaptureError("capture.screen.window_unsupported", system=window_system)
    tool = shutil.which("xdotool")
    if tool is None:
        raise CaptureError("capture.screen.window_needs_xdotool")
    shown = display_name(title)

    def run(*args: str) -> str:
        try:
            done = subprocess.run(  # noqa: S603 - fixed tool, arguments not parsed by a shell
                [tool, *args], capture_output=True, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CaptureError("capture.screen.window_lookup_failed", reason=str(exc)) from None
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""

    ids = run("search", "--onlyvisible", "--name", _ere_escape(title)).split()
    wanted = title.casefold()
    best: tuple[str, str] | None = None
    for wid in ids:
        name = run("getwindowname", wid).rstrip("\n")
        if name.casefold() == wanted:
            best = (wid, name)
            break
        if best is None and wanted in name.casefold():
            best = (wid, name)
    if best is None:
        raise CaptureError("capture.screen.window_not_found", title=shown)
    wid, name = best
    geometry: dict[str, int] = {}
    for line in run("getwindowgeometry", "--shell", wid).splitlines():
        key, _, value = line.partition("=")
        if key in ("X", "Y", "WIDTH", "HEIGHT") and re.fullmatch(r"-?\d+", value.strip()):
            geometry[key] = int(value)
    if len(geometry) != 4 or geometry["WIDTH"] <= 0 or geometry["HEIGHT"] <= 0:
        raise CaptureError("capture.screen.window_lookup_failed", reason="geometry")
    return WindowInfo(
        id=hex(int(wid)) if wid.isdigit() else wid,
        title=name,
        x=geometry["X"],
        y=geometry["Y"],
        width=geometry["WIDTH"],
        height=geometry["HEIGHT"],
    )


# --- the item ---------------------------------------------------------------------------


def screenshot_item(
    shot: Screenshot, title: str | None = None, note: str | None = None
) -> NewItem:
    """A ``screenshot`` item with one lossless part ``screenshot.png`` (image/png)."""
    target = shot.metadata.get("target", {})
    window = shot.metadata.get("window")
    if window:
        source = f"window: {window.get('title', '')}"
    elif target.get("kind") == "screen":
        source = f"screen {target.get('screen')}"
    elif target.get("kind") == "region":
        source = "region " + ",".join(str(v) for v in target.get("region", []))
    else:
        source = "all screens"
    if not (title and title.strip()):
        local = shot.captured_at.astimezone()
        title = tr("capture.screenshot.default_title", when=local.strftime("%Y-%m-%d %H:%M:%S"))
    return NewItem(
        kind=ItemKind.SCREENSHOT,
        title=title.strip(),
        source=source,
        parts=[PartInput(name="screenshot.png", media_type="image/png", data=shot.png)],
        metadata=dict(shot.metadata),
        notes=[note] if note and note.strip() else [],
        captured_at=shot.captured_at,
        timezone=str(shot.metadata.get("timezone") or local_zone_name()),
    )
