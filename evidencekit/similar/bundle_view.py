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

__all__ = ["copy_map", "similar_groups", "MAX_LISTED"]

#: Copies named with their distance on an item page; the others by number (at most
#: MAX_NUMBERS of them, then "…"; the manifest's hashes let anyone find them all).
MAX_LISTED = 10
MAX_NUMBERS = 120


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
        # The nearest copies with their distances, the rest by number only: a picture
        # re-uploaded hundreds of times must not make one table cell taller than a page.
        listed = sorted(copies, key=lambda c: (c.distance, c.number))
        lines = [Line(labels("bundle.similar.copy_cut" if c.cropped else "bundle.similar.copy",
                             number=c.number, distance=c.distance))
                 for c in listed[:MAX_LISTED]]
        rest = sorted(c.number for c in listed[MAX_LISTED:])
        if rest:
            shown = ", ".join(f"#{n}" for n in rest[:MAX_NUMBERS])
            if len(rest) > MAX_NUMBERS:
                shown += " …"
            lines.append(Line(labels("bundle.similar.more", count=len(rest), numbers=shown)))
        group.rows.append(Row(labels("bundle.similar.copies"), lines + notes))
    return [group]
