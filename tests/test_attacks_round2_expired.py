"""Round-2 attacks on the judgement of an expired signer certificate at its trusted
signature timestamp's time (:mod:`evidencekit.bundle.verify_expired`).

A forger holds the key of a certificate a trusted CA issued (expired, not yet valid at the
token's time, or under an intermediate that expired) and tries to make ``verify`` confirm
a signature with it: a genuine token taken today, a token over other data, a genuine
token moved from the holder's real bundle, a token of an authority the recipient does not
trust or whose certificate was not valid then (or is no longer valid now), a document
timestamp instead of a signature timestamp, a back-dated export time. None may give
exit 0, and each names why.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from evidencekit.bundle.verify import verify_bundle
from evidencekit.bundle.verify_report import VerifyReport, format_report
from tests.support import attack_tools as at
from tests.support import bundle_attacks as atk
from tests.support.bundle_fake import make_tsa

UTC = dt.UTC
SIGNED = dt.datetime(2024, 9, 2, 1, 0, tzinfo=UTC)
TOKEN = SIGNED + dt.timedelta(minutes=1)
FOUNDED = dt.datetime(2024, 8, 20, 9, 0, tzinfo=UTC)
EXPIRES = dt.datetime(2025, 8, 20, 9, 0, tzinfo=UTC)
LATER = dt.datetime.now(UTC) + dt.timedelta(days=3650)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _centre(start: dt.datetime = FOUNDED, end: dt.datetime = EXPIRES):
    """The centre's root (valid 2024 to ten years from now) and a holder certificate it
    issued, valid ``start`` to ``end``."""
    root_key, root = at.cert_between("Seoul Support Centre Root", dt.datetime(
        2024, 1, 1, tzinfo=UTC), LATER, ca=True)
    key, cert = at.cert_between("Holder Kim", start, end, issuer=(root_key, root))
    return root_key, root, key, cert


def _validity(report: VerifyReport) -> list[tuple[bool | None, str]]:
    return [(c.ok, c.key) for c in report.checks if c.name == "signature.validity"]


def _failed(report: VerifyReport) -> list[str]:
    return [c.key for c in report.failures]


def _not_confirmed_then(report: VerifyReport) -> None:
    text = format_report(report, "en")
    assert report.exit_code != 0, text
    assert report.holder is not None and report.holder.status != "confirmed_root", text
    assert "verify_weak.signer_valid_at_timestamp" not in [k for _ok, k in _validity(report)]


def test_control_expired_since_signing_is_confirmed(tmp_path: Path) -> None:
    """The genuine case the attacks imitate (the same helpers): exit 0."""
    _rk, root, key, cert = _centre()
    stamper, tsa_pem = make_tsa(when=TOKEN)
    out = at.export_signed(tmp_path / "b.pdf", key, cert, (root,), stamper, SIGNED)
    report = verify_bundle(out, trust_roots_pem=tsa_pem.encode(), signer_roots_pem=[_pem(root)])
    assert report.exit_code == 0, format_report(report, "en")
    assert _validity(report) == [(True, "verify_weak.signer_valid_at_timestamp")]


def test_expired_key_used_today_with_a_genuine_token_of_today(tmp_path: Path) -> None:
    """The forger signs today with the expired certificate's key and gets a genuine,
    trusted token today (the token proves the signature is recent, not old); once with
    the real export time, once with the export time back-dated to when it was valid."""
    _rk, root, key, cert = _centre()
    stamper, tsa_pem = make_tsa()  # the trusted authority's real clock
    for name, when in (("today.pdf", None), ("backdated.pdf", SIGNED)):
        out = at.export_signed(tmp_path / name, key, cert, (root,), stamper, when)
        report = verify_bundle(out, trust_roots_pem=tsa_pem.encode(),
                               signer_roots_pem=[_pem(root)])
        _not_confirmed_then(report)
        assert report.exit_code == 3
        assert "verify_extra.signer_not_valid_then" in _failed(report)
        # the declared export time, back-dated, does not match the token either
        assert ("verify_trust.policy_sig_late" in _failed(report)) == (when is not None)


def test_certificate_not_yet_valid_at_the_token(tmp_path: Path) -> None:
    """A certificate valid only after the token's time (and expired now): never valid
    when the signature was made."""
    _rk, root, key, cert = _centre(dt.datetime(2024, 10, 1, tzinfo=UTC),
                                   dt.datetime(2025, 6, 1, tzinfo=UTC))
    stamper, tsa_pem = make_tsa(when=TOKEN)
    out = at.export_signed(tmp_path / "b.pdf", key, cert, (root,), stamper, SIGNED)
    report = verify_bundle(out, trust_roots_pem=tsa_pem.encode(), signer_roots_pem=[_pem(root)])
    _not_confirmed_then(report)
    assert report.exit_code == 3 and "verify_extra.signer_not_valid_then" in _failed(report)


def test_trusted_token_over_other_data(tmp_path: Path) -> None:
    _rk, root, key, cert = _centre()
    stamper, tsa_pem = make_tsa(when=TOKEN)
    out = at.export_signed(tmp_path / "b.pdf", key, cert, (root,), stamper, SIGNED)
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(at.signature_timestamp_over_other_data(out.read_bytes(), stamper))
    report = verify_bundle(forged, trust_roots_pem=tsa_pem.encode(),
                           signer_roots_pem=[_pem(root)])
    _not_confirmed_then(report)
    assert report.exit_code == 3 and "bundle.verify.sig_timestamp_bad" in _failed(report)


def test_genuine_token_moved_from_the_holders_real_bundle(tmp_path: Path) -> None:
    """The forger, holding the expired key, signs other content today (export time
    back-dated, no token) and moves the genuine token of the holder's real bundle into
    his signature: the token's imprint is not his signature value."""
    _rk, root, key, cert = _centre()
    stamper, tsa_pem = make_tsa(when=TOKEN)
    genuine = at.export_signed(tmp_path / "g.pdf", key, cert, (root,), stamper, SIGNED)
    own, _own_pem = make_tsa(when=TOKEN)  # his own authority: only to reserve the room
    forged = at.export_signed(tmp_path / "f.pdf", key, cert, (root,), own, SIGNED)
    token = atk.read_cms(genuine.read_bytes())["content"]["signer_infos"][0]["unsigned_attrs"]
    info = atk.read_cms(forged.read_bytes())
    info["content"]["signer_infos"][0]["unsigned_attrs"] = cms.CMSAttributes(
        [cms.CMSAttribute.load(a.dump()) for a in token])
    forged.write_bytes(atk.write_cms(forged.read_bytes(),
                                     cms.ContentInfo.load(info.dump(force=True))))
    report = verify_bundle(forged, trust_roots_pem=tsa_pem.encode(),
                           signer_roots_pem=[_pem(root)])
    _not_confirmed_then(report)
    assert report.exit_code == 3 and "bundle.verify.sig_timestamp_bad" in _failed(report)


