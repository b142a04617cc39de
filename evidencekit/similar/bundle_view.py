"""What an item page of the evidence bundle says about perceptual hashes: the item's PDQ
hash and the other items of the vault that hold the same picture."""

from __future__ import annotations

from collections.abc import Iterable

from evidencekit.bundle.metadata_view import Group, Line, Row
from evidencekit.bundle.styles import Labels
from evidencekit.model import Item
from evidencekit.similar.copies import Copy, CopyMap, find_copies
from evidencekit.similar.parts import primary_hash

__all__ = ["copy_map", "similar_groups"]


def copy_map(items: Iterable[Item]) -> CopyMap:
    """The copies among every item of the vault (computed once per export)."""
    return find_copies(items)


def similar_groups(item: Item, copies: list[Copy], labels: Labels) -> list[Group]:
    """A "Same picture elsewhere" group for the item's collection details (none when the
    item has no perceptual hash)."""
    entry = primary_hash(item)
    if entry is None:
        return []
    group = Group(labels("bundle.similar.group"))
    group.rows.append(Row(labels("bundle.similar.pdq"), [
        Line(entry.hashes[0], mono=True),
        Line(labels("bundle.similar.quality", quality=entry.quality))]))
    if copies:
        group.rows.append(Row(labels("bundle.similar.copies"), [
            Line(labels("bundle.similar.copy", number=c.number, distance=c.distance))
            for c in copies] + [Line(labels("bundle.similar.note"))]))
    return [group]
