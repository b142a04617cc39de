"""The one message catalogue: every key in both languages, same placeholders, and every
key the code uses exists."""

from __future__ import annotations

import re
import string

from evidencekit.i18n import catalogue, tr
from tests.conftest import ROOT


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_in_both_languages() -> None:
    en, ko = catalogue("en"), catalogue("ko")
    assert set(en) - set(ko) == set(), "missing in Korean"
    assert set(ko) - set(en) == set(), "missing in English"
    for key in en:
        assert _fields(en[key]) == _fields(ko[key]), key
        assert ko[key].strip(), key


def test_keys_used_in_code_exist() -> None:
    en = catalogue("en")
    pattern = re.compile(
        r"""(?:\btr|\bboth|Error)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']"""
    )
    missing = set()
    for path in (ROOT / "evidencekit").rglob("*.py"):
        if path.name == "i18n.py":
            continue
        for key in pattern.findall(path.read_text(encoding="utf-8")):
            if key not in en and not key.endswith("."):
                missing.add(f"{key} ({path.name})")
    assert not missing, sorted(missing)


def test_formatting_and_fallback() -> None:
    assert "42" in tr("error.no_such_item", "en", number=42)
    assert "42" in tr("error.no_such_item", "ko", number=42)
    assert tr("no.such.key", "ko") == "no.such.key"
