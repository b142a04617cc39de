"""What an item page of the evidence bundle says about perceptual hashes: the item's PDQ
hash and the other items of the vault that hold the same picture."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from evidencekit.bundle.metadata_view import Group, Line, Row
from evidencekit.bundle.styles import Labels
from evidencekit.model import Item

if TYPE_CHECKING:  # numpy is loaded by an export, not by every bundle import
    from evidencekit.similar.copies import Copy, CopyMap

__all__ = ["copy_map", "similar_groups"]


def copy_map(items: Iterable[Item]) -> CopyMap:
    """The copies among every item of the vault (computed once per export)."""
    from evidencekit.similar.copies import find_copies

    return find_copies(items)


def similar_groups(item: Item, copies: list[Copy], labels: Labels) -> list[Group]:
    """A "Same picture elsewhere" group for the item's collection details (none when the
    item has no perceptual hash)."""
    from evidencekit.similar.parts import primary_hash

    entry = primary_hash(item)
    if entry is None:
        return []
    group = Group(labels("bundle.similar.group"))
    group.rows.append(Row(labels("bundle.similar.pdq"), [
        Line(entry.hashes[0], mono=True),
        Line(labels("bundle.similar.quality", quality=entry.quality))]))
    if copies:
        notes = [Line(labels("bundle.similar.note"))]
        if any(c.cropped for c in copies):
            notes.append(Line(labels("bundle.similar.cut_note")))
        group.rows.append(Row(labels("bundle.similar.copies"), [
            Line(labels("bundle.similar.copy_cut" if c.cropped else "bundle.similar.copy",
                        number=c.number, distance=c.distance))
            for c in copies] + notes))
    return [group]
