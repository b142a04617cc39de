"""F9: who signed the bundle. verify can be told the fingerprint the holder gave
(``expect_fingerprint``); without it the report tells the officer to compare, at the top.
An impostor who signs with their own key but prints the holder's fingerprint on the cover
is caught: the printed fingerprint must be the signer's."""

from __future__ import annotations

from pathlib import Path

import pytest

import evidencekit.bundle.export as export_module
from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.manifest import display_fingerprint
from evidencekit.bundle.verify import normalize_fingerprint, verify_bundle
from evidencekit.bundle.verify_report import format_report
from tests.support.bundle_fake import FakeVault


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    vault = FakeVault(holder="Victim Kim")
    vault.add("file", "doc", "a.txt", [("a.txt", "text/plain", b"evidence")])
    out = tmp_path_factory.mktemp("fp") / "bundle.pdf"
    result = export_bundle(vault, out)
    return out, result.fingerprint


def fp_check(report):  # type: ignore[no-untyped-def]
    return next(c for c in report.checks if c.name == "signature.fingerprint")


@pytest.mark.parametrize("style", ["colons", "lower", "spaced", "plain"])
def test_expected_fingerprint_matches(bundle: tuple[Path, str], style: str) -> None:
    path, fingerprint = bundle
    shown = display_fingerprint(fingerprint)
    given = {"colons": shown, "lower": shown.lower(), "spaced": shown.replace(":", " "),
             "plain": fingerprint}[style]
    report = verify_bundle(path, expect_fingerprint=given)
    assert report.ok
    assert fp_check(report).ok is True


def test_other_fingerprint_fails(bundle: tuple[Path, str]) -> None:
    path, fingerprint = bundle
    other = ("00" if not fingerprint.startswith("00") else "11") + fingerprint[2:]
    report = verify_bundle(path, expect_fingerprint=other)
    assert not report.ok and report.exit_code == 3
    check = fp_check(report)
    assert check.ok is False and "different certificate" in check.detail_text("en")
    lines = format_report(report, "en").splitlines()
    assert "different certificate" in lines[2], lines[:4]  # right under the fingerprint
    assert "VERIFICATION FAILED" in lines[-1]


def test_malformed_expected_fingerprint_fails(bundle: tuple[Path, str]) -> None:
    path, _fingerprint = bundle
    report = verify_bundle(path, expect_fingerprint="not a fingerprint")
    assert not report.ok
    assert fp_check(report).key == "bundle.verify.fp_expect_malformed"
    assert normalize_fingerprint("ab" * 32) == "ab" * 32
    assert normalize_fingerprint("AB:cd " * 16) == "abcd" * 16
    assert normalize_fingerprint("AB:cd " * 8) is None  # 32 digits, not 64
    assert normalize_fingerprint("zz" * 32) is None
    assert normalize_fingerprint("AB-" * 31 + "AB") == "ab" * 32


def test_without_expected_fingerprint_a_note_says_compare(bundle: tuple[Path, str]) -> None:
    path, fingerprint = bundle
    report = verify_bundle(path)
    assert report.ok
    check = fp_check(report)
    assert check.ok is None
    assert display_fingerprint(fingerprint) in check.detail_text("en")
    lines = format_report(report, "en").splitlines()
    assert "Compare the fingerprint" in lines[2] and "--expect-fingerprint" in lines[2]
    assert "보관함 소유자" in format_report(report, "ko").splitlines()[2]
    cover = next(c for c in report.checks if c.name == "signature.cover")
    assert cover.ok is True


def test_impostor_printing_the_holders_fingerprint_fails(
    bundle: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An impostor vault (same holder name) exports fabricated evidence signed with its own
    key, but the pages print the victim's real fingerprint (copied from a genuine bundle)."""
    _path, victim = bundle
    impostor = FakeVault(holder="Victim Kim")
    impostor.add("file", "fabricated", "x.txt", [("x.txt", "text/plain", b"fabricated")])
    monkeypatch.setattr(export_module, "display_fingerprint",
                        lambda _hex: display_fingerprint(victim))
    out = tmp_path / "impostor.pdf"
    result = export_bundle(impostor, out)
    assert result.fingerprint != victim
    report = verify_bundle(out)
    assert not report.ok and report.exit_code == 3
    cover = next(c for c in report.checks if c.name == "signature.cover")
    assert cover.ok is False
    detail = cover.detail_text("en")
    assert display_fingerprint(victim) in detail
    assert display_fingerprint(result.fingerprint) in detail
    # and told the victim's fingerprint, the officer gets a second, independent failure
    told = verify_bundle(out, expect_fingerprint=victim)
    assert fp_check(told).ok is False
