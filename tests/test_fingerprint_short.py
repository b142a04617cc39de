"""The short fingerprint: stable, twelve groups of five digits, and accepted as input."""

from __future__ import annotations

import hashlib

import pytest

from evidencekit.vault.identity import (
    fingerprint_matches,
    format_fingerprint,
    normalize_fingerprint,
    short_fingerprint,
)

FP = hashlib.sha256(b"example certificate").hexdigest()


def test_short_form_shape_and_value() -> None:
    short = short_fingerprint(FP)
    groups = short.split(" ")
    assert len(groups) == 12 and all(len(g) == 5 and g.isdigit() for g in groups)
    expected = str(int(FP, 16) % 10**60).zfill(60)
    assert short.replace(" ", "") == expected
    assert short_fingerprint(format_fingerprint(FP)) == short


def test_one_bit_changes_short_form() -> None:
    other = hashlib.sha256(b"example certificatf").hexdigest()
    assert short_fingerprint(other) != short_fingerprint(FP)


@pytest.mark.parametrize("typed", [
    FP, FP.upper(), format_fingerprint(FP), short_fingerprint(FP),
    short_fingerprint(FP).replace(" ", "-"), "  " + short_fingerprint(FP) + "\t",
])
def test_either_form_matches(typed: str) -> None:
    assert fingerprint_matches(FP, typed)


def test_wrong_fingerprint_does_not_match() -> None:
    other = hashlib.sha256(b"forger").hexdigest()
    assert not fingerprint_matches(FP, other)
    assert not fingerprint_matches(FP, short_fingerprint(other))


@pytest.mark.parametrize("typed", ["", "abc", "12345 " * 11, "zz" * 32, FP + "00"])
def test_garbage_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        normalize_fingerprint(typed)
