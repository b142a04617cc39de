"""The vault index: a SQLite database (WAL) whose evidence-bearing columns are all sealed.

Tables::

    meta   (key TEXT PRIMARY KEY, value BLOB)        header copy + MAC, sealed identity,
                                                     sealed settings, signed log head
    items  (id TEXT PRIMARY KEY, number INTEGER UNIQUE, state TEXT, record BLOB)
    events (seq INTEGER PRIMARY KEY, record BLOB)

``record`` columns are AEAD ciphertexts (see :mod:`evidencekit.vault.sealing`) whose
associated data names the row (item id, number and state; event seq), so a record moved to
another row, or a row whose plain columns were edited, fails authentication.

Writes happen in explicit ``BEGIN IMMEDIATE`` transactions: an item, its custody event and
the new signed log head commit together or not at all.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evidencekit.errors import IntegrityError, StorageError

__all__ = ["Index", "INDEX_NAME", "item_ad", "event_ad", "meta_ad"]

INDEX_NAME = "index.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    state TEXT NOT NULL,
    record BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, record BLOB NOT NULL);
"""


def item_ad(item_id: str, number: int, state: str) -> bytes:
    return f"evidencekit/v1/item|{item_id}|{number}|{state}".encode()


def event_ad(seq: int) -> bytes:
    return f"evidencekit/v1/event|{seq}".encode()


def meta_ad(key: str) -> bytes:
    return f"evidencekit/v1/meta|{key}".encode()


def _translate(exc: sqlite3.Error, path: Path) -> Exception:
    text = str(exc).lower()
    if "disk is full" in text or "database or disk is full" in text:
        return StorageError("error.disk_full", path=str(path))
    if "readonly" in text or "read-only" in text:
        return StorageError("error.not_writable", path=str(path))
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return IntegrityError("error.index_damaged", reason=str(exc))
    return StorageError("error.storage", path=str(path), reason=str(exc))


class Index:
    """Thin, thread-safe access to the index database."""

    def __init__(self, path: Path, *, create: bool = False, read_only: bool = False) -> None:
        self.path = path
        if not create and not path.exists():
            raise IntegrityError("error.index_missing")
        self._lock = threading.RLock()
        try:
            if read_only and not os.access(path.parent, os.W_OK):
                # A write-protected stick: SQLite cannot create its -shm file there, so
                # open the file as immutable (nothing can change it while we read).
                uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
                self._db = sqlite3.connect(uri, uri=True, isolation_level=None,
                                           check_same_thread=False, timeout=10.0)
                self._db.execute("SELECT count(*) FROM items").fetchone()
                return
            self._db = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=10.0
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA secure_delete=ON")
            if create:
                self._db.executescript(_SCHEMA)
                with contextlib.suppress(OSError):
                    path.chmod(0o600)
            else:
                self._db.execute("SELECT count(*) FROM items").fetchone()
        except sqlite3.Error as exc:
            raise _translate(exc, path) from exc

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back on any exception."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc
            try:
                yield
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise _translate(exc, self.path) from exc
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise

    def _query(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return list(self._db.execute(sql, args).fetchall())
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc

    def _exec(self, sql: str, args: tuple[object, ...] = ()) -> None:
        with self._lock:
            try:
                self._db.execute(sql, args)
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc

    # meta
    def get_meta(self, key: str) -> bytes | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return bytes(rows[0][0]) if rows else None

    def meta_keys(self) -> list[str]:
        return [str(r[0]) for r in self._query("SELECT key FROM meta ORDER BY key")]

    def set_meta(self, key: str, value: bytes) -> None:
        self._exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # items
    def item_rows(self) -> list[tuple[str, int, str, bytes]]:
        rows = self._query("SELECT id, number, state, record FROM items ORDER BY number")
        return [(str(r[0]), int(r[1]), str(r[2]), bytes(r[3])) for r in rows]

    def item_row(self, number: int) -> tuple[str, int, str, bytes] | None:
        rows = self._query(
            "SELECT id, number, state, record FROM items WHERE number = ?", (number,)
        )
        if not rows:
            return None
        r = rows[0]
        return (str(r[0]), int(r[1]), str(r[2]), bytes(r[3]))

    def next_number(self) -> int:
        rows = self._query("SELECT COALESCE(MAX(number), 0) + 1 FROM items")
        return int(rows[0][0])

    def insert_item(self, item_id: str, number: int, state: str, record: bytes) -> None:
        self._exec(
            "INSERT INTO items (id, number, state, record) VALUES (?, ?, ?, ?)",
            (item_id, number, state, record),
        )

    def update_item(self, item_id: str, state: str, record: bytes) -> None:
        self._exec("UPDATE items SET state = ?, record = ? WHERE id = ?", (state, record, item_id))

    # events
    def event_rows(self) -> list[tuple[int, bytes]]:
        rows = self._query("SELECT seq, record FROM events ORDER BY seq")
        return [(int(r[0]), bytes(r[1])) for r in rows]

    def last_event_row(self) -> tuple[int, bytes] | None:
        rows = self._query("SELECT seq, record FROM events ORDER BY seq DESC LIMIT 1")
        return (int(rows[0][0]), bytes(rows[0][1])) if rows else None

    def insert_event(self, seq: int, record: bytes) -> None:
        self._exec("INSERT INTO events (seq, record) VALUES (?, ?)", (seq, record))

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and truncate the log."""
        with self._lock:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc

    def quick_check(self) -> list[str]:
        rows = self._query("PRAGMA quick_check")
        return [str(r[0]) for r in rows if str(r[0]) != "ok"]
