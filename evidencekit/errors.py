"""The one exception family of EvidenceKit.

Every error a person can meet is an :class:`EvidenceKitError` carrying a message key from
the shared catalogue (``resources/i18n``) and its parameters, so the CLI can print one
line in Korean or English and the GUI can show a dialog. Parameters must never contain
evidence content, passphrases or keys: file names and URLs given by the user are fine
(they are shown only to the user), plaintext bytes are not.
"""

from __future__ import annotations

from typing import ClassVar

from evidencekit.i18n import tr

__all__ = [
    "EvidenceKitError",
    "IntegrityError",
    "WrongSecretError",
    "VaultLockedError",
    "VaultFormatError",
    "InputError",
    "NotFoundError",
    "StorageError",
    "NetworkError",
    "CaptureError",
    "TimestampError",
    "CancelledError",
]


class EvidenceKitError(Exception):
    """Base class: a user-safe message key plus parameters and an exit code."""

    exit_code: ClassVar[int] = 1
    default_key: ClassVar[str] = "error.generic"

    def __init__(self, key: str | None = None, /, **params: object) -> None:
        self.key = key or self.default_key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str | None = None) -> str:
        """The message in ``lang`` (default: the current language)."""
        return tr(self.key, lang, **self.params)


class IntegrityError(EvidenceKitError):
    """Tampering or corruption: a hash, an authentication tag or a signature failed."""

    exit_code = 3
    default_key = "error.integrity"


class WrongSecretError(EvidenceKitError):
    """The passphrase or recovery key does not open the vault."""

    exit_code = 4
    default_key = "error.wrong_passphrase"


class VaultLockedError(EvidenceKitError):
    """Another program is writing to the vault."""

    exit_code = 5
    default_key = "error.vault_locked"


class VaultFormatError(EvidenceKitError):
    """Not a vault, or a vault of a format version this program does not know."""

    exit_code = 2
    default_key = "error.vault_format"


class InputError(EvidenceKitError):
    """Bad input from the user: a malformed URL, a missing file, a bad option."""

    exit_code = 2
    default_key = "error.input"


class NotFoundError(EvidenceKitError):
    """An item number or file that does not exist."""

    exit_code = 2
    default_key = "error.not_found"


class StorageError(EvidenceKitError):
    """Writing failed: the disk is full, read-only or not permitted. Nothing was changed."""

    exit_code = 6
    default_key = "error.storage"


class NetworkError(EvidenceKitError):
    """A fetch failed: no network, timeout, TLS failure, body too large."""

    exit_code = 7
    default_key = "error.network"


class CaptureError(EvidenceKitError):
    """A screen capture could not be made (e.g. no display, portal refused)."""

    exit_code = 8
    default_key = "error.capture"


class TimestampError(EvidenceKitError):
    """A time-stamp authority could not be reached or gave a response that fails checks."""

    exit_code = 9
    default_key = "error.timestamp"


class CancelledError(EvidenceKitError):
    """The user cancelled a long job."""

    exit_code = 130
    default_key = "error.cancelled"
