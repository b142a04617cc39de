"""Item operations of a :class:`~evidencekit.vault.Vault`: add (encrypt parts, then commit
row + custody event), edit notes/tags/title/metadata/timestamps, delete to a tombstone, and
read back with re-hashing. Mixed into ``Vault``; kept apart so each module stays small.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import secrets
import threading
from datetime import UTC
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evidencekit.errors import InputError, IntegrityError, NotFoundError, StorageError
from evidencekit.model import Event, Item, NewItem, Note, Part, PartInput, Progress, iso, now_utc
from evidencekit.vault.atomic import private_temp
from evidencekit.vault.blobs import BlobError, BlobInfo, BlobStore
from evidencekit.vault.index import Index, item_ad, meta_ad
from evidencekit.vault.records import item_from_record, item_to_record
from evidencekit.vault.sealing import Sealer, SealError

__all__ = ["VaultItems", "record_digest"]


def record_digest(sealed: bytes) -> str:
    """SHA-256 of a sealed record as stored; the custody event that wrote the record names
    it, so an older record put back into its row is detected."""
    return hashlib.sha256(sealed).hexdigest()

log = logging.getLogger(__name__)


def _local_time(utc: Any, zone: str) -> Any:
    try:
        return utc.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return utc.astimezone()


def _derived_metadata(new: NewItem) -> dict[str, Any]:
    """Perceptual hashes of the pictures being stored, made while their bytes are at
    hand (see :mod:`evidencekit.similar.parts`); never fails the capture."""
    if not any(p.media_type.startswith("image/") for p in new.parts):
        return {}  # no picture: do not load numpy and the hashing code at all
    from evidencekit.similar.parts import META_KEY, perceptual_metadata

    if META_KEY in new.metadata:
        return {}
    pdq = perceptual_metadata([p for p in new.parts if p.media_type.startswith("image/")])
    return {META_KEY: pdq} if pdq else {}


class VaultItems:
    """Item methods; the attributes below are set by ``Vault.__init__``."""

    _index: Index
    _meta: Sealer
    _mutex: threading.RLock
    blobs: BlobStore

    def _require_writer(self) -> None:
        raise NotImplementedError

    def _append_event(self, event: str, item: Item | None, details: dict[str, Any]) -> Event:
        raise NotImplementedError

    # -- items ---------------------------------------------------------------------------

    def _iter_items(self, include_deleted: bool, strict: bool = True) -> list[Item]:
        items: list[Item] = []
        for item_id, number, state, sealed in self._index.item_rows():
            if state == "deleted" and not include_deleted:
                continue
            try:
                rec = self._meta.open_json(sealed, item_ad(item_id, number, state))
                items.append(item_from_record(item_id, number, state, rec))
            except (SealError, KeyError, TypeError, ValueError) as exc:
                if strict:
                    raise IntegrityError("error.item_record_damaged", number=number) from exc
                log.warning("item %d: record cannot be read", number)
        return items

    def items(self, include_deleted: bool = False) -> list[Item]:
        """Every item in number order (deleted tombstones only when asked)."""
        return self._iter_items(include_deleted)

    def item(self, number: int) -> Item:
        row = self._index.item_row(number)
        if row is None:
            raise NotFoundError("error.no_such_item", number=number)
        item_id, num, state, sealed = row
        try:
            rec = self._meta.open_json(sealed, item_ad(item_id, num, state))
        except SealError as exc:
            raise IntegrityError("error.item_record_damaged", number=number) from exc
        return item_from_record(item_id, num, state, rec)

    def _write_parts(
        self, parts: list[PartInput], progress: Progress | None,
        cancel: threading.Event | None,
    ) -> list[tuple[PartInput, BlobInfo]]:
        """Encrypt the parts into new blobs. Their names are first written to the sealed
        pending-blob journal, so that a crash leaves only blobs the next writer open knows
        it may remove; the caller clears the journal in its commit transaction."""
        total = sum(p.path.stat().st_size if p.path is not None else len(p.data or b"")
                    for p in parts)
        names = [self.blobs.new_name() for _ in parts]
        self._set_pending_blobs(names)
        done_before = 0
        written: list[tuple[PartInput, BlobInfo]] = []

        def sub(done: int, _t: int, msg: str) -> None:
            if progress is not None:
                progress(done_before + done, total, msg)

        try:
            for part, name in zip(parts, names, strict=True):
                if part.path is not None:
                    try:
                        fh: BinaryIO = part.path.open("rb")
                    except OSError as exc:
                        raise InputError("error.cannot_read_file", path=str(part.path),
                                         reason=exc.strerror or "") from exc
                else:
                    fh = io.BytesIO(part.data or b"")
                with fh:
                    info = self.blobs.write(fh, total=total, progress=sub, cancel=cancel,
                                            name=name)
                written.append((part, info))
                done_before += info.size
        except BaseException:
            for _p, info in written:
                with contextlib.suppress(StorageError):
                    self.blobs.remove(info.name)
            raise
        return written

    def add_item(
        self, new: NewItem, progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> Item:
        """Store a captured item: encrypt its parts, then commit row + custody event.

        After a crash the item is either fully there or absent (orphan blobs are removed
        at the next writer open).
        """
        self._require_writer()
        if not new.parts and not new.pending:
            raise InputError("error.item_without_parts")
        written = self._write_parts(new.parts, progress, cancel)
        parts = [Part(name=p.name, media_type=p.media_type, sha256=i.sha256, size=i.size,
                      blob=i.name) for p, i in written]
        local = _local_time(new.captured_at, new.timezone)
        at = iso(now_utc())
        metadata = dict(new.metadata)
        metadata.update(_derived_metadata(new))
        item = Item(
            id=secrets.token_hex(16), number=0, kind=new.kind, title=new.title,
            source=new.source, captured_at=iso(local),
            captured_at_utc=iso(new.captured_at.astimezone(UTC)),
            timezone=new.timezone, metadata=metadata,
            notes=[Note(text=t, at=at) for t in new.notes if t.strip()],
            tags=list(dict.fromkeys(new.tags)), parts=parts,
            state="pending" if new.pending else "active",
        )
        try:
            with self._mutex, self._index.transaction():
                item.number = self._index.next_number()
                sealed = self._seal_item(item)
                self._index.insert_item(item.id, item.number, item.state, sealed)
                self._append_event(
                    "item_imported" if new.kind == "file" else "item_captured", item,
                    {"kind": item.kind, "sha256": item.sha256,
                     "parts": [{"name": p.name, "sha256": p.sha256, "size": p.size}
                               for p in parts],
                     "pending": new.pending, "record_sha256": record_digest(sealed)},
                )
                self._clear_pending_blobs()
        except BaseException:
            for _p, info in written:
                with contextlib.suppress(StorageError):
                    self.blobs.remove(info.name)
            raise
        log.info("item %d committed (%d part(s))", item.number, len(parts))
        return item

    def _seal_item(self, item: Item) -> bytes:
        return self._meta.seal_json(item_to_record(item), item_ad(item.id, item.number, item.state))

    def _update_item(self, item: Item, event: str, details: dict[str, Any],
                     new_state: str | None = None) -> Item:
        self._require_writer()
        with self._mutex, self._index.transaction():
            if new_state is not None:
                item.state = new_state
            sealed = self._seal_item(item)
            self._index.update_item(item.id, item.state, sealed)
            self._append_event(event, item, {**details, "record_sha256": record_digest(sealed)})
            self._clear_pending_blobs()
        return item

    def add_note(self, number: int, text: str) -> Item:
        if not text.strip():
            raise InputError("error.empty_note")
        item = self.item(number)
        self._live(item)
        note = Note(text=text, at=iso(now_utc()))
        item.notes.append(note)
        return self._update_item(item, "note_added", {"note_sha256": hashlib.sha256(
            text.encode("utf-8")).hexdigest(), "text": text})

    def set_tags(self, number: int, tags: list[str]) -> Item:
        item = self.item(number)
        self._live(item)
        item.tags = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
        return self._update_item(item, "tags_changed", {"tags": item.tags})

    def set_title(self, number: int, title: str) -> Item:
        item = self.item(number)
        self._live(item)
        old = item.title
        item.title = title
        return self._update_item(item, "title_changed", {"old": old, "new": title})

    def update_metadata(self, number: int, updates: dict[str, Any], event: str,
                        details: dict[str, Any] | None = None) -> Item:
        item = self.item(number)
        self._live(item)
        item.metadata.update(updates)
        return self._update_item(item, event, details or {})

    def set_part_timestamp(self, number: int, index: int, timestamp: dict[str, Any]) -> Item:
        item = self.item(number)
        self._live(item)
        part = item.parts[index]
        item.parts[index] = Part(name=part.name, media_type=part.media_type, sha256=part.sha256,
                                 size=part.size, blob=part.blob, timestamp=timestamp)
        return self._update_item(item, "timestamp_received", {
            "part": part.name, "sha256": part.sha256, "tsa": timestamp.get("tsa"),
            "time": timestamp.get("time"), "token_sha256": timestamp.get("token_sha256")})

    def complete_pending(self, number: int, parts: list[PartInput], metadata: dict[str, Any],
                         progress: Progress | None = None) -> Item:
        """Attach fetched parts to a link recorded offline."""
        self._require_writer()
        item = self.item(number)
        if item.state != "pending":
            raise InputError("error.not_pending", number=number)
        written = self._write_parts(parts, progress, None)
        item.parts = [Part(name=p.name, media_type=p.media_type, sha256=i.sha256, size=i.size,
                           blob=i.name) for p, i in written]
        item.metadata.update(metadata)
        try:
            return self._update_item(item, "link_fetched", {
                "sha256": item.sha256,
                "parts": [{"name": p.name, "sha256": p.sha256, "size": p.size}
                          for p in item.parts]}, new_state="active")
        except BaseException:
            for _p, info in written:
                with contextlib.suppress(StorageError):
                    self.blobs.remove(info.name)
            raise

    def delete_item(self, number: int, reason: str) -> Item:
        """Remove an item's blobs, keeping a logged tombstone with its hashes and reason."""
        if not reason.strip():
            raise InputError("error.reason_required")
        item = self.item(number)
        if item.state == "deleted":
            raise InputError("error.already_deleted", number=number)
        blobs = [p.blob for p in item.parts]
        tomb = {"sha256": item.sha256, "reason": reason, "at": iso(now_utc()),
                "parts": [{"name": p.name, "sha256": p.sha256, "size": p.size}
                          for p in item.parts]}
        gone = Item(id=item.id, number=item.number, kind=item.kind, title="", source="",
                    captured_at=item.captured_at, captured_at_utc=item.captured_at_utc,
                    timezone=item.timezone, metadata={}, notes=[], tags=[], parts=[],
                    state="deleted", deletion=tomb)
        self._require_writer()
        with self._mutex, self._index.transaction():
            sealed = self._seal_item(gone)
            self._index.update_item(gone.id, gone.state, sealed)
            self._append_event("item_deleted", gone, {"sha256": tomb["sha256"],
                                                      "reason": reason,
                                                      "parts": tomb["parts"],
                                                      "record_sha256": record_digest(sealed)})
            # the blobs are removed after the commit; until then the journal names them
            self._index.set_meta("pending_blobs", self._seal_pending(blobs))
        for name in blobs:
            self.blobs.remove(name)
        self._set_pending_blobs([])
        return gone

    # -- the pending-blob journal ---------------------------------------------------------

    def _seal_pending(self, names: list[str]) -> bytes:
        return self._meta.seal_json({"blobs": names}, meta_ad("pending_blobs"))

    def _set_pending_blobs(self, names: list[str]) -> None:
        with self._mutex, self._index.transaction():
            self._index.set_meta("pending_blobs", self._seal_pending(names))

    def _clear_pending_blobs(self) -> None:
        """Inside the caller's transaction: the blobs written are now committed."""
        self._index.set_meta("pending_blobs", self._seal_pending([]))

    def pending_blobs(self) -> list[str]:
        """Blob names of a write or delete that may not have finished (crash leftovers)."""
        sealed = self._index.get_meta("pending_blobs")
        if sealed is None:
            return []
        try:
            data = self._meta.open_json(sealed, meta_ad("pending_blobs"))
            return [str(n) for n in data.get("blobs", [])]
        except (SealError, AttributeError, TypeError) as exc:
            raise IntegrityError("error.journal_damaged") from exc

    @staticmethod
    def _live(item: Item) -> None:
        if item.state == "deleted":
            raise InputError("error.already_deleted", number=item.number)

    # -- reading -------------------------------------------------------------------------

    def read_part(self, item: Item, index: int, out: BinaryIO,
                  progress: Progress | None = None) -> None:
        """Stream a part's original bytes to ``out``, re-hashing them; IntegrityError on any
        mismatch (then the bytes written must be discarded)."""
        if not 0 <= index < len(item.parts):
            raise NotFoundError("error.no_such_part", number=item.number, part=index + 1)
        part = item.parts[index]
        try:
            info = self.blobs.read(part.blob, out, total=part.size, progress=progress)
        except BlobError as exc:
            raise IntegrityError("error.part_damaged", number=item.number, part=part.name,
                                 reason=exc.reason) from exc
        if info.sha256 != part.sha256 or info.size != part.size:
            raise IntegrityError("error.part_damaged", number=item.number, part=part.name,
                                 reason="SHA-256 mismatch")

    def read_part_bytes(self, item: Item, index: int = 0) -> bytes:
        """A part in memory (for previews and small parts only; never written to disk)."""
        buf = io.BytesIO()
        self.read_part(item, index, buf)
        return buf.getvalue()

    def extract(self, number: int, out_path: Path, part: int = 0,
                progress: Progress | None = None) -> Path:
        """Write a verified copy of a part to ``out_path`` (mode 0600, atomically; never a
        bad copy, and nothing left behind by a failure or a kill: see ``private_temp``)."""
        item = self.item(number)
        if item.state == "deleted":
            raise InputError("error.already_deleted", number=number)
        out_path = Path(out_path)
        with private_temp(out_path) as tmp, tmp.open("r+b") as fh:
            self.read_part(item, part, fh, progress)
        return out_path

