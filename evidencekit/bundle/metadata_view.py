"""What the "Collection details" table of an item shows: its metadata as labelled rows.

:func:`metadata_groups` turns ``item.metadata`` into groups of rows per item kind: known
fields get ``bundle.meta.*`` labels, most important first; nested values become short
lines; message keys become sentences (in the bundle's own ``bundle.metaval.*`` wording if
there is one). Pure internals (``demo``, empty values, values the general rows show) stay
off the page but in ``manifest.json``; every other key, at any depth, is listed under a
last "Other details" group with its key path as label. Rows hold plain text, not markup.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from evidencekit.bundle import link_capture_view
from evidencekit.bundle.styles import (
    MAX_VALUE_CHARS,
    Labels,
    Localized,
    fmt_size,
    fmt_time,
)
from evidencekit.model import Item

__all__ = ["Line", "Row", "Group", "metadata_groups"]

log = logging.getLogger(__name__)

_SUBRESOURCES_EN = "loaded from the network at rendering time, not archived"
_WINDOW_SYSTEMS = {"xcb": "X11 (xcb)", "wayland": "Wayland", "windows": "Windows", "cocoa": "macOS"}


@dataclass(frozen=True)
class Line:
    """A line of a value; ``mono`` (URLs, hashes) is fixed-width, broken anywhere."""

    text: str
    prefix: str | None = None
    mono: bool = False
    warn: bool = False


@dataclass
class Row:
    label: str
    lines: list[Line]
    cut: bool = False


@dataclass
class Group:
    title: str
    rows: list[Row] = field(default_factory=list)


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | dict) and not value)


def _token(text: str) -> bool:
    return " " not in text.strip() and len(text) > 24


class _Meta:
    """A metadata mapping being presented; remembers which keys were used or dropped."""

    def __init__(self, data: Mapping[str, Any], path: str = "") -> None:
        self.data = data
        self.path = path
        self.used: set[str] = set()
        self.children: dict[str, list[_Meta]] = {}

    def get(self, key: str) -> Any:
        self.used.add(key)
        return self.data.get(key)

    def drop(self, *keys: str) -> None:
        self.used.update(keys)

    def sub(self, key: str) -> _Meta | None:
        """The nested mapping under ``key`` (its unused keys stay "other details")."""
        found = self.subs(key) if isinstance(self.data.get(key), Mapping) else []
        return found[0] if found else None

    def subs(self, key: str) -> list[_Meta]:
        """The mappings of the list (or the mapping) under ``key``; else nothing."""
        value = self.data.get(key)
        if isinstance(value, Mapping):
            self.children[key] = [_Meta(value, f"{self.path}{key}.")]
        elif isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
            self.children[key] = [_Meta(v, f"{self.path}{key}[{i}].")
                                  for i, v in enumerate(value, start=1)]
        return self.children.get(key, [])

    def leftovers(self) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        for key, value in self.data.items():
            for child in self.children.get(key, []):
                out.extend(child.leftovers())
            if key not in self.used and key not in self.children and not _empty(value):
                out.append((f"{self.path}{key}", value))
        return out


class _View:
    """Builds the groups of one item in one bundle language; rows go to the last group."""

    def __init__(self, item: Item, labels: Labels, summary: Mapping[str, Any] | None,
                 hide_location: bool = False) -> None:
        self.item = item
        self.lab = labels
        self.summary = summary
        self.hide_location = hide_location
        self.groups: list[Group] = []

    def group(self, key: str) -> None:
        self.groups.append(Group(self.lab(f"bundle.metagroup.{key}")))

    def add(self, name: str, value: Any, *, mono: bool | None = None, **params: object
            ) -> None:
        """A row labelled ``bundle.meta.<name>``; ``value`` is a list of :class:`Line`,
        nested data, or one value. Empty values give no row; long ones are shortened."""
        if _empty(value):
            return
        if isinstance(value, list) and all(isinstance(x, Line) for x in value):
            lines, cut = value, False
        elif isinstance(value, list | Mapping):
            lines, cut = _flat(value, self)
        else:
            text = self.scalar(value)
            cut = len(text) > MAX_VALUE_CHARS
            text = text[:MAX_VALUE_CHARS]
            lines = [Line(text, mono=_token(text) if mono is None else mono)]
        self.groups[-1].rows.append(Row(self.lab(f"bundle.meta.{name}", **params), lines, cut))

    def simple(self, m: _Meta, *names: str, mono: bool | None = None) -> None:
        """Rows of plain values; ``"label=key"`` when the label is named differently."""
        for name in names:
            label, _, key = name.partition("=")
            self.add(label, m.get(key or label), mono=mono)

    def scalar(self, value: Any) -> str:
        if isinstance(value, bool):
            return self.lab("bundle.yes" if value else "bundle.no")
        return "—" if value is None else str(value)

    def pick(self, prefix: str, value: Any, *, sentence: bool = False) -> Any:
        """The phrase ``bundle.metaval.<prefix>.<value>`` (as :meth:`say` lines for a
        ``sentence``), or the value itself."""
        key = f"bundle.metaval.{prefix}.{str(value).lower().replace('-', '_').replace(':', '.')}"
        if value is None or not self.lab.has(key):
            return value if sentence or value is None else str(value)
        return self.say(key) if sentence else self.lab(key)

    def say(self, key: str, *, warn: bool = False, **params: object) -> list[Line]:
        """A sentence, once per language (``both``: a Korean line, then an English line).

        A message key of another area (``capture.warn.x``) is said in the bundle's own
        wording ``bundle.metaval.warn.x`` when there is one; an unknown key as it is.
        """
        formal = "bundle.metaval." + key.split(".", 1)[-1]
        key = formal if not key.startswith("bundle.") and self.lab.has(formal) else key
        if not self.lab.has(key):
            return [Line(key, warn=warn)]
        return [Line(t, warn=warn) for t in self.lab.texts(key, **params)]

    def when(self, value: Any) -> str | None:
        """An ISO time in the export zone with UTC beside; a time without zone as it is,
        labelled as such."""
        dt = _time(value)
        if dt is None or dt.tzinfo is None:
            return (f"{fmt_time(dt)} ({self.lab('bundle.metaval.no_zone')})" if dt else
                    (None if _empty(value) else str(value)))
        return self.lab.when(dt)

    def place(self, m: _Meta, key: str) -> str | None:
        """``[x, y, w, h]`` under ``key`` as ``x=100, y=100, 800 × 600 px``."""
        box = m.data.get(key)
        if not (isinstance(box, list) and len(box) == 4):
            return None
        m.drop(key)
        return f"x={box[0]}, y={box[1]}, {box[2]} × {box[3]} px"

    def join(self, m: _Meta, *keys: str, sep: str = " ") -> str:
        """The values present under ``keys``, joined."""
        return sep.join(str(m.get(k)) for k in keys if not _empty(m.data.get(k)))

    def link(self, m: _Meta) -> None:
        self.group("link")
        url, shown, final = m.get("url"), m.get("url_display"), m.get("final_url")
        self.add("requested_url", url, mono=True)
        self.add("url_display", None if shown == url else shown, mono=True)
        same = final is not None and final == url
        self.add("final_url", self.lab("bundle.metaval.same_as_url") if same else final,
                 mono=not same)
        self.add("page_title", m.get("page_title"), mono=False)
        link_capture_view.page_state_rows(self, m)
        status, reason, fetched = m.get("status"), m.get("reason"), m.get("fetched_at")
        if status is None and fetched is None:
            self.add("fetch", self.say("bundle.metaval.not_fetched"))
        self.add("status", reason if status is None else f"{status} {reason or ''}".strip())
        self.simple(m, "server_ip", "server_port")
        self.add("fetched_at", self.when(fetched))
        self.add("content_type", m.get("media_type"))
        size = m.get("body_size")
        self.add("body_size", fmt_size(size) if isinstance(size, int) else size)
        self.add("body_sha256", m.get("body_sha256"), mono=True)
        self.add("redirects", self.redirects(m.get("redirects")))
        self.simple(m, "headers", "warc_records")
        self.tls(m, fetched is not None)
        self.telegram(m)
        self.rendering(m)
        link_capture_view.resource_rows(self, m)

    def redirects(self, value: Any) -> Any:
        hops = self.summary.get("hops") if self.summary else None
        if isinstance(hops, list) and len(hops) > 1 and all(isinstance(h, Mapping)
                                                             for h in hops):
            return [Line(f"{hop.get('status', '?')} → {nxt.get('url') or hop.get('location')}",
                         prefix=f"{n}.", mono=True)
                    for n, (hop, nxt) in enumerate(zip(hops, hops[1:], strict=False), start=1)]
        if isinstance(value, int) and not isinstance(value, bool):
            return self.say("bundle.metaval.redirect_count", count=value) if value else (
                self.say("bundle.metaval.no_redirects"))
        return value

    def tls(self, m: _Meta, fetched: bool) -> None:
        t = m.sub("tls")
        shown: set[str] = set()
        if t is not None:
            self.group("tls")
            self.simple(t, "tls_version=version", "tls_cipher=cipher")
            self.add("tls_verified", self.pick("tls_verified", t.get("verified"), sentence=True))
            self.add("tls_chain", self.pick("chain", t.get("chain_source")))
            for n, cert in enumerate(t.subs("certificates")):
                shown.add(str(cert.data.get("sha256")))
                self.add("cert_ca" if n else "cert_leaf", self.certificate(cert), n=n)
        elif fetched and m.data.get("tls") is None and str(m.data.get("url")).startswith("http:"):
            self.add("tls", self.lab("bundle.metaval.no_tls"))
        prints = m.get("cert_fingerprints")
        self.add("cert_fingerprints", [f for f in prints if f not in shown]
                 if isinstance(prints, list) else prints)

    def certificate(self, c: _Meta) -> list[Line]:
        lines = [Line(str(c.get(k)), prefix=self.lab(f"bundle.meta.cert_{k}"))
                 for k in ("subject", "issuer") if c.data.get(k)]
        start, end = c.get("not_before"), c.get("not_after")
        if start or end:
            lines.append(Line(f"{fmt_time(start, utc=True)} – {fmt_time(end, utc=True)}",
                              prefix=self.lab("bundle.meta.cert_valid")))
        if c.data.get("sha256"):
            lines.append(Line(str(c.get("sha256")), prefix="SHA-256", mono=True))
        return lines

    def telegram(self, m: _Meta) -> None:
        if (t := m.sub("telegram")) is None:  # not a Telegram link
            return
        self.group("telegram")
        self.add("telegram_kind", self.pick("telegram", t.get("kind")))
        self.simple(t, *(f"telegram_{k}={k}" for k in ("channel", "channel_id", "message",
                                                        "thread", "comment")), mono=False)
        self.add("telegram_preview", t.get("preview") or None)
        link_capture_view.telegram_rows(self, t)

    def rendering(self, m: _Meta) -> None:
        if (r := m.sub("rendering")) is None:
            return
        self.group("rendering")
        status = r.get("status")
        lines = [Line(self.pick("render", status))] if status is not None else []
        if status == "failed":  # the message, stored in both languages at capture
            errors = {"ko": r.get("error_ko") or r.data.get("error"), "en": r.get("error")}
            r.drop("error_key")
            lines = [Line(str(errors[la]), warn=True) for la in ("ko", "en")
                     if self.lab.lang in (la, "both") and errors[la]] or lines
        elif status == "skipped":
            key, reason = r.get("reason_key"), r.get("reason") or status
            lines = (self.say(key, media_type=m.data.get("media_type") or "?")
                     if isinstance(key, str) and self.lab.has(key) else [Line(str(reason))])
        if r.get("truncated"):
            lines += self.say("bundle.metaval.render_truncated")
        if r.get("load_finished") is False:
            lines += self.say("bundle.metaval.render_unfinished")
        self.add("rendering", lines)
        width, height, ratio = (r.data.get(k) for k in ("width", "height", "device_pixel_ratio"))
        if width and height:
            r.drop("width", "height", "device_pixel_ratio")
            scale = f" · {self.lab('bundle.metaval.pixel_ratio')} {ratio}"
            self.add("render_size", f"{width} × {height} px{'' if ratio in (None, 1) else scale}")
        self.add("render_source", self.pick("render_source", r.get("source"), sentence=True))
        sub = r.get("subresources")
        self.add("render_subresources",
                 self.say("bundle.metaval.subresources") if sub == _SUBRESOURCES_EN else sub)
        self.add("render_notes", r.get("notes"))
        link_capture_view.rendering_rows(self, r)
        r.drop("banner", "banner_height", "page_height", "elapsed_seconds")

    def file(self, m: _Meta) -> None:
        self.group("file")
        self.simple(m, "original_name", "original_name_hex", "display_name")
        detail = m.get("media_detail")
        self.add("media_type", [Line(t) for t in (self.join(m, "media_type"),
                                                  self.sniffed(detail)) if t])
        self.simple(m, "extension_media_type", "charset")
        size = m.get("size")
        if not (self.item.parts and size == self.item.size):  # else the general row has it
            self.add("file_size", fmt_size(size) if isinstance(size, int) else size)
        self.add("mtime", self.when(m.get("mtime")))
        self.simple(m, "original_path", mono=True)
        self.add("via_symlink", m.get("via_symlink") or None)
        image = m.sub("image")
        error = self.image(image) if image is not None else None
        warnings = m.get("warnings")
        if isinstance(warnings, list) and all(isinstance(w, str) for w in warnings):
            said = f"capture.warn.image_{str(error).rsplit('.', 1)[-1]}"  # shown as the error
            warnings = [line for w in warnings if w != said for line in self.say(w, warn=True)]
        self.add("warnings", warnings)

    def sniffed(self, detail: Any) -> str:
        """What the content looks like, said as a guess (``내용으로 보아 … 보입니다``) for
        the kinds recognised by their content; a plain fact (an empty file) as it is."""
        if _empty(detail):
            return ""
        key = f"court.sniff.{str(detail).lower()}"
        if self.lab.has(key):
            return self.lab("court.sniff_guess", what=Localized(key))
        return str(self.pick("detail", detail) or "")

    def image(self, i: _Meta) -> Any:
        """The image rows; returns the image error key (its warning is not repeated)."""
        self.group("image")
        if i.data.get("width") and i.data.get("height"):
            frames = i.get("frames")
            self.add("image_size", [Line(f"{i.get('width')} × {i.get('height')} px · "
                                         + self.join(i, "format", "mode", sep=" · "))] + (
                [Line(self.lab("bundle.metaval.frames", count=frames))]
                if i.get("animated") and isinstance(frames, int) else []))
        error = i.get("image_error")
        self.add("image_error", self.say(str(error), warn=True) if error else None)
        pixels, limit = i.data.get("declared_pixels"), i.data.get("pixel_limit")
        if isinstance(pixels, int) and isinstance(limit, int):
            i.drop("declared_pixels", "pixel_limit")
            self.add("declared_pixels", self.lab("bundle.metaval.pixels", pixels=f"{pixels:,}",
                                                 limit=f"{limit:,}"))
        make, model = (str(i.data.get(k) or "") for k in ("camera_make", "camera_model"))
        self.add("camera", model if make and model.lower().startswith(make.lower()) else
                 self.join(i, "camera_make", "camera_model"), mono=False)
        i.drop("camera_make", "camera_model")
        self.simple(i, "software", mono=False)
        self.add("taken", self.exif_time(i.get("datetime_original"), i.get("offset_time_original")))
        self.add("exif_changed", self.exif_time(i.get("datetime"), None))
        self.add("orientation", self.pick("orientation", i.get("orientation")))
        exif_error = i.get("exif_error")
        if exif_error:
            self.add("exif", self.say(str(exif_error), warn=True))
        elif i.data.get("exif") is False:
            self.add("exif", self.lab("bundle.metaval.exif_none"))
        self.gps(i)
        self.add("decode_checked", self.pick("decoded", i.get("decode_checked")))
        i.drop("exif", "preview", "bomb")
        return error

    def exif_time(self, value: Any, offset: Any) -> str | None:
        text = str(value or "")
        if len(text) >= 19 and text[4] == ":" and text[7] == ":":
            text = f"{text[:4]}-{text[5:7]}-{text[8:]}"
        return (f"{text} {offset}" if offset else
                f"{text} ({self.lab('bundle.metaval.no_zone')})") if text else None

    def gps(self, i: _Meta) -> None:
        has, pos = i.get("gps"), i.sub("gps_position")
        lat, lon = (pos.data.get(k) if pos else None for k in ("latitude", "longitude"))
        if pos is None or not isinstance(lat, int | float) or not isinstance(lon, int | float):
            self.add("gps", self.pick("gps", has))
            return
        if self.hide_location:
            pos.drop(*pos.data.keys())
            self.add("gps", self.say("court.location_hidden"))
            return
        pos.drop("latitude", "longitude")
        where = f"{abs(lat)}° {'SN'[lat >= 0]}, {abs(lon)}° {'WE'[lon >= 0]}"
        lines = [Line(where, prefix=self.lab("bundle.metaval.gps_present"))]
        for key in ("altitude_m", "gps_date"):
            if pos.data.get(key) is not None:
                lines.append(Line(str(pos.get(key)), prefix=self.lab(f"bundle.metaval.{key}")))
        self.add("gps", lines)

    def screenshot(self, m: _Meta) -> None:
        self.group("screenshot")
        t, w = m.sub("target"), m.sub("window")
        if t is not None and w is not None and t.data.get("window_title") == w.data.get("title"):
            t.drop("window_title")  # the window found has the very title asked for
        self.add("target", self.target(t) if t is not None else None)
        if w is not None:
            self.simple(w, "window_title=title", mono=False)
            self.add("window_geometry", self.place(w, "geometry"))
            self.simple(w, "window_id=id")
        box = self.place(m, "crop_px")
        self.add("crop", ([Line(box)] if box else []) + (
            self.say("bundle.metaval.crop_clipped") if m.get("crop_clipped") else []))
        img = m.sub("image")
        if img is not None and img.data.get("width") and img.data.get("height"):
            self.add("image_size", f"{img.get('width')} × {img.get('height')} px · "
                     + self.join(img, "mode"))
        scale, rescaled = m.get("composed_scale"), m.get("screens_rescaled")
        if rescaled or scale not in (None, 1, 1.0):
            self.add("composed_scale", [Line(str(scale))] + (
                self.say("bundle.metaval.rescaled") if rescaled else []))
        method = m.get("capture_method")
        self.add("capture_method", ([Line(self.pick("method", method))] if method else []) + (
            self.say("bundle.metaval.grab_black") if m.get("qt_grab_black") else []))
        enc = m.sub("png_encoder")
        if enc is not None:
            self.add("png_encoder", self.pick("png", enc.get("name")))
            enc.drop("filter", "zlib_level", "unchanged")
        delay = m.get("delay_s")
        self.add("delay", self.lab("bundle.metaval.seconds", seconds=f"{delay:g}")
                 if isinstance(delay, int | float) else delay)
        self.simple(m, "hidden_own_windows")
        same = _time(self.item.captured_at_utc)  # the general rows show these when equal
        m.drop(*(k for k in ("captured_at_utc", "captured_at_local")
                 if _time(m.data.get(k)) == same))
        m.drop(*(["timezone"] if m.data.get("timezone") == self.item.timezone else []))
        self.group("screens")
        for n, s in enumerate(m.subs("screens"), start=1):
            self.add("screen_n", self.screen(s), n=n)
        self.group("system")
        os_info = m.sub("os")
        if os_info is not None:
            self.add("os", os_info.get("platform") or self.join(os_info, "system", "release"))
            os_info.drop("system", "release")
        ws = m.get("window_system")
        self.add("window_system", _WINDOW_SYSTEMS.get(str(ws), ws))
        prog = m.sub("program")
        self.add("program", self.join(prog, "name", "version") if prog is not None else None)
        self.simple(m, "toolkit", "python")

    def target(self, t: _Meta) -> list[Line]:
        kind, box = t.get("kind"), self.place(t, "region")
        if kind == "screen" and isinstance(t.data.get("screen"), int):
            return [Line(self.lab("bundle.metaval.target.screen", n=t.get("screen") + 1))]
        if kind == "window" and "window_title" not in t.used and t.data.get("window_title"):
            box = f"“{t.get('window_title')}”"
        return [Line(box, prefix=self.pick("target", kind))] if box else [
            Line(self.pick("target", kind))]

    def screen(self, s: _Meta) -> list[Line]:
        ratio = s.get("device_pixel_ratio")
        parts = [s.get("name"), self.place(s, "geometry"),
                 f"{self.lab('bundle.metaval.pixel_ratio')} {ratio}" if ratio else None]
        maker = self.join(s, "manufacturer", "model")
        s.drop("index", "manufacturer", "model")
        return [Line(" · ".join(str(p) for p in parts if p))] + (
            [Line(maker, prefix=self.lab("bundle.metaval.monitor"))] if maker else [])

    def incident(self, m: _Meta) -> None:
        self.group("incident")
        when = m.get("when")
        self.add("when", fmt_time(str(when)) if when else None)
        self.simple(m, "where", "who", mono=False)

    def other(self, m: _Meta) -> None:
        self.group("other")
        for path, value in m.leftovers():
            key = f"bundle.meta.{path}"
            label = self.lab(key) if "." not in path and self.lab.has(key) else path
            lines, cut = _flat(value, self)
            self.groups[-1].rows.append(Row(label, lines, cut))


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _flat(value: Any, view: _View) -> tuple[list[Line], bool]:
    """Nested data as ``key: value`` lines, at most :data:`MAX_VALUE_CHARS` characters."""
    out: list[Line] = []
    budget = MAX_VALUE_CHARS

    def walk(v: Any, path: str) -> None:
        nonlocal budget
        if budget <= 0:
            return
        if isinstance(v, Mapping) and v:
            for k, sub in v.items():
                walk(sub, f"{path}{k}.")
            return
        if isinstance(v, list) and (not path or any(isinstance(x, Mapping | list) for x in v)):
            for i, sub in enumerate(v, start=1):  # a top-level list: one line per value
                walk(sub, f"{path}[{i}]." if path or isinstance(sub, Mapping | list) else "")
            return
        text = (", ".join(map(view.scalar, v)) or "—") if isinstance(v, list | Mapping) else (
            view.scalar(v))
        text = text[:budget]
        budget -= len(text)
        out.append(Line(text, prefix=path.rstrip(".") + ":" if path else None,
                        mono=_token(text)))

    walk(value, "")
    return out, budget <= 0


def metadata_groups(item: Item, labels: Labels,
                    summary: Mapping[str, Any] | None = None, *,
                    hide_location: bool = False) -> list[Group]:
    """The labelled groups of ``item.metadata``, empty groups left out.

    ``summary`` is a link's parsed ``summary.json`` when the caller has it: its ``hops``
    give the redirect chain step by step (the item metadata holds only their count).
    """
    m = _Meta(item.metadata if isinstance(item.metadata, Mapping) else {})
    view = _View(item, labels, summary, hide_location)
    m.drop("demo", "pdq", "ocr", "chat", "chat_key")  # shown in their own sections
    build = {"link": view.link, "file": view.file, "screenshot": view.screenshot,
             "incident": view.incident}.get(item.kind)
    if build is not None:
        build(m)
    view.other(m)
    return [g for g in view.groups if g.rows]
