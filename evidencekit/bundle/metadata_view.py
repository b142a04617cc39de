"""What the "Collection details" table of an item shows: its metadata as labelled rows.

:func:`metadata_groups` turns ``item.metadata`` into groups of rows per item kind: known
fields get ``bundle.meta.*`` labels, most important first; nested values become short
lines; message keys become sentences (in the bundle's own ``bundle.metaval.*`` wording if
there is one). Pure internals (``demo``, empty values, values the general rows show) stay
off the page but in ``manifest.json``; every other key, at any depth, is listed under a
last "Other details" group with its key path as label. Rows hold plain text, not markup.

The shared pieces are in :mod:`.metadata_rows`; the builders per item kind in
:mod:`.link_metadata_view` (with :mod:`.link_capture_view`), :mod:`.file_metadata_view`
and :mod:`.screenshot_metadata_view`; an incident account and the "Other details" are here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from evidencekit.bundle import (
    file_metadata_view,
    link_metadata_view,
    screenshot_metadata_view,
)
from evidencekit.bundle.metadata_rows import Group, Line, Meta, Row, View, flat
from evidencekit.bundle.styles import Labels, fmt_time
from evidencekit.model import Item

__all__ = ["Line", "Row", "Group", "metadata_groups"]

log = logging.getLogger(__name__)


def _incident(view: View, m: Meta) -> None:
    view.group("incident")
    when = m.get("when")
    view.add("when", fmt_time(str(when)) if when else None)
    view.simple(m, "where", "who", mono=False)


def _other(view: View, m: Meta) -> None:
    view.group("other")
    for path, value in m.leftovers():
        key = f"bundle.meta.{path}"
        label = view.lab(key) if "." not in path and view.lab.has(key) else path
        lines, cut = flat(value, view)
        view.groups[-1].rows.append(Row(label, lines, cut))


def metadata_groups(item: Item, labels: Labels,
                    summary: Mapping[str, Any] | None = None, *,
                    hide_location: bool = False) -> list[Group]:
    """The labelled groups of ``item.metadata``, empty groups left out.

    ``summary`` is a link's parsed ``summary.json`` when the caller has it: its ``hops``
    give the redirect chain step by step (the item metadata holds only their count).
    """
    m = Meta(item.metadata if isinstance(item.metadata, Mapping) else {})
    view = View(item, labels, summary, hide_location)
    m.drop("demo", "pdq", "ocr", "chat", "chat_key")  # shown in their own sections
    build = {"link": link_metadata_view.link, "file": file_metadata_view.file,
             "screenshot": screenshot_metadata_view.screenshot,
             "incident": _incident}.get(item.kind)
    if build is not None:
        build(view, m)
    _other(view, m)
    return [g for g in view.groups if g.rows]
