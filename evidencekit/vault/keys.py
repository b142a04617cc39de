"""Key material of a vault: Argon2id passphrase keys, the recovery key, key wrapping and
HKDF sub-keys. Every primitive comes from pyca/cryptography.

Labels (``info`` of HKDF-SHA256 over the 256-bit master key, no salt) are listed in
``SUBKEY_LABELS``; no key serves two purposes. See docs/vault-format.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from evidencekit.errors import InputError, WrongSecretError

__all__ = [
    "KdfParams",
    "SUBKEY_LABELS",
    "derive_passphrase_key",
    "derive_recovery_key",
    "new_master_key",
    "subkey",
    "wrap",
    "unwrap",
    "new_recovery_secret",
    "format_recovery_key",
    "parse_recovery_key",
    "MIN_PASSPHRASE_LENGTH",
    "KdfBoundsError",
]


class KdfBoundsError(ValueError):
    """KDF parameters outside the sane bounds (``detail`` names the field and value)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

MIN_PASSPHRASE_LENGTH = 8
# Sane bounds for Argon2id parameters read from a header: checked before any derivation, so
# an edited vault.json can neither exhaust memory nor hang the program.
KDF_SALT_BYTES = (16, 64)
KDF_MEMORY_KIB = (1024, 2 * 1024 * 1024)  # 1 MiB … 2 GiB
KDF_ITERATIONS = (1, 16)
KDF_LANES = (1, 16)
SUBKEY_LABELS = ("blob", "metadata", "log", "identity", "settings", "header")
_RECOVERY_SECRET_BYTES = 24  # 192 bits; plus one check byte -> 40 base32 characters


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters as stored in ``vault.json``."""

    salt: bytes
    memory_kib: int = 262_144  # 256 MiB
    iterations: int = 3
    lanes: int = 4

    @classmethod
    def new(cls) -> KdfParams:
        """Fresh parameters with a random salt.

        ``EVIDENCEKIT_INSECURE_TEST_KDF=1`` selects a tiny setting for the test suite only;
        it is recorded in the header like any other setting.
        """
        salt = os.urandom(16)
        if os.environ.get("EVIDENCEKIT_INSECURE_TEST_KDF") == "1":
            return cls(salt=salt, memory_kib=1024, iterations=1, lanes=1)
        return cls(salt=salt)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": "argon2id",
            "salt": base64.b64encode(self.salt).decode("ascii"),
            "memory_kib": self.memory_kib,
            "iterations": self.iterations,
            "lanes": self.lanes,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> KdfParams:
        """Parse and bound-check; raises :class:`KdfBoundsError` for values outside the
        sane bounds and ValueError/TypeError/KeyError for a malformed object."""
        if d.get("name") != "argon2id":
            raise ValueError("unknown KDF")
        values = {}
        for name in ("memory_kib", "iterations", "lanes"):
            value = d[name]
            if not isinstance(value, int) or isinstance(value, bool):
                raise KdfBoundsError(f"{name}={value!r}")
            values[name] = value
        params = cls(salt=base64.b64decode(d["salt"], validate=True), **values)
        params.check_bounds()
        return params

    def check_bounds(self) -> None:
        """Raise :class:`KdfBoundsError` unless every parameter is within sane bounds."""
        checks = (("salt bytes", len(self.salt), KDF_SALT_BYTES),
                  ("memory_kib", self.memory_kib, KDF_MEMORY_KIB),
                  ("iterations", self.iterations, KDF_ITERATIONS),
                  ("lanes", self.lanes, KDF_LANES))
        for name, value, (low, high) in checks:
            if not low <= value <= high:
                raise KdfBoundsError(f"{name}={value}")
        if self.memory_kib < 8 * self.lanes:
            raise KdfBoundsError(f"memory_kib={self.memory_kib} < 8 × lanes")


def normalise_passphrase(passphrase: str) -> bytes:
    """NFC-normalised UTF-8 (so a Korean passphrase typed on any system gives the same key)."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def derive_passphrase_key(passphrase: str, params: KdfParams) -> bytes:
    """The 256-bit key-encryption key for a passphrase (Argon2id). Parameters outside the
    sane bounds raise :class:`KdfBoundsError` before any work is done."""
    params.check_bounds()
    kdf = Argon2id(
        salt=params.salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(normalise_passphrase(passphrase))


def derive_recovery_key(secret: bytes, salt: bytes) -> bytes:
    """The key-encryption key for the recovery secret (already high-entropy: HKDF)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"evidencekit/v1/recovery-wrap"
    ).derive(secret)


def new_master_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def subkey(master: bytes, label: str) -> bytes:
    """The sub-key for one purpose (``label`` in SUBKEY_LABELS)."""
    if label not in SUBKEY_LABELS:
        raise ValueError(f"unknown sub-key label {label!r}")
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"evidencekit/v1/" + label.encode()
    ).derive(master)


def wrap(kek: bytes, master: bytes, ad: bytes) -> dict[str, str]:
    nonce = os.urandom(12)
    ct = AESGCM(kek).encrypt(nonce, master, ad)
    return {
        "alg": "AES-256-GCM",
        "nonce": base64.b64encode(nonce).decode("ascii"),
        "ciphertext": base64.b64encode(ct).decode("ascii"),
    }


def unwrap(kek: bytes, wrapped: dict[str, Any], ad: bytes, *, recovery: bool = False) -> bytes:
    """Unwrap the master key; a wrong key raises :class:`WrongSecretError`."""
    try:
        nonce = base64.b64decode(wrapped["nonce"], validate=True)
        ct = base64.b64decode(wrapped["ciphertext"], validate=True)
        return AESGCM(kek).decrypt(nonce, ct, ad)
    except (InvalidTag, KeyError, ValueError, TypeError) as exc:
        raise WrongSecretError(
            "error.wrong_recovery_key" if recovery else "error.wrong_passphrase"
        ) from exc


def new_recovery_secret() -> bytes:
    return secrets.token_bytes(_RECOVERY_SECRET_BYTES)


def _check_byte(secret: bytes) -> bytes:
    return hashlib.sha256(b"evidencekit-recovery-check" + secret).digest()[:1]


def format_recovery_key(secret: bytes) -> str:
    """Eight groups of five base32 characters, e.g. ``ABCDE-FGHIJ-…``."""
    text = base64.b32encode(secret + _check_byte(secret)).decode("ascii")
    return "-".join(text[i : i + 5] for i in range(0, len(text), 5))


def parse_recovery_key(text: str) -> bytes:
    """The secret from a typed recovery key (spaces, dashes and case are forgiven)."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.replace("0", "O").replace("1", "I").replace("8", "B")
    try:
        raw = base64.b32decode(cleaned)
    except (ValueError, TypeError) as exc:
        raise InputError("error.recovery_key_format") from exc
    if len(raw) != _RECOVERY_SECRET_BYTES + 1:
        raise InputError("error.recovery_key_format")
    secret, check = raw[:-1], raw[-1:]
    if not hmac.compare_digest(check, _check_byte(secret)):
        raise InputError("error.recovery_key_typo")
    return secret