def test_back_dated_token_of_an_untrusted_authority_over_the_real_signature(
        tmp_path: Path) -> None:
    """A genuine signature whose trusted token the forger swaps for his own authority's
    back-dated one: untrusted, named; the expired certificate is not confirmed."""
    _rk, root, key, cert = _centre()
    stamper, tsa_pem = make_tsa(when=TOKEN)
    out = at.export_signed(tmp_path / "b.pdf", key, cert, (root,), stamper, SIGNED)
    own, _own_pem = make_tsa(when=TOKEN)
    data = atk.cut_after_signature(out.read_bytes())
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(atk.write_cms(data, atk.replace_signature_timestamp(
        atk.read_cms(data), own)))
    report = verify_bundle(forged, trust_roots_pem=tsa_pem.encode(),
                           signer_roots_pem=[_pem(root)])
    _not_confirmed_then(report)
    assert "verify_trust.sig_timestamp_untrusted" in _failed(report)
    assert _validity(report) == [(None, "verify_weak.signer_expired_no_timestamp")]


def test_document_timestamp_instead_of_a_signature_timestamp(tmp_path: Path) -> None:
    """No signature timestamp, but a trusted document timestamp of the signing day
    appended: it is not the token over the signature value, so it does not count."""
    _rk, root, key, cert = _centre()
    stamper, tsa_pem = make_tsa(when=TOKEN)
    out = at.export_signed(tmp_path / "b.pdf", key, cert, (root,), None, SIGNED)
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(atk.append_document_timestamp(out.read_bytes(), stamper))
    report = verify_bundle(forged, trust_roots_pem=tsa_pem.encode(),
                           signer_roots_pem=[_pem(root)])
    _not_confirmed_then(report)
    assert _validity(report) == [(None, "verify_weak.signer_expired_no_timestamp")]


