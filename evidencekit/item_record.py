"""The item record bound to the custody chain: what of an item a recipient can recompute.

Every custody event that writes an item's record (capture, import, note, tags, title,
metadata, timestamp, link fetch) carries ``item_record_sha256``: the SHA-256 of
:func:`canonical_json` of :func:`bound_record`, built from the item exactly as its entry
appears in a bundle's ``manifest.json``. A recipient recomputes it from the manifest with a
few lines of code (see ``docs/bundle-format.md``, "Item records and the custody chain") and
compares it with the newest such event of the item, which the signed chain holds. The older
``record_sha256`` of the same events names the *encrypted* record and serves the vault only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from evidencekit.model import canonical_json

__all__ = ["BOUND_FIELDS", "PART_FIELDS", "EVENT_FIELD", "bound_record", "bound_record_sha256"]

#: The item fields bound, as named in ``manifest.json`` (and ``Item.public()``).
BOUND_FIELDS = ("id", "number", "kind", "title", "source", "captured_at", "captured_at_utc",
                "timezone", "metadata", "notes_detail", "tags")
#: The fields of each part bound (the bundle adds file names and locations; not bound).
PART_FIELDS = ("name", "media_type", "sha256", "size")
#: The custody event field holding the digest.
EVENT_FIELD = "item_record_sha256"
_FORMAT = "evidencekit-item-record-v1"


def bound_record(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The bound record of a manifest item entry (or ``Item.public()``): the
    :data:`BOUND_FIELDS`, the parts reduced to :data:`PART_FIELDS`, and a format tag."""
    parts = entry.get("parts")
    record: dict[str, Any] = {"format": _FORMAT}
    for key in BOUND_FIELDS:
        record[key] = entry.get(key)
    record["parts"] = [
        {k: p.get(k) for k in PART_FIELDS} if isinstance(p, Mapping) else p
        for p in (parts if isinstance(parts, list) else [])
    ]
    return record


def bound_record_sha256(entry: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical JSON of :func:`bound_record`."""
    return hashlib.sha256(canonical_json(bound_record(entry))).hexdigest()
