"""AEAD sealing of small records (index rows, events, settings): AES-256-GCM, random
96-bit nonce, associated data binding the record to its place (table, row id, ...).

A sealed record is ``nonce (12 bytes) || ciphertext+tag``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["Sealer", "SealError"]


class SealError(Exception):
    """A record failed authentication (altered, moved, or sealed with another key)."""


class Sealer:
    """Seals and opens records with one sub-key."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, ad: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plaintext, ad)

    def open(self, sealed: bytes, ad: bytes) -> bytes:
        if len(sealed) < 28:
            raise SealError("record too short")
        try:
            return self._aead.decrypt(sealed[:12], sealed[12:], ad)
        except InvalidTag as exc:
            raise SealError("authentication failed") from exc

    def seal_json(self, obj: Any, ad: bytes) -> bytes:
        return self.seal(json.dumps(obj, ensure_ascii=False, sort_keys=True).encode(), ad)

    def open_json(self, sealed: bytes, ad: bytes) -> Any:
        data = self.open(sealed, ad)
        try:
            return json.loads(data)
        except ValueError as exc:
            raise SealError("record is not JSON") from exc
