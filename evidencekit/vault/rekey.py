"""Taking keys back: :func:`rekey` (a new master key and a new recovery key, every blob,
record and event re-encrypted) and :func:`replace_recovery_key` (the recovery key alone).

Why: ``passwd`` only re-wraps the master key. Whoever once copied ``vault.json`` (an
abusive partner, an old backup) and knows the old passphrase — or holds the recovery key —
still unwraps the same master key and can read everything added later. After ``rekey``
nothing in the vault is encrypted under the old master key any more.

Crash safety (a kill at any moment leaves the old or the new vault complete, never a
mix). The new vault is built beside the old one, which is never written:

1. ``.rekey/`` is created; the names of the new blobs are appended to ``.rekey/new-blobs``
   (and fsynced) *before* each is written into ``blobs/`` under a fresh random name, so
   old and new blobs never share a file.
2. The new index is built in ``.rekey/index.sqlite`` (records, events and meta re-sealed
   under the new sub-keys; a ``vault_rekeyed`` custody event appended and the head
   re-signed), the new header in ``.rekey/vault.json``; the old blob names go to
   ``.rekey/old-blobs``. Everything is fsynced.
3. **Commit point**: ``.rekey/COMMITTED`` is written atomically.
4. Roll forward: the old index's ``-wal``/``-shm`` are removed, ``.rekey/index.sqlite``
   and ``.rekey/vault.json`` are renamed over the old ones, the old blobs are deleted,
   ``.rekey/`` is removed.

:func:`recover` runs before any open: without ``COMMITTED`` it deletes the new blobs and
``.rekey/`` (the old vault is intact); with it, it finishes step 4 (each step is
idempotent). Every opening goes through it, so no open ever sees a mix.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidencekit.errors import InputError, IntegrityError
from evidencekit.model import Progress
from evidencekit.vault import custody, keys
from evidencekit.vault.atomic import fsync_dir, storage_error, write_atomic
from evidencekit.vault.blobs import BlobError, BlobStore
from evidencekit.vault.header import HEADER_NAME, Header, wrap_ad
from evidencekit.vault.index import INDEX_NAME, Index, event_ad, item_ad, meta_ad
from evidencekit.vault.items import record_digest
from evidencekit.vault.records import item_from_record, item_to_record
from evidencekit.vault.sealing import Sealer, SealError

if TYPE_CHECKING:
    from evidencekit.vault.store import Vault

__all__ = ["STAGING", "RESEAL_META", "rekey", "recover", "replace_recovery_key"]

log = logging.getLogger(__name__)

STAGING = ".rekey"
_COMMIT = "COMMITTED"
_NEW_BLOBS = "new-blobs"
_OLD_BLOBS = "old-blobs"

#: Sealed meta records and the sub-key label each is sealed with. A module that stores a
#: new sealed meta record adds one line here, so that rekey re-seals it too (an unknown
#: meta key makes rekey refuse rather than drop it).
RESEAL_META: dict[str, str] = {
    "identity": "identity",
    "settings": "settings",
}
#: Meta keys rekey writes itself.
_OWN_META = {"header", "header_mac", "log_head", "pending_blobs"}


class _Plaintext:
    """A read-only file over a blob's decrypted chunks (for ``BlobStore.write``)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = memoryview(b"")

    def readinto(self, target: Any) -> int:
        if not self._buf:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buf = memoryview(chunk)
        n = min(len(target), len(self._buf))
        target[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def _append_line(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (line + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="ascii")
    except (FileNotFoundError, UnicodeDecodeError):
        return []
    return [ln.strip() for ln in text.splitlines() if len(ln.strip()) == 32]


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def recover(folder: Path, *, interrupted: bool = True) -> None:
    """Finish or undo an interrupted rekey (the caller holds the writer lock);
    ``interrupted=False`` when rekey itself rolls forward or back (logged quietly)."""
    staging = folder / STAGING
    if not staging.is_dir():
        return
    level = logging.WARNING if interrupted else logging.INFO
    store = BlobStore(folder / "blobs", b"\0" * 32)  # names only: no key needed
    try:
        if (staging / _COMMIT).exists():
            log.log(level, "finishing an interrupted key change")
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    (folder / f"{INDEX_NAME}{suffix}").unlink()
            if (staging / INDEX_NAME).exists():
                os.replace(staging / INDEX_NAME, folder / INDEX_NAME)
            if (staging / HEADER_NAME).exists():
                os.replace(staging / HEADER_NAME, folder / HEADER_NAME)
            fsync_dir(folder)
            for name in _lines(staging / _OLD_BLOBS):
                store.remove(name)
        else:
            log.log(level, "undoing an interrupted key change (the old keys stay)")
            for name in _lines(staging / _NEW_BLOBS):
                store.remove(name)
        shutil.rmtree(staging)
        fsync_dir(folder)
    except OSError as exc:
        raise storage_error(exc, staging) from exc


def _precheck(vault: Vault) -> list[str]:
    """Reasons not to rekey: re-encrypting damaged or rolled-back data under new keys would
    hide what ``check`` can still show. Blobs are verified while they are copied."""
    from evidencekit.vault.consistency import consistency_problems

    problems: list[str] = []
    if vault._index.quick_check():
        problems.append("index")
    records = []
    for seq, sealed in vault._index.event_rows():
        try:
            rec = vault._log.open_json(sealed, event_ad(seq))
            records.append(custody.ChainRecord(seq, rec["prev_hash"], rec["body_sha256"],
                                               rec["hash"], rec["body"]))
        except (SealError, KeyError, TypeError):
            return ["events"]
    if custody.verify_chain(records):
        problems.append("chain")
    head = vault.log_head()
    _key, cert = vault.identity()
    if not records or head["seq"] != records[-1].seq or head["hash"] != records[-1].hash or \
            not custody.verify_head(cert, vault.vault_id, head["seq"], head["hash"],
                                    base64.b64decode(head["signature"])):
        problems.append("head")
    events = vault.events()
    if consistency_problems(vault, events):
        problems.append("records")
    if vault.pending_blobs():
        problems.append("journal")
    unknown = set(vault._index.meta_keys()) - _OWN_META - set(RESEAL_META)
    if unknown:
        problems.append("meta " + ",".join(sorted(unknown)))
    referenced = {p.blob for i in vault.items(include_deleted=True) for p in i.parts}
    if vault.blobs.names() - referenced:
        problems.append("unreferenced blobs")
    return problems


def rekey(vault: Vault, new_passphrase: str, progress: Progress | None = None,
          cancel: threading.Event | None = None) -> str:
    """Re-encrypt the whole vault under a new master key; return the new recovery key
    (formatted, to show once). The vault object is closed afterwards (reopen it).

    Refused (IntegrityError ``hardening.rekey.damaged``) when ``check`` would find
    damage, and while the header has a problem.
    """
    vault._require_writer()
    vault._refuse_header_problem()
    if len(new_passphrase) < keys.MIN_PASSPHRASE_LENGTH:
        raise InputError("error.passphrase_short", minimum=keys.MIN_PASSPHRASE_LENGTH)
    problems = _precheck(vault)
    if problems:
        log.warning("rekey refused: %s", "; ".join(problems))
        raise IntegrityError("hardening.rekey.damaged")
    folder = vault.folder
    staging = folder / STAGING
    recover(folder)
    try:
        staging.mkdir(mode=0o700)
    except OSError as exc:
        raise storage_error(exc, staging) from exc

    old = vault.header
    kdf = keys.KdfParams(salt=os.urandom(16), memory_kib=old.kdf.memory_kib,
                         iterations=old.kdf.iterations, lanes=old.kdf.lanes)
    master = keys.new_master_key()
    recovery = keys.new_recovery_secret()
    header = Header(vault_id=old.vault_id, created_at=old.created_at, kdf=kdf)
    header.wrapped["passphrase"] = keys.wrap(
        keys.derive_passphrase_key(new_passphrase, kdf), master,
        wrap_ad(old.vault_id, "passphrase", kdf))
    rsalt = os.urandom(16)
    header.wrapped["recovery"] = {
        **keys.wrap(keys.derive_recovery_key(recovery, rsalt), master,
                    wrap_ad(old.vault_id, "recovery", None)),
        "salt": base64.b64encode(rsalt).decode("ascii"),
    }
    raw = header.to_bytes()
    try:
        _build(vault, header, master, raw, staging, progress, cancel)
    except BaseException:
        with contextlib.suppress(Exception):
            # not committed: the new blobs and .rekey/ go, the old vault stays
            recover(folder, interrupted=False)
        raise
    vault._index.close()
    recover(folder, interrupted=False)
    vault.close()
    log.info("vault re-keyed")
    return keys.format_recovery_key(recovery)


def _build(vault: Vault, header: Header, master: bytes, raw: bytes, staging: Path,
           progress: Progress | None, cancel: threading.Event | None) -> None:
    """Steps 1–3 of the module docstring: the new vault in ``.rekey/``, then the commit."""
    from evidencekit.vault.store import Vault

    index = Index(staging / INDEX_NAME, create=True)
    new = Vault(vault.folder, header, master, index, None)
    try:
        _copy_everything(vault, new, staging, progress, cancel)
        with index.transaction():
            new._store_header_copy(raw)
        index.checkpoint()
    finally:
        index.close()
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            (staging / f"{INDEX_NAME}{suffix}").unlink()
    try:
        _fsync_file(staging / INDEX_NAME)
        write_atomic(staging / HEADER_NAME, raw)
        fsync_dir(vault.folder / "blobs")
        write_atomic(staging / _COMMIT, b"committed\n")  # the commit point
    except OSError as exc:
        raise storage_error(exc, staging) from exc


def _copy_everything(old: Vault, new: Vault, staging: Path, progress: Progress | None,
                     cancel: threading.Event | None) -> None:
    index = new._index
    rows = old._index.item_rows()
    total = 0
    items = []
    for item_id, number, state, sealed in rows:
        try:
            item = item_from_record(item_id, number, state,
                                    old._meta.open_json(sealed, item_ad(item_id, number, state)))
        except (SealError, KeyError, TypeError, ValueError) as exc:
            raise IntegrityError("hardening.rekey.damaged") from exc
        items.append(item)
        total += sum(p.size for p in item.parts)
    _append_line(staging / _OLD_BLOBS, "#")  # present even for an empty vault
    for name in sorted(old.blobs.names()):
        _append_line(staging / _OLD_BLOBS, name)
    done = 0
    digests: dict[str, str] = {}
    for item in items:
        parts = []
        for part in item.parts:
            name = BlobStore.new_name()
            _append_line(staging / _NEW_BLOBS, name)
            base = done

            def sub(n: int, _t: int, key: str, base: int = base) -> None:
                if progress is not None:
                    progress(base + n, total, "hardening.progress.rekey")

            # Every chunk is authenticated by its AES-GCM tag under a key bound to the blob
            # name (with the chunk index and last-chunk flag): the bytes are the ones
            # written, so the SHA-256 (slower here than everything else together) is not
            # recomputed; the size is checked, ``check`` re-hashes everything.
            try:
                info = new.blobs.write(_Plaintext(old.blobs.iter_plaintext(part.blob)),  # type: ignore[arg-type]
                                       total=total, progress=sub, cancel=cancel, name=name,
                                       hashing=False)
            except BlobError as exc:
                raise IntegrityError("error.part_damaged", number=item.number, part=part.name,
                                     reason=exc.reason) from exc
            if info.size != part.size:
                raise IntegrityError("error.part_damaged", number=item.number, part=part.name,
                                     reason="size mismatch")
            done += info.size
            parts.append(type(part)(name=part.name, media_type=part.media_type,
                                    sha256=part.sha256, size=part.size, blob=name,
                                    timestamp=part.timestamp))
        item.parts = parts
        sealed = new._meta.seal_json(item_to_record(item),
                                     item_ad(item.id, item.number, item.state))
        with index.transaction():
            index.insert_item(item.id, item.number, item.state, sealed)
        digests[item.id] = record_digest(sealed)
    meta_digests: dict[str, str] = {}
    with index.transaction():
        for seq, sealed in old._index.event_rows():
            plain = old._log.open(sealed, event_ad(seq))
            index.insert_event(seq, new._log.seal(plain, event_ad(seq)))
        for key, label in RESEAL_META.items():
            sealed_meta = old._index.get_meta(key)
            if sealed_meta is None:
                continue
            plain = Sealer(keys.subkey(old._master, label)).open(sealed_meta, meta_ad(key))
            resealed = Sealer(keys.subkey(new._master, label)).seal(plain, meta_ad(key))
            index.set_meta(key, resealed)
            meta_digests[f"{key}_record_sha256"] = record_digest(resealed)
        new._clear_pending_blobs()
        new._append_event("vault_rekeyed", None, {
            "records": digests, **meta_digests, "parts": sum(len(i.parts) for i in items),
            "bytes": done})


def replace_recovery_key(vault: Vault) -> str:
    """A new recovery key (the old one stops opening this ``vault.json``); return it
    formatted, to show once. The master key stays: see docs/vault-format.md for what
    this does not protect against (an old copy of ``vault.json``; use :func:`rekey`)."""
    vault._require_writer()
    vault._refuse_header_problem()
    old = vault.header
    recovery = keys.new_recovery_secret()
    header = Header(vault_id=old.vault_id, created_at=old.created_at, kdf=old.kdf,
                    wrapped={"passphrase": dict(old.wrapped["passphrase"])})
    rsalt = os.urandom(16)
    header.wrapped["recovery"] = {
        **keys.wrap(keys.derive_recovery_key(recovery, rsalt), vault._master,
                    wrap_ad(old.vault_id, "recovery", None)),
        "salt": base64.b64encode(rsalt).decode("ascii"),
    }
    raw = header.to_bytes()
    with vault._mutex, vault._index.transaction():
        vault._store_header_copy(raw)
        vault._append_event("recovery_key_replaced", None, {})
    write_atomic(folder_header(vault), raw)
    vault._index.checkpoint()
    vault.header = header
    return keys.format_recovery_key(recovery)


def folder_header(vault: Vault) -> Path:
    return vault.folder / HEADER_NAME