def test_token_of_an_authority_whose_certificate_was_not_valid_then(tmp_path: Path) -> None:
    """The token says 2024-09-02 but the authority's certificate (under a trusted TSA
    root) begins in 2025: the token is not trusted at its own time."""
    _rk, root, key, cert = _centre()
    stamper, tsa_root = at.tsa_under_root(dt.datetime(2025, 1, 1, tzinfo=UTC), LATER, TOKEN)
    out = at.export_signed(tmp_path / "b.pdf", key, cert, (root,), stamper, SIGNED)
    report = verify_bundle(out, trust_roots_pem=tsa_root.encode(),
                           signer_roots_pem=[_pem(root)])
    _not_confirmed_then(report)
    assert report.exit_code == 3
    assert {"verify_trust.sig_timestamp_untrusted", "bundle.verify.sig_timestamp_bad"} & \
        set(_failed(report)), _failed(report)


def test_token_of_an_authority_whose_certificate_has_expired_since(tmp_path: Path) -> None:
    """Whoever holds an expired authority certificate's key (keys are guarded less once
    they expire) can date a token at any time of its old validity: a token only vouches
    for its own time while its authority's certificate is valid. Together with an
    expired signer key this would let a forger make a signature 'valid at the time of
    signing' today. The expired signer certificate is not confirmed, and the report
    says why."""
    _rk, root, key, cert = _centre()
    stamper, tsa_root = at.tsa_under_root(dt.datetime(2024, 1, 1, tzinfo=UTC),
                                          dt.datetime(2025, 1, 1, tzinfo=UTC), TOKEN)
    out = at.export_signed(tmp_path / "b.pdf", key, cert, (root,), stamper, SIGNED)
    report = verify_bundle(out, trust_roots_pem=tsa_root.encode(),
                           signer_roots_pem=[_pem(root)])
    _not_confirmed_then(report)
    assert _validity(report) == [(None, "verify_round2.tsa_expired_now")]
    text = format_report(report, "en")
    assert "time-stamp authority" in text and "no longer valid" in text
    assert "verify_round2" not in format_report(report, "ko")


def test_intermediate_expired_before_the_token(tmp_path: Path) -> None:
    """Root -> intermediate -> holder; the intermediate expired before the token's time:
    the path is not valid then (a path valid throughout, as a control, is confirmed)."""
    root_key, root = at.cert_between("Seoul Support Centre Root",
                                     dt.datetime(2024, 1, 1, tzinfo=UTC), LATER, ca=True)
    stamper, tsa_pem = make_tsa(when=TOKEN)
    for name, inter_end, code in (("dead.pdf", dt.datetime(2024, 8, 25, tzinfo=UTC), 10),
                                  ("alive.pdf", dt.datetime(2025, 12, 1, tzinfo=UTC), 0)):
        inter_key, inter = at.cert_between("Centre Issuing CA", dt.datetime(
            2024, 8, 1, tzinfo=UTC), inter_end, issuer=(root_key, root), ca=True)
        key, cert = at.cert_between("Holder Kim", FOUNDED, EXPIRES, issuer=(inter_key, inter))
        out = at.export_signed(tmp_path / name, key, cert, (inter, root), stamper, SIGNED)
        report = verify_bundle(out, trust_roots_pem=tsa_pem.encode(),
                               signer_roots_pem=[_pem(root)])
        assert report.exit_code == code, (name, format_report(report, "en"))
        if code:
            _not_confirmed_then(report)
            assert _validity(report) == [(None, "verify_weak.signer_expired_untrusted_then")]


