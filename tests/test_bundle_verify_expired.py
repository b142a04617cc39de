"""A signer certificate from a support centre's CA that has expired since the bundle was
signed: confirmed at the time of its trusted signature timestamp (PAdES point-in-time
validation), and only then.

The centre's CA and the holder's certificate are made by the program's own ``org init`` /
``org issue`` code with its clock set back to 2024; the bundle is exported with the clock
at the signing day and a local time-stamp authority whose tokens carry that day. It is
verified today, when the certificate has expired. The attacks: no timestamp, a
certificate that had already expired when the timestamp was taken, a back-dated token
from the forger's own authority, a root the certificate does not chain to.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from evidencekit.bundle import export as export_module
from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.verify import verify_bundle
from evidencekit.bundle.verify_report import VerifyReport, format_report
from evidencekit.org import ca as org_ca
from evidencekit.timefmt import formal_time
from evidencekit.vault.identity_import import make_request
from tests.conftest import run_cli
from tests.support import bundle_attacks as atk
from tests.support.bundle_fake import FakeVault, make_tsa

ORG_PASS = "centre passphrase 1"
CENTRE_FOUNDED = dt.datetime(2024, 8, 20, 9, 0, tzinfo=dt.UTC)
SIGNED = dt.datetime(2024, 9, 2, 1, 0, tzinfo=dt.UTC)


def _centre(folder: Path, monkeypatch: pytest.MonkeyPatch, days: int
            ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, x509.Certificate]:
    """The centre's root and a holder certificate valid ``days`` days from its founding."""
    with monkeypatch.context() as m:
        m.setattr(org_ca, "_now", lambda: CENTRE_FOUNDED)
        org_ca.init_ca(folder, "Seoul Support Centre", ORG_PASS)
        key = ec.generate_private_key(ec.SECP256R1())
        issued = org_ca.issue(folder, ORG_PASS, make_request(key, "Holder Kim"), days=days)
    assert issued.cert.not_valid_after_utc < dt.datetime.now(dt.UTC)  # expired by now
    return key, issued.cert, issued.root


def _export(out: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate,
            root: x509.Certificate, monkeypatch: pytest.MonkeyPatch, *,
            stamped: bool = True, token_time: dt.datetime | None = None) -> str:
    """The holder's bundle as the program exported it on ``SIGNED``; returns the PEM of
    the time-stamp authority that stamped it ('' without a timestamp)."""
    vault = FakeVault()
    vault._key, vault._cert = key, cert  # noqa: SLF001 - the test identity
    vault.identity_chain = lambda: (root,)  # type: ignore[method-assign]
    vault.add("file", "file", "a.txt", [("a.txt", "text/plain", b"evidence")])
    stamper, pem = make_tsa(when=token_time or SIGNED + dt.timedelta(minutes=1))
    with monkeypatch.context() as m:
        m.setattr(export_module, "now_utc", lambda: SIGNED)
        result = export_bundle(vault, out, timestamper=stamper if stamped else None)
    assert result.signature_timestamp is stamped
    return pem if stamped else ""


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _validity(report: VerifyReport) -> list[tuple[bool | None, str]]:
    return [(c.ok, c.key) for c in report.checks if c.name == "signature.validity"]


