"""A screenshot item's "Collection details": what was captured, the screens, the system.

:func:`screenshot` adds the groups of a screen capture to a :class:`~.metadata_rows.View`:
the target (a screen, a window, a region) and the crop, the image, scale and capture
method, every screen with its geometry and monitor, and the system it ran on.
"""

from __future__ import annotations

import logging

from evidencekit.bundle.metadata_rows import Line, Meta, View, parse_time

__all__ = ["screenshot"]

log = logging.getLogger(__name__)

_WINDOW_SYSTEMS = {"xcb": "X11 (xcb)", "wayland": "Wayland", "windows": "Windows", "cocoa": "macOS"}


def screenshot(view: View, m: Meta) -> None:
    view.group("screenshot")
    t, w = m.sub("target"), m.sub("window")
    if t is not None and w is not None and t.data.get("window_title") == w.data.get("title"):
        t.drop("window_title")  # the window found has the very title asked for
    view.add("target", _target(view, t) if t is not None else None)
    if w is not None:
        view.simple(w, "window_title=title", mono=False)
        view.add("window_geometry", view.place(w, "geometry"))
        view.simple(w, "window_id=id")
    box = view.place(m, "crop_px")
    view.add("crop", ([Line(box)] if box else []) + (
        view.say("bundle.metaval.crop_clipped") if m.get("crop_clipped") else []))
    img = m.sub("image")
    if img is not None and img.data.get("width") and img.data.get("height"):
        view.add("image_size", f"{img.get('width')} × {img.get('height')} px · "
                 + view.join(img, "mode"))
    scale, rescaled = m.get("composed_scale"), m.get("screens_rescaled")
    if rescaled or scale not in (None, 1, 1.0):
        view.add("composed_scale", [Line(str(scale))] + (
            view.say("bundle.metaval.rescaled") if rescaled else []))
    method = m.get("capture_method")
    view.add("capture_method", ([Line(view.pick("method", method))] if method else []) + (
        view.say("bundle.metaval.grab_black") if m.get("qt_grab_black") else []))
    enc = m.sub("png_encoder")
    if enc is not None:
        view.add("png_encoder", view.pick("png", enc.get("name")))
        enc.drop("filter", "zlib_level", "unchanged")
    delay = m.get("delay_s")
    view.add("delay", view.lab("bundle.metaval.seconds", seconds=f"{delay:g}")
             if isinstance(delay, int | float) else delay)
    view.simple(m, "hidden_own_windows")
    same = parse_time(view.item.captured_at_utc)  # the general rows show these when equal
    m.drop(*(k for k in ("captured_at_utc", "captured_at_local")
             if parse_time(m.data.get(k)) == same))
    m.drop(*(["timezone"] if m.data.get("timezone") == view.item.timezone else []))
    view.group("screens")
    for n, s in enumerate(m.subs("screens"), start=1):
        view.add("screen_n", _screen(view, s), n=n)
    view.group("system")
    os_info = m.sub("os")
    if os_info is not None:
        view.add("os", os_info.get("platform") or view.join(os_info, "system", "release"))
        os_info.drop("system", "release")
    ws = m.get("window_system")
    view.add("window_system", _WINDOW_SYSTEMS.get(str(ws), ws))
    prog = m.sub("program")
    view.add("program", view.join(prog, "name", "version") if prog is not None else None)
    view.simple(m, "toolkit", "python")


def _target(view: View, t: Meta) -> list[Line]:
    kind, box = t.get("kind"), view.place(t, "region")
    if kind == "screen" and isinstance(t.data.get("screen"), int):
        return [Line(view.lab("bundle.metaval.target.screen", n=t.get("screen") + 1))]
    if kind == "window" and "window_title" not in t.used and t.data.get("window_title"):
        box = f"“{t.get('window_title')}”"
    return [Line(box, prefix=view.pick("target", kind))] if box else [
        Line(view.pick("target", kind))]


def _screen(view: View, s: Meta) -> list[Line]:
    ratio = s.get("device_pixel_ratio")
    parts = [s.get("name"), view.place(s, "geometry"),
             f"{view.lab('bundle.metaval.pixel_ratio')} {ratio}" if ratio else None]
    maker = view.join(s, "manufacturer", "model")
    s.drop("index", "manufacturer", "model")
    return [Line(" · ".join(str(p) for p in parts if p))] + (
        [Line(maker, prefix=view.lab("bundle.metaval.monitor"))] if maker else [])