def test_expired_authority_covered_by_a_renewal_still_proves(tmp_path: Path) -> None:
    """The honest answer to an authority that expires: a document timestamp taken before
    it expired (what ``evidencekit renew`` adds), by an authority trusted today, covers the
    old token, so the token's time still counts and the signer is confirmed. A renewal
    made after the old authority had expired, or a document timestamp of an authority that
    is itself no longer valid, does not."""
    _rk, root, key, cert = _centre()
    old, old_root = at.tsa_under_root(dt.datetime(2024, 1, 1, tzinfo=UTC),
                                      dt.datetime(2025, 1, 1, tzinfo=UTC), TOKEN)
    out = at.export_signed(tmp_path / "b.pdf", key, cert, (root,), old, SIGNED)
    fresh, fresh_pem = make_tsa(when=dt.datetime(2024, 12, 1, tzinfo=UTC))
    renewed = tmp_path / "renewed.pdf"
    renewed.write_bytes(atk.append_document_timestamp(out.read_bytes(), fresh, "Renewal"))
    roots = (old_root + fresh_pem).encode()
    report = verify_bundle(renewed, trust_roots_pem=roots, signer_roots_pem=[_pem(root)])
    assert report.exit_code == 0, format_report(report, "en")
    assert _validity(report) == [(True, "verify_weak.signer_valid_at_timestamp")]
    late, late_pem = make_tsa()  # renewed today: the old authority had expired by then
    too_late = tmp_path / "late.pdf"
    too_late.write_bytes(atk.append_document_timestamp(out.read_bytes(), late, "Renewal"))
    report = verify_bundle(too_late, trust_roots_pem=(old_root + late_pem).encode(),
                           signer_roots_pem=[_pem(root)])
    _not_confirmed_then(report)
    assert _validity(report) == [(None, "verify_round2.tsa_expired_now")]
    stale = tmp_path / "stale.pdf"
    stale.write_bytes(atk.append_document_timestamp(out.read_bytes(), old, "Stale"))
    report = verify_bundle(stale, trust_roots_pem=roots, signer_roots_pem=[_pem(root)])
    _not_confirmed_then(report)
    assert _validity(report) == [(None, "verify_round2.tsa_expired_now")]


def test_expired_key_and_the_fingerprint_the_holder_gave(tmp_path: Path) -> None:
    """The examiner confirms the holder by fingerprint (``--expect-fingerprint``), not by
    the centre's root. A forger holding the expired certificate's key signs today without
    a timestamp: the fingerprint matches, but nothing shows the signature was made while
    the certificate was valid - 10, named, never 0 (it was 0 before). With a trusted
    token of the signing day: 0, saying so; with a token of an authority that has expired
    since: 10."""
    from evidencekit.vault.identity import fingerprint
    from tests.conftest import run_cli

    _rk, root, key, cert = _centre()
    fp = fingerprint(cert)
    forged = at.export_signed(tmp_path / "forged.pdf", key, cert, (root,), None, None)
    report = verify_bundle(forged, expect_fingerprint=fp)
    text = format_report(report, "en")
    assert report.exit_code == 10, text
    assert _validity(report) == [(None, "verify_round2.fp_expired_no_timestamp")]
    assert "whoever holds an expired certificate's key could have signed today" in text
    assert "root certificate" not in text.split("Signer certificate validity:")[1].split("\n")[0]
    res = run_cli("--lang", "ko", "verify", forged, "--expect-fingerprint", fp)
    assert res.code == 10 and "verify_round2" not in res.out and "만료" in res.out
    stamper, tsa_pem = make_tsa(when=TOKEN)
    genuine = at.export_signed(tmp_path / "g.pdf", key, cert, (root,), stamper, SIGNED)
    report = verify_bundle(genuine, trust_roots_pem=tsa_pem.encode(), expect_fingerprint=fp)
    assert report.exit_code == 0, format_report(report, "en")
    assert _validity(report) == [(True, "verify_round2.fp_valid_at_timestamp")]
    old, old_root = at.tsa_under_root(dt.datetime(2024, 1, 1, tzinfo=UTC),
                                      dt.datetime(2025, 1, 1, tzinfo=UTC), TOKEN)
    stale = at.export_signed(tmp_path / "s.pdf", key, cert, (root,), old, SIGNED)
    report = verify_bundle(stale, trust_roots_pem=old_root.encode(), expect_fingerprint=fp)
    assert report.exit_code == 10, format_report(report, "en")
    assert _validity(report) == [(None, "verify_round2.fp_tsa_expired_now")]