def test_expired_since_signing_is_confirmed_by_the_timestamp(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key, cert, root = _centre(tmp_path / "ca", monkeypatch, days=365)
    out = tmp_path / "bundle.pdf"
    tsa_pem = _export(out, key, cert, root, monkeypatch)
    report = verify_bundle(out, trust_roots_pem=tsa_pem.encode(),
                           signer_roots_pem=[_pem(root)])
    text = format_report(report, "en")
    assert report.exit_code == 0, text
    assert report.holder is not None and report.holder.status == "confirmed_root"
    assert _validity(report) == [(True, "verify_weak.signer_valid_at_timestamp")]
    # a person reads labelled times (KOREAN.md), --json keeps the ISO values
    expired = formal_time(cert.not_valid_after_utc)
    assert f"expired on {expired};" in text
    assert f"valid at the time of signing, {formal_time('2024-09-02T01:01:00+00:00')}, " \
           "as the trusted signature timestamp shows" in text
    assert "T01:01:00+00:00" not in text
    check = next(c for c in report.checks if c.key == "verify_weak.signer_valid_at_timestamp")
    assert check.public("en")["params"]["time"] == "2024-09-02T01:01:00+00:00"
    # the same through the command line, in both languages
    (tmp_path / "root.pem").write_bytes(_pem(root))
    (tmp_path / "tsa.pem").write_text(tsa_pem)
    args = ("verify", out, "--trust-ca", tmp_path / "root.pem", "--tsa-ca", tmp_path / "tsa.pem")
    res = run_cli(*args)
    assert res.code == 0, res.out + res.err
    assert "Signer certificate validity: The certificate of Holder Kim" in res.out
    ko = run_cli("--lang", "ko", *args)
    assert ko.code == 0 and "서명 당시에는 유효했고" in ko.out
    # without the centre's root nothing confirms the signer, expired or not
    alone = verify_bundle(out, trust_roots_pem=tsa_pem.encode())
    assert alone.exit_code == 10 and _validity(alone) == []


def test_expired_without_timestamp_stays_unconfirmed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing proves the signature was made while the certificate was valid: a forger
    holding an expired certificate's key could have signed yesterday."""
    key, cert, root = _centre(tmp_path / "ca", monkeypatch, days=365)
    out = tmp_path / "bundle.pdf"
    _export(out, key, cert, root, monkeypatch, stamped=False)
    report = verify_bundle(out, signer_roots_pem=[_pem(root)])
    assert report.exit_code == 10, format_report(report, "en")
    assert report.holder is not None and report.holder.status == "unconfirmed"
    assert _validity(report) == [(None, "verify_weak.signer_expired_no_timestamp")]
    assert "no trusted timestamp" in format_report(report, "en")
    assert "verify_weak." not in format_report(report, "ko")


def test_expired_before_the_timestamp_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The certificate had already expired when the (genuine, trusted) timestamp was
    taken: signed with an expired certificate - the signature fails, named once."""
    key, cert, root = _centre(tmp_path / "ca", monkeypatch, days=5)
    assert cert.not_valid_after_utc < SIGNED
    out = tmp_path / "bundle.pdf"
    tsa_pem = _export(out, key, cert, root, monkeypatch)
    report = verify_bundle(out, trust_roots_pem=tsa_pem.encode(),
                           signer_roots_pem=[_pem(root)])
    assert report.exit_code == 3, format_report(report, "en")
    assert report.holder is not None and report.holder.status == "unconfirmed"
    failed = [c for c in report.failures if c.key == "verify_extra.signer_not_valid_then"]
    assert len(failed) == 1 and failed[0].name == "signature.intact"
    assert failed[0].params["time"] == "2024-09-02T01:01:00+00:00"
    assert failed[0].params["end"] == cert.not_valid_after_utc.isoformat()
    assert _validity(report) == []  # no second line saying the same
    shown = format_report(report, "en")
    assert f"was not valid at {formal_time('2024-09-02T01:01:00+00:00')}" in shown
    assert "+00:00" not in shown


def test_back_dated_token_from_the_forgers_authority_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The forger, holding the expired certificate's key, stamps a new signature with a
    token back-dated by his own authority: the token is untrusted (exit 3) and does not
    make the certificate valid at its time."""
    key, cert, root = _centre(tmp_path / "ca", monkeypatch, days=365)
    _genuine_key, genuine_pem = make_tsa()
    out = tmp_path / "forged.pdf"
    _export(out, key, cert, root, monkeypatch)  # his own authority, not trusted below
    report = verify_bundle(out, trust_roots_pem=genuine_pem.encode(),
                           signer_roots_pem=[_pem(root)])
    assert report.exit_code == 3
    assert "verify_trust.sig_timestamp_untrusted" in [c.key for c in report.failures]
    assert _validity(report) == [(None, "verify_weak.signer_expired_no_timestamp")]
    assert report.holder is not None and report.holder.status == "unconfirmed"


def test_expired_certificate_and_a_root_it_does_not_chain_to(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Valid by its dates at the timestamp's time, but the root the recipient trusts is a
    look-alike of the centre's: not confirmed at that time either."""
    key, cert, root = _centre(tmp_path / "ca", monkeypatch, days=365)
    out = tmp_path / "bundle.pdf"
    tsa_pem = _export(out, key, cert, root, monkeypatch)
    _other_key, lookalike = atk.make_ca("Seoul Support Centre Root CA")
    report = verify_bundle(out, trust_roots_pem=tsa_pem.encode(),
                           signer_roots_pem=[_pem(lookalike)])
    assert report.exit_code == 10, format_report(report, "en")
    assert _validity(report) == [(None, "verify_weak.signer_expired_untrusted_then")]
