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
from evidencekit.vault.identity import short_fingerprint
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


@pytest.mark.parametrize("style", ["colons", "lower", "spaced", "plain", "short",
                                   "short_plain"])
def test_expected_fingerprint_matches(bundle: tuple[Path, str], style: str) -> None:
    path, fingerprint = bundle
    shown = display_fingerprint(fingerprint)
    given = {"colons": shown, "lower": shown.lower(), "spaced": shown.replace(":", " "),
             "plain": fingerprint, "short": short_fingerprint(fingerprint),
             "short_plain": short_fingerprint(fingerprint).replace(" ", "")}[style]
    report = verify_bundle(path, expect_fingerprint=given)
    assert report.ok and report.exit_code == 0, format_report(report, "en")
    assert fp_check(report).ok is True
    assert report.holder is not None and report.holder.status == "confirmed_fingerprint"
    assert "everything holds" in format_report(report, "en").splitlines()[-1]


def test_other_fingerprint_fails(bundle: tuple[Path, str]) -> None:
    path, fingerprint = bundle
    other = ("00" if not fingerprint.startswith("00") else "11") + fingerprint[2:]
    for given in (other, short_fingerprint(other)):
        report = verify_bundle(path, expect_fingerprint=given)
        assert not report.ok and report.exit_code == 3
        check = fp_check(report)
        assert check.ok is False and "different certificate" in check.detail_text("en")
        lines = format_report(report, "en").splitlines()
        assert "NOT the signer you expected" in lines[2], lines[:4]  # under the signer
        assert "VERIFICATION FAILED" in lines[-1]


def test_malformed_expected_fingerprint_fails(bundle: tuple[Path, str]) -> None:
    path, _fingerprint = bundle
    report = verify_bundle(path, expect_fingerprint="not a fingerprint")
    assert not report.ok and report.exit_code == 3
    assert fp_check(report).key == "bundle.verify.fp_expected_bad"
    assert normalize_fingerprint("ab" * 32) == "ab" * 32
    assert normalize_fingerprint("AB:cd " * 16) == "abcd" * 16
    assert normalize_fingerprint("AB:cd " * 8) is None  # 32 digits, not 64
    assert normalize_fingerprint("zz" * 32) is None
    assert normalize_fingerprint("AB-" * 31 + "AB") == "ab" * 32
    assert normalize_fingerprint("12345 " * 12) == "12345" * 12


def test_without_expected_fingerprint_intact_but_unconfirmed(bundle: tuple[Path, str]) -> None:
    """Exit 10: intact, signer not confirmed; never "everything holds"."""
    path, fingerprint = bundle
    report = verify_bundle(path)
    assert report.intact and not report.confirmed and not report.ok
    assert report.exit_code == 10
    check = fp_check(report)
    assert check.ok is None and check.key == "verify_trust.signer_unconfirmed"
    assert display_fingerprint(fingerprint) in check.detail_text("en")
    assert short_fingerprint(fingerprint) in check.detail_text("en")
    text = format_report(report, "en")
    assert "everything holds" not in text
    assert "SIGNER NOT CONFIRMED" in text.splitlines()[-1]
    assert short_fingerprint(fingerprint) in text.splitlines()[-1]
    korean = format_report(report, "ko")
    assert "서명자 미확인" in korean and "보관함 소유자" in korean
    assert "모든 검사를 통과" not in korean
    assert "signature.cover" not in {c.name for c in report.checks}  # printed text: no pass


def test_impostor_printing_the_holders_fingerprint_is_never_confirmed(
    bundle: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An impostor vault (same holder name) exports fabricated evidence signed with its own
    key, but the pages print the victim's real fingerprint (copied from a genuine bundle).
    The printed text gives a warning only; what decides is the certificate in the CMS."""
    _path, victim = bundle
    impostor = FakeVault(holder="Victim Kim")
    impostor.add("file", "fabricated", "x.txt", [("x.txt", "text/plain", b"fabricated")])
    monkeypatch.setattr(export_module, "display_fingerprint",
                        lambda _hex: display_fingerprint(victim))
    out = tmp_path / "impostor.pdf"
    result = export_bundle(impostor, out)
    assert result.fingerprint != victim
    report = verify_bundle(out)
    assert not report.ok and report.exit_code == 10
    assert report.fingerprint == result.fingerprint
    cover = next(c for c in report.checks if c.name == "signature.cover")
    assert cover.ok is None
    detail = cover.detail_text("en")
    assert display_fingerprint(victim) in detail
    assert display_fingerprint(result.fingerprint) in detail
    # told the victim's fingerprint, the officer gets a failure
    told = verify_bundle(out, expect_fingerprint=victim)
    assert fp_check(told).ok is False and told.exit_code == 3
