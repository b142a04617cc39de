"""A simple, honest passphrase strength estimate for the meter in the first-run wizard.

It counts length and variety, and lowers the score for repeats, sequences and very common
choices. Long passphrases of several words score best, which is what the wizard suggests.
"""

from __future__ import annotations

import math
import re

from evidencekit.vault.keys import MIN_PASSPHRASE_LENGTH

__all__ = ["strength", "STRENGTH_KEYS"]

#: Message keys for the five levels 0..4.
STRENGTH_KEYS = (
    "gui.strength.too_short",
    "gui.strength.weak",
    "gui.strength.fair",
    "gui.strength.good",
    "gui.strength.strong",
)

_COMMON = (
    "password", "passwort", "qwerty", "asdf", "letmein", "iloveyou", "admin", "welcome",
    "123456", "111111", "abc123", "사랑해", "비밀번호", "evidence",
)


def _pool(text: str) -> int:
    pool = 0
    if re.search(r"[a-z]", text):
        pool += 26
    if re.search(r"[A-Z]", text):
        pool += 26
    if re.search(r"[0-9]", text):
        pool += 10
    if re.search(r"[^A-Za-z0-9\s]", text):
        pool += 33
    if re.search(r"\s", text):
        pool += 1
    if any(ord(ch) > 0x2E80 for ch in text):  # Hangul and other large scripts
        pool += 200
    return max(pool, 1)


def strength(passphrase: str) -> int:
    """0 (too short) … 4 (strong)."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        return 0
    text = passphrase
    lowered = text.lower()
    effective = len(set(text)) + (len(text) - len(set(text))) * 0.5
    for word in _COMMON:
        if word in lowered:
            effective -= len(word) * 0.8
    if re.fullmatch(r"(.)\1*", text):
        effective = 1
    runs = sum(1 for a, b in zip(text, text[1:], strict=False) if ord(b) - ord(a) == 1)
    effective -= runs * 0.5
    bits = max(effective, 1) * math.log2(_pool(text))
    words = len([w for w in re.split(r"[\s\-_.]+", text) if len(w) >= 3])
    if words >= 3:
        bits += 10
    if bits < 35:
        return 1
    if bits < 55:
        return 2
    if bits < 75:
        return 3
    return 4
