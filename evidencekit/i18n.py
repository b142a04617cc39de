"""The one message catalogue shared by the GUI, the command line and the PDF bundle.

Messages live in ``resources/i18n/<lang>/*.json`` (one file per area, merged); keys are
dotted names such as ``error.wrong_passphrase``. English is the fallback. Placeholders use
``str.format`` syntax: ``tr("cli.added", number=3)``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from functools import cache

from evidencekit.josa import resolve_particles
from evidencekit.resources import resource_path

__all__ = ["LANGUAGES", "tr", "current_language", "set_language", "catalogue", "both",
           "set_gui_surface", "set_reason_hook"]

log = logging.getLogger(__name__)

LANGUAGES = ("en", "ko")
_state = threading.local()
_override: str | None = None
_gui_surface = False


#: Turns a library's raw reason (a ``reason`` or ``error`` parameter) into words of the
#: language; set by :mod:`evidencekit.reasons` when it is imported.
_reason_hook: Callable[[str, str], str] | None = None


def set_reason_hook(hook: Callable[[str, str], str] | None) -> None:
    global _reason_hook
    _reason_hook = hook


def _spaced_fingerprint(value: str) -> str:
    """In the GUI, a colon-hex SHA-256 fingerprint in groups of eight bytes, so it wraps
    on a narrow screen instead of widening it (the same bytes, easier to compare)."""
    if len(value) == 95 and value.count(":") == 31:
        return " ".join(value[i:i + 23] for i in range(0, 95, 24))
    return value


def set_gui_surface(on: bool) -> None:
    """In the desktop program, ``tr(key)`` on the main thread prefers ``gui.<key>`` when
    the catalogue has it: the GUI's own (해요체, no command-line options) wording of a
    message the CLI words formally. Worker threads (PDF export) are never affected."""
    global _gui_surface
    _gui_surface = on


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """All messages of one language, merged from every file of its folder."""
    folder = resource_path("i18n", lang)
    merged: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
        for key, value in data.items():
            if key in merged:
                raise ValueError(f"message key {key!r} defined twice ({path.name})")
            merged[key] = value
    return merged


def language_from_environment() -> str:
    """``ko`` when the environment asks for Korean, else ``en``."""
    explicit = os.environ.get("EVIDENCEKIT_LANG")
    if explicit in LANGUAGES:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var)
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def set_language(lang: str | None) -> None:
    """Set the language for this process (``None`` returns to the environment's)."""
    global _override
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    _override = lang


def current_language() -> str:
    return _override or language_from_environment()


def tr(key: str, lang: str | None = None, /, **params: object) -> str:
    """The message ``key`` in ``lang`` (default: the current language), formatted."""
    language = lang or current_language()
    if _gui_surface and threading.current_thread() is threading.main_thread():
        key = key if f"gui.{key}" not in catalogue("en") else f"gui.{key}"
    text = catalogue(language).get(key)
    if text is None:
        text = catalogue("en").get(key)
    if text is None:
        log.warning("missing message key %s", key)
        text = key
    if params:
        if _gui_surface and threading.current_thread() is threading.main_thread():
            params = {k: (_spaced_fingerprint(v) if isinstance(v, str) else v)
                      for k, v in params.items()}
        if _reason_hook is not None and language != "en":
            # a signer is a name: only a distinguished name (CN=…) is shortened, a plain
            # name in Latin letters is never taken for a library's English reason
            params = {k: (_reason_hook(v, language)
                          if isinstance(v, str) and v and (
                              k in ("reason", "error") or (k == "signer" and "=" in v))
                          else v)
                      for k, v in params.items()}
        try:
            formatted = text.format(**params)
        except (KeyError, IndexError, ValueError):
            log.warning("bad placeholders for message key %s", key)
            return text
        # 자료 #4(으)로 → 자료 #4로: the particle after a filled-in value, as it is read
        return resolve_particles(formatted) if language == "ko" else formatted
    return text


def both(key: str, /, **params: object) -> str:
    """Korean and English together, for places read by people of either language."""
    ko = tr(key, "ko", **params)
    en = tr(key, "en", **params)
    return ko if ko == en else f"{ko} / {en}"
