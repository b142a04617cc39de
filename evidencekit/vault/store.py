"""The :class:`Vault`: create, open, add items, read them back verified, keep the custody
log. Format details are in docs/vault-format.md; this module follows it.

A vault opened for writing holds the writer lock until :meth:`Vault.close`. Readers (list,
show, extract) need no lock. Every method that changes the vault appends a custody event
in the same SQLite transaction as the change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from evidencekit.errors import (
    InputError,
    IntegrityError,
    VaultFormatError,
)
from evidencekit.model import Event, Item, iso, now_utc
from evidencekit.vault import custody, keys
from evidencekit.vault.atomic import storage_error, write_atomic
from evidencekit.vault.blobs import BlobStore
from evidencekit.vault.header import HEADER_NAME, Header, wrap_ad
from evidencekit.vault.header_truth import resolve_header
from evidencekit.vault.identity import fingerprint, key_from_pem, key_to_pem, new_identity
from evidencekit.vault.index import INDEX_NAME, Index, event_ad, meta_ad
from evidencekit.vault.items import VaultItems, record_digest
from evidencekit.vault.locking import LOCK_NAME, WriterLock
from evidencekit.vault.sealing import Sealer, SealError

__all__ = ["Vault"]

log = logging.getLogger(__name__)


class Vault(VaultItems):
    """An open vault. Use :meth:`create` or :meth:`open`; close with :meth:`close`."""

    def __init__(
        self, folder: Path, header: Header, master: bytes, index: Index,
        lock: WriterLock | None, header_problem: str | None = None,
    ) -> None:
        self.folder = folder
        self.header = header
        self._index = index
        self._lock = lock
        self._mutex = threading.RLock()
        self.header_problem = header_problem
        self.header_problems: list[tuple[str, dict[str, object]]] = (
            [(header_problem, {})] if header_problem else [])
        self._header_repair: tuple[str, bytes] | None = None
        self._meta = Sealer(keys.subkey(master, "metadata"))
        self._log = Sealer(keys.subkey(master, "log"))
        self._ident = Sealer(keys.subkey(master, "identity"))
        self._settings = Sealer(keys.subkey(master, "settings"))
        self._header_key = keys.subkey(master, "header")
        self._master = master
        self.blobs = BlobStore(folder / "blobs", keys.subkey(master, "blob"))
        self._identity: tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None = None
        self._chain: tuple[x509.Certificate, ...] = ()

    # -- life cycle ----------------------------------------------------------------------

    @classmethod
    def create(cls, folder: Path | str, passphrase: str, holder: str) -> tuple[Vault, str]:
        """Create a vault; return it (open for writing) and the recovery key to show once."""
        folder = Path(folder)
        if len(passphrase) < keys.MIN_PASSPHRASE_LENGTH:
            raise InputError("error.passphrase_short", minimum=keys.MIN_PASSPHRASE_LENGTH)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise InputError("error.folder_not_empty", path=str(folder))
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            (folder / "blobs").mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise storage_error(exc, folder) from exc
        lock = WriterLock(folder)
        lock.acquire()
        try:
            vault_id = secrets.token_hex(16)
            kdf = keys.KdfParams.new()
            master = keys.new_master_key()
            recovery = keys.new_recovery_secret()
            header = Header(vault_id=vault_id, created_at=iso(now_utc()), kdf=kdf)
            header.wrapped["passphrase"] = keys.wrap(
                keys.derive_passphrase_key(passphrase, kdf), master,
                wrap_ad(vault_id, "passphrase", kdf),
            )
            rsalt = os.urandom(16)
            header.wrapped["recovery"] = {
                **keys.wrap(keys.derive_recovery_key(recovery, rsalt), master,
                            wrap_ad(vault_id, "recovery", None)),
                "salt": base64.b64encode(rsalt).decode("ascii"),
            }
            raw = header.to_bytes()
            index = Index(folder / INDEX_NAME, create=True)
            vault = cls(folder, header, master, index, lock)
            key, cert = new_identity(holder, vault_id)
            with index.transaction():
                vault._store_header_copy(raw)
                index.set_meta(
                    "identity",
                    vault._ident.seal_json(
                        {"key": key_to_pem(key).decode(), "cert": cert.public_bytes(
                            serialization.Encoding.PEM).decode()},
                        meta_ad("identity"),
                    ),
                )
                settings = vault._settings.seal_json({}, meta_ad("settings"))
                index.set_meta("settings", settings)
                vault._identity = (key, cert)
                vault._append_event("vault_created", None, {
                    "holder": holder, "certificate_sha256": fingerprint(cert),
                    "identity_record_sha256": record_digest(index.get_meta("identity") or b""),
                    "settings_record_sha256": record_digest(settings)})
            write_atomic(folder / HEADER_NAME, raw)
        except BaseException:
            lock.release()
            raise
        log.info("vault created")
        return vault, keys.format_recovery_key(recovery)

    @classmethod
    def open(
        cls, folder: Path | str, *, passphrase: str | None = None,
        recovery_key: str | None = None, writable: bool = True,
        collect_garbage: bool = True,
    ) -> Vault:
        """Open a vault with the passphrase or the recovery key.

        Raises WrongSecretError (exit 4), VaultFormatError, VaultLockedError or
        IntegrityError. A damaged ``vault.json`` that the index's copy can stand in for is
        reported in :attr:`header_problem` (and by :func:`check`), not raised.
        """
        folder = Path(folder)
        if passphrase is None and recovery_key is None:
            raise InputError("error.no_secret")
        header_path = folder / HEADER_NAME
        if not (folder / INDEX_NAME).exists():
            if header_path.exists():
                raise IntegrityError("error.index_missing")
            raise VaultFormatError("error.not_a_vault", path=str(folder))
        lock = WriterLock(folder) if writable else None
        if lock is not None:
            lock.acquire()
        try:
            index = Index(folder / INDEX_NAME, read_only=not writable)
            try:
                vault = cls._unlock(folder, index, lock, passphrase, recovery_key)
            except BaseException:
                index.close()
                raise
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        if lock is not None and collect_garbage:
            vault._collect_garbage()
        return vault

    @classmethod
    def _unlock(
        cls, folder: Path, index: Index, lock: WriterLock | None,
        passphrase: str | None, recovery_key: str | None,
    ) -> Vault:
        try:
            raw = (folder / HEADER_NAME).read_bytes()
        except FileNotFoundError:
            raw = b""
        except OSError as exc:
            raise storage_error(exc, folder / HEADER_NAME) from exc
        found = resolve_header(raw, index, passphrase, recovery_key)
        vault = cls(folder, found.header, found.master, index, lock)
        vault.header_problems = found.problems
        vault.header_problem = found.problems[0][0] if found.problems else None
        vault._header_repair = found.repair
        for key, _params in found.problems:
            log.warning("vault header problem: %s", key)
        return vault

    def repair_header(self) -> str | None:
        """Make ``vault.json`` and its protected copy agree again, from the authentic one
        (see :mod:`evidencekit.vault.header_truth`); log it in the custody chain. Returns
        what was rewritten (``"file"``: vault.json, ``"copy"``: the protected copy) or None
        when there was nothing to do."""
        self._require_writer()
        if self._header_repair is None:
            return None
        target, data = self._header_repair
        problems = list(self.header_problems)
        with self._mutex:
            if target == "copy":
                with self._index.transaction():
                    self._store_header_copy(data)
                    self._append_event("header_repaired", None, {
                        "restored": "protected_copy", "problems": [k for k, _ in problems]})
            else:
                with self._index.transaction():
                    self._append_event("header_repaired", None, {
                        "restored": "vault.json", "problems": [k for k, _ in problems]})
                write_atomic(self.folder / HEADER_NAME, data)
        self.header_problems = []
        self.header_problem = None
        self._header_repair = None
        log.info("vault header repaired (%s)", target)
        return target

    def close(self) -> None:
        with self._mutex:
            self._index.close()
            if self._lock is not None:
                self._lock.release()
                self._lock = None
            self._master = b""
            self._identity = None

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def writable(self) -> bool:
        return self._lock is not None

    def _require_writer(self) -> None:
        if self._lock is None:
            raise InputError("error.read_only")

    def _store_header_copy(self, raw: bytes) -> None:
        self._index.set_meta("header", raw)
        self._index.set_meta("header_mac", hmac.new(self._header_key, raw, hashlib.sha256).digest())

    def _collect_garbage(self) -> None:
        """Remove what an interrupted write or delete left behind: temp files, and blobs
        named in the sealed pending-blob journal that no item refers to.

        Nothing else is ever deleted: a blob no item refers to and the journal does not
        name is a sign of tampering (rows rolled back), reported by ``check``. And even
        journal blobs are removed only when the vault is consistent (see
        :func:`evidencekit.vault.consistency.consistency_problems`).
        """
        from evidencekit.vault.consistency import consistency_problems

        removed = self.blobs.remove_temp_files()
        try:
            pending = self.pending_blobs()
        except IntegrityError:
            log.warning("pending-blob journal unreadable: nothing removed")
            return
        if pending:
            if consistency_problems(self):
                log.warning("vault inconsistent: leftover blobs are kept for the check")
                return
            referenced = {p.blob for i in self.items(include_deleted=True) for p in i.parts}
            present = self.blobs.names()
            for name in pending:
                if name not in referenced and name in present:
                    self.blobs.remove(name)
                    removed += 1
            self._set_pending_blobs([])
        if removed:
            log.info("removed %d leftover file(s) from an interrupted write", removed)

    # -- identity, settings --------------------------------------------------------------

    @property
    def vault_id(self) -> str:
        return self.header.vault_id

    def identity(self) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        if self._identity is None:
            sealed = self._index.get_meta("identity")
            if sealed is None:
                raise IntegrityError("error.identity_damaged")
            try:
                d = self._ident.open_json(sealed, meta_ad("identity"))
                key = key_from_pem(d["key"].encode())
                cert = x509.load_pem_x509_certificate(d["cert"].encode())
                chain = tuple(x509.load_pem_x509_certificate(c.encode())
                              for c in d.get("chain") or [])
            except (SealError, KeyError, ValueError, TypeError, AttributeError) as exc:
                raise IntegrityError("error.identity_damaged") from exc
            self._identity, self._chain = (key, cert), chain
        return self._identity

    def identity_chain(self) -> tuple[x509.Certificate, ...]:
        """The certificates that issued the identity's (nearest first); empty when it is
        self-signed. Bundles carry them in the signature so a recipient's trusted root
        reaches the signer."""
        self.identity()
        return self._chain

    def replace_identity(self, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate,
                         chain: tuple[x509.Certificate, ...], *, how: str) -> Event:
        """Store a new signing identity (checked by :mod:`evidencekit.vault.identity_import`)
        and append an ``identity_changed`` event naming the old and new certificates; the
        log head is signed with the new key from this event on."""
        from evidencekit.vault.identity_import import same_public_key

        self._require_writer()
        if not same_public_key(cert, key):
            raise InputError("identity.key_mismatch")
        pem = serialization.Encoding.PEM
        with self._mutex:
            old = self.identity()[1]
            sealed = self._ident.seal_json(
                {"key": key_to_pem(key).decode(), "cert": cert.public_bytes(pem).decode(),
                 "chain": [c.public_bytes(pem).decode() for c in chain]},
                meta_ad("identity"))
            try:
                with self._index.transaction():
                    self._index.set_meta("identity", sealed)
                    self._identity, self._chain = (key, cert), chain
                    return self._append_event("identity_changed", None, {
                        "how": how, "previous_certificate_sha256": fingerprint(old),
                        "certificate_sha256": fingerprint(cert),
                        "subject": cert.subject.rfc4514_string(),
                        "issuer": cert.issuer.rfc4514_string(),
                        "chain_sha256": [fingerprint(c) for c in chain],
                        "record_sha256": record_digest(sealed)})
            except BaseException:
                self._identity, self._chain = None, ()
                raise

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.identity()[1])

    @property
    def holder(self) -> str:
        from cryptography.x509.oid import NameOID

        attrs = self.identity()[1].subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(attrs[0].value) if attrs else ""

    def settings(self) -> dict[str, Any]:
        sealed = self._index.get_meta("settings")
        if sealed is None:
            return {}
        try:
            data = self._settings.open_json(sealed, meta_ad("settings"))
        except SealError as exc:
            raise IntegrityError("error.settings_damaged") from exc
        return data if isinstance(data, dict) else {}

    def get_setting(self, key: str, default: Any = None) -> Any:
        return self.settings().get(key, default)

    def set_setting(self, key: str, value: Any) -> None:
        self._require_writer()
        with self._mutex, self._index.transaction():
            current = self.settings()
            current[key] = value
            sealed = self._settings.seal_json(current, meta_ad("settings"))
            self._index.set_meta("settings", sealed)
            self._append_event("setting_changed", None, {"setting": key,
                                                         "record_sha256": record_digest(sealed)})

    # -- custody log ---------------------------------------------------------------------

    def _append_event(self, event: str, item: Item | None, details: dict[str, Any]) -> Event:
        """Append inside the caller's transaction and re-sign the head."""
        last = self._index.last_event_row()
        if last is None:
            seq, prev = 1, custody.GENESIS
        else:
            prev_rec = self._log.open_json(last[1], event_ad(last[0]))
            seq, prev = last[0] + 1, str(prev_rec["hash"])
        body: dict[str, Any] = {"event": event, "at": iso(now_utc()), **details}
        if item is not None:
            body.setdefault("item_id", item.id)
            body.setdefault("item_number", item.number)
        digest = custody.body_digest(body)
        h = custody.chain_hash(seq, prev, digest)
        record = {"prev_hash": prev, "body_sha256": digest, "hash": h, "body": body}
        self._index.insert_event(seq, self._log.seal_json(record, event_ad(seq)))
        key, _cert = self.identity()
        sig = custody.sign_head(key, self.vault_id, seq, h)
        head = {"seq": seq, "hash": h, "signature": base64.b64encode(sig).decode("ascii")}
        self._index.set_meta("log_head", json.dumps(head, sort_keys=True).encode())
        return Event(seq=seq, prev_hash=prev, hash=h, body=body)

    def log_event(self, event: str, item: Item | None = None, **details: Any) -> Event:
        """Append a custody event (exported, timestamp received, link rechecked, …)."""
        self._require_writer()
        with self._mutex, self._index.transaction():
            return self._append_event(event, item, details)

    def events(self) -> list[Event]:
        """All events, decrypted. Raises IntegrityError naming the first unreadable one."""
        out: list[Event] = []
        for seq, sealed in self._index.event_rows():
            try:
                rec = self._log.open_json(sealed, event_ad(seq))
                out.append(Event(seq=seq, prev_hash=rec["prev_hash"], hash=rec["hash"],
                                 body=rec["body"]))
            except (SealError, KeyError, TypeError) as exc:
                raise IntegrityError("error.event_damaged", seq=seq) from exc
        return out

    def log_head(self) -> dict[str, Any]:
        raw = self._index.get_meta("log_head")
        if raw is None:
            raise IntegrityError("error.log_head_missing")
        try:
            head = json.loads(raw)
            return {"seq": int(head["seq"]), "hash": str(head["hash"]),
                    "signature": str(head["signature"])}
        except (ValueError, KeyError, TypeError) as exc:
            raise IntegrityError("error.log_head_missing") from exc

    # -- secrets -------------------------------------------------------------------------

    def change_passphrase(self, new_passphrase: str) -> None:
        """Re-wrap the master key under a new passphrase (nothing else is re-encrypted).

        Refused while the header has a problem: the wraps written must come from the
        authentic header, so the header is repaired first (:meth:`repair_header`)."""
        self._require_writer()
        self._refuse_header_problem()
        if len(new_passphrase) < keys.MIN_PASSPHRASE_LENGTH:
            raise InputError("error.passphrase_short", minimum=keys.MIN_PASSPHRASE_LENGTH)
        old = self.header
        kdf = keys.KdfParams(salt=os.urandom(16), memory_kib=old.kdf.memory_kib,
                             iterations=old.kdf.iterations, lanes=old.kdf.lanes)
        master = self._master
        # The recovery wrap has its own salt and does not depend on the passphrase KDF.
        header = Header(vault_id=old.vault_id, created_at=old.created_at, kdf=kdf)
        header.wrapped["passphrase"] = keys.wrap(
            keys.derive_passphrase_key(new_passphrase, kdf), master,
            wrap_ad(old.vault_id, "passphrase", kdf))
        header.wrapped["recovery"] = dict(old.wrapped["recovery"])
        raw = header.to_bytes()
        with self._mutex, self._index.transaction():
            self._store_header_copy(raw)
            self._append_event("passphrase_changed", None, {})
        write_atomic(self.folder / HEADER_NAME, raw)
        # Move the new header into the main database file now, so that the old wrapped key
        # does not linger in the write-ahead log (secure_delete zeroes the old page).
        self._index.checkpoint()
        self.header = header
        self.header_problem = None

    def _refuse_header_problem(self) -> None:
        if self.header_problems:
            raise IntegrityError("hardening.header.repair_first")

    def lock_path(self) -> Path:
        return self.folder / LOCK_NAME
