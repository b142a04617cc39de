"""The pieces every builder of an item's "Collection details" shares.

:class:`Line`, :class:`Row` and :class:`Group` are what the table shows (plain text, not
markup); :class:`Meta` is a metadata mapping being presented (it remembers which keys
were used, so every other key ends up under "Other details"); :class:`View` builds the
groups of one item in one bundle language, with the helpers the per-kind builders use
(``add``, ``simple``, ``say``, ``pick``, ``when`` ...). The builders themselves live in
:mod:`.link_metadata_view`, :mod:`.file_metadata_view`, :mod:`.screenshot_metadata_view`
and :mod:`.link_capture_view`; :mod:`.metadata_view` puts them together.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from evidencekit.bundle.styles import MAX_VALUE_CHARS, Labels, fmt_time
from evidencekit.model import Item

__all__ = ["Line", "Row", "Group", "Meta", "View", "empty", "token", "parse_time", "flat"]

log = logging.getLogger(__name__)


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


def empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | dict) and not value)


def token(text: str) -> bool:
    return " " not in text.strip() and len(text) > 24


class Meta:
    """A metadata mapping being presented; remembers which keys were used or dropped."""

    def __init__(self, data: Mapping[str, Any], path: str = "") -> None:
        self.data = data
        self.path = path
        self.used: set[str] = set()
        self.children: dict[str, list[Meta]] = {}

    def get(self, key: str) -> Any:
        self.used.add(key)
        return self.data.get(key)

    def drop(self, *keys: str) -> None:
        self.used.update(keys)

    def sub(self, key: str) -> Meta | None:
        """The nested mapping under ``key`` (its unused keys stay "other details")."""
        found = self.subs(key) if isinstance(self.data.get(key), Mapping) else []
        return found[0] if found else None

    def subs(self, key: str) -> list[Meta]:
        """The mappings of the list (or the mapping) under ``key``; else nothing."""
        value = self.data.get(key)
        if isinstance(value, Mapping):
            self.children[key] = [Meta(value, f"{self.path}{key}.")]
        elif isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
            self.children[key] = [Meta(v, f"{self.path}{key}[{i}].")
                                  for i, v in enumerate(value, start=1)]
        return self.children.get(key, [])

    def leftovers(self) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        for key, value in self.data.items():
            for child in self.children.get(key, []):
                out.extend(child.leftovers())
            if key not in self.used and key not in self.children and not empty(value):
                out.append((f"{self.path}{key}", value))
        return out


class View:
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
        if empty(value):
            return
        if isinstance(value, list) and all(isinstance(x, Line) for x in value):
            lines, cut = value, False
        elif isinstance(value, list | Mapping):
            lines, cut = flat(value, self)
        else:
            text = self.scalar(value)
            cut = len(text) > MAX_VALUE_CHARS
            text = text[:MAX_VALUE_CHARS]
            lines = [Line(text, mono=token(text) if mono is None else mono)]
        self.groups[-1].rows.append(Row(self.lab(f"bundle.meta.{name}", **params), lines, cut))

    def simple(self, m: Meta, *names: str, mono: bool | None = None) -> None:
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
        dt = parse_time(value)
        if dt is None or dt.tzinfo is None:
            return (f"{fmt_time(dt)} ({self.lab('bundle.metaval.no_zone')})" if dt else
                    (None if empty(value) else str(value)))
        return self.lab.when(dt)

    def place(self, m: Meta, key: str) -> str | None:
        """``[x, y, w, h]`` under ``key`` as ``x=100, y=100, 800 × 600 px``."""
        box = m.data.get(key)
        if not (isinstance(box, list) and len(box) == 4):
            return None
        m.drop(key)
        return f"x={box[0]}, y={box[1]}, {box[2]} × {box[3]} px"

    def join(self, m: Meta, *keys: str, sep: str = " ") -> str:
        """The values present under ``keys``, joined."""
        return sep.join(str(m.get(k)) for k in keys if not empty(m.data.get(k)))


def parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def flat(value: Any, view: View) -> tuple[list[Line], bool]:
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
                        mono=token(text)))

    walk(value, "")
    return out, budget <= 0
