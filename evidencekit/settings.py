"""Per-user settings of the desktop application (plain Python, no Qt).

Stored as JSON in ``platformdirs.user_config_dir("EvidenceKit")/settings.json`` (on Linux
that follows ``XDG_CONFIG_HOME``, so tests point it at a temporary folder); the location
can also be given explicitly. What is stored is merged over :data:`DEFAULTS`, so a file
written by an older version gains new keys; a value of the wrong type is replaced by its
default, and a corrupt or unreadable file falls back to the defaults with a log line (the
program must always start). Nothing about evidence is ever stored here.

Keys: ``language`` (``None`` = from the system locale, ``"ko"``, ``"en"``),
``auto_lock_minutes`` (0 = never), ``tsa_urls`` (time-stamp authorities, tried in order),
``neutral_title`` (show a neutral window title and icon), ``neutral_title_text``,
``vault_path`` (the vault last opened; ``None`` = the default location), and
``trusted_roots`` (PEM texts of root certificates that confirm a bundle's signer, e.g. a
support centre's CA; used by ``verify`` and the verify screen), ``trusted_tsa_roots``
(PEM texts of root certificates of time-stamp authorities trusted besides the public ones,
as ``verify --tsa-ca`` gives; used by the verify screen and ``verify``).
``remember_vault`` (``False``: "do not remember where my vault is" — the vault path is used
for the running session only and never written to ``settings.json``; the next start asks
for the folder).
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

__all__ = [
    "APP_NAME",
    "DEFAULTS",
    "Settings",
    "config_dir",
    "default_vault_path",
    "default_tsa_urls",
]

log = logging.getLogger(__name__)

APP_NAME = "EvidenceKit"
FILE_NAME = "settings.json"
MAX_AUTO_LOCK_MINUTES = 240


def default_tsa_urls() -> list[str]:
    """The well-known public time-stamp authorities (see ``timestamps.tsa_list``)."""
    from evidencekit.timestamps.tsa_list import DEFAULT_TSA_URLS

    return list(DEFAULT_TSA_URLS)


DEFAULTS: dict[str, Any] = {
    "language": None,
    "auto_lock_minutes": 5,
    "tsa_urls": None,  # None: the defaults of timestamps.tsa_list, filled in on load
    "neutral_title": False,
    "neutral_title_text": "",
    "vault_path": None,
    "trusted_roots": [],
    "trusted_tsa_roots": [],
    "remember_vault": True,
    "text_scale": 1.0,  # Ctrl + / Ctrl - in the desktop program
    "high_contrast": False,
}
MAX_TRUSTED_ROOTS = 50
MAX_ROOT_PEM = 64 * 1024


def config_dir() -> Path:
    """The per-user configuration folder (honours ``XDG_CONFIG_HOME`` on Linux)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_vault_path() -> Path:
    """Where a new vault goes unless the user chooses another folder."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "vault"


def _valid(key: str, value: Any) -> bool:
    if key == "language":
        return value is None or value in ("ko", "en")
    if key == "auto_lock_minutes":
        return isinstance(value, int) and not isinstance(value, bool) and \
            0 <= value <= MAX_AUTO_LOCK_MINUTES
    if key == "tsa_urls":
        return value is None or (isinstance(value, list) and all(
            isinstance(u, str) and u.startswith(("http://", "https://")) for u in value))
    if key == "neutral_title":
        return isinstance(value, bool)
    if key == "neutral_title_text":
        return isinstance(value, str) and len(value) <= 80
    if key == "text_scale":
        return isinstance(value, int | float) and not isinstance(value, bool) and \
            0.7 <= value <= 2.5
    if key == "high_contrast":
        return isinstance(value, bool)
    if key == "vault_path":
        return value is None or (isinstance(value, str) and bool(value.strip()))
    if key in ("trusted_roots", "trusted_tsa_roots"):
        return isinstance(value, list) and len(value) <= MAX_TRUSTED_ROOTS and all(
            isinstance(v, str) and "-----BEGIN CERTIFICATE-----" in v and len(v) <= MAX_ROOT_PEM
            for v in value)
    if key == "remember_vault":
        return isinstance(value, bool)
    return False


class Settings:
    """The settings of one user; ``Settings.load()`` reads them, ``save()`` writes them."""

    def __init__(self, path: Path, data: dict[str, Any] | None = None) -> None:
        self.path = path
        self._data: dict[str, Any] = copy.deepcopy(DEFAULTS)
        if data:
            for key, value in data.items():
                if key in DEFAULTS and _valid(key, value):
                    self._data[key] = value
                elif key in DEFAULTS:
                    log.warning("setting %s has an invalid value; using the default", key)

    @classmethod
    def load(cls, path: Path | str | None = None) -> Settings:
        """Read the settings file (default location: :func:`config_dir`).

        A missing file gives the defaults; a corrupt one gives the defaults and a log line.
        """
        target = Path(path) if path is not None else config_dir() / FILE_NAME
        try:
            raw = target.read_bytes()
        except FileNotFoundError:
            return cls(target)
        except OSError as exc:
            log.warning("settings file cannot be read (%s); using the defaults",
                        exc.strerror or type(exc).__name__)
            return cls(target)
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:  # also UnicodeDecodeError
            log.warning("settings file is corrupt; using the defaults")
            return cls(target)
        if not isinstance(data, dict):
            log.warning("settings file is corrupt; using the defaults")
            return cls(target)
        return cls(target, data)

    # -- access ----------------------------------------------------------------------

    def get(self, key: str) -> Any:
        if key not in DEFAULTS:
            raise KeyError(key)
        return copy.deepcopy(self._data[key])

    def set(self, key: str, value: Any) -> None:
        """Change one setting (not saved until :meth:`save`); ValueError if invalid."""
        if key not in DEFAULTS:
            raise KeyError(key)
        if not _valid(key, value):
            raise ValueError(f"invalid value for setting {key}")
        self._data[key] = copy.deepcopy(value)
        if key == "remember_vault" and value is False:
            self._data["vault_path"] = None  # forget it now, not only from the next save

    def as_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._data)

    @property
    def language(self) -> str | None:
        value = self._data["language"]
        return str(value) if value else None

    @property
    def auto_lock_minutes(self) -> int:
        return int(self._data["auto_lock_minutes"])

    @property
    def tsa_urls(self) -> list[str]:
        """The configured time-stamp authorities, or the defaults when none are set."""
        stored = self._data["tsa_urls"]
        return list(stored) if stored else default_tsa_urls()

    @property
    def neutral_title(self) -> bool:
        return bool(self._data["neutral_title"])

    @property
    def remember_vault(self) -> bool:
        return bool(self._data["remember_vault"])

    @property
    def vault_path(self) -> Path:
        stored = self._data["vault_path"]
        return Path(stored) if stored else default_vault_path()

    # -- writing ---------------------------------------------------------------------

    def save(self) -> None:
        """Write atomically (temp file, fsync, rename); errors are logged, not raised."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp",
                                       dir=self.path.parent)
            try:
                stored = dict(self._data)
                if not self.remember_vault:
                    stored["vault_path"] = None  # kept for this session only
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(stored, fh, indent=2, ensure_ascii=False, sort_keys=True)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            log.warning("settings could not be saved (%s)", exc.strerror or type(exc).__name__)
