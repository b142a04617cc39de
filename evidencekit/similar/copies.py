"""Copies of the same picture across a vault's items: which items share a picture, at
what distance, and the groups they form. Used by ``evidencekit similar``, the GUI and the
bundle's item pages."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from evidencekit.model import Item, Progress
from evidencekit.similar.index import HashIndex, group_items
from evidencekit.similar.parts import (
    META_KEY,
    entries_of,
    item_perceptual_metadata,
    outdated,
    wants_hash,
)

__all__ = ["Copy", "CopyMap", "find_copies", "needs_hash", "rehash_items", "RehashResult",
           "store_hashes"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Copy:
    """Another item holding the same picture, with the smallest distance found; when
    that was between the whole picture of one item and a crop of the other (a copy with
    trimmed or cut edges), ``cropped`` says so and the distance is that one."""

    number: int
    distance: int
    cropped: bool = False


@dataclass
class CopyMap:
    """For each item number the other items holding the same picture (direct matches),
    and the groups of items linked by matches (each sorted, two items at least)."""

    direct: dict[int, list[Copy]] = field(default_factory=dict)
    groups: list[list[int]] = field(default_factory=list)

    def copies_of(self, number: int) -> list[Copy]:
        return self.direct.get(number, [])

    def group_of(self, number: int) -> list[int]:
        for g in self.groups:
            if number in g:
                return g
        return []

    def public(self) -> dict[str, Any]:
        return {"groups": self.groups,
                "pairs": [{"a": a, "b": c.number, "distance": c.distance, "cropped": c.cropped}
                          for a, cs in sorted(self.direct.items()) for c in cs
                          if a < c.number]}


def find_copies(items: Iterable[Item]) -> CopyMap:
    """Match every stored hash of the live items against all others."""
    entries = [e for item in items if item.state == "active" for e in entries_of(item)]
    pairs = HashIndex(entries).item_matches()
    out = CopyMap()
    for (a, b), m in sorted(pairs.items()):
        out.direct.setdefault(a, []).append(Copy(b, m.distance, m.cropped))
        out.direct.setdefault(b, []).append(Copy(a, m.distance, m.cropped))
    for cs in out.direct.values():
        cs.sort(key=lambda c: (c.distance, c.number))
    out.groups = group_items(pairs)
    return out


def needs_hash(item: Item, force: bool = False) -> bool:
    """Whether ``rehash`` has work for this item (a live item with a picture or video
    part, without stored hashes or with pictures hashed before the one-sided crops,
    every such item with ``force``)."""
    if item.state != "active" or not any(wants_hash(p.media_type) for p in item.parts):
        return False
    return force or not isinstance(item.metadata.get(META_KEY), dict) or outdated(item)


@dataclass
class RehashResult:
    hashed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # no part could be decoded
    unchanged: int = 0


class _Vault(Protocol):  # the few vault methods used
    def items(self, include_deleted: bool = False) -> list[Item]: ...
    def read_part_bytes(self, item: Item, index: int = 0) -> bytes: ...
    def update_metadata(self, number: int, updates: dict[str, Any], event: str,
                        details: dict[str, Any] | None = None) -> Item: ...


def store_hashes(vault: _Vault, item: Item, data: dict[str, Any]) -> Item:
    """Keep the hashes with the item (one ``perceptual_hashed`` custody event)."""
    return vault.update_metadata(item.number, {META_KEY: data}, "perceptual_hashed", {
        "algorithm": "pdq", "hashes": len(data["hashes"]),
        "parts": sorted({h["part"] for h in data["hashes"]}), "failed": data["failed"]})


def rehash_items(vault: _Vault, *, force: bool = False, progress: Progress | None = None,
                 numbers: Iterable[int] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> RehashResult:
    """Compute and store the perceptual hashes of items that have none (every item with
    ``force``). Each stored result is one ``perceptual_hashed`` custody event."""
    wanted = set(numbers) if numbers is not None else None
    todo = [i for i in vault.items() if needs_hash(i, force)
            and (wanted is None or i.number in wanted)]
    result = RehashResult()
    for done, item in enumerate(todo):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(done, len(todo), "similar.progress.hashing")
        data = item_perceptual_metadata(item, functools.partial(vault.read_part_bytes, item))
        if data is None:
            result.unchanged += 1
            continue
        store_hashes(vault, item, data)
        (result.hashed if data["hashes"] else result.failed).append(item.number)
    if progress is not None:
        progress(len(todo), len(todo), "similar.progress.hashing")
    return result
