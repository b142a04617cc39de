"""Round-2 attack: a certificate its CA has revoked, with the CA's CRL in the bundle's
own validation data (DSS). pyHanko validates the CRL (signed by the CA, so nobody can
forge a revocation); a certificate revoked before the signature's trusted time is not
confirmed and the bundle fails, expired since or not; revoked after its trusted
timestamp, an expired certificate is still confirmed at that time. (Without any revocation
data - the centre's CA names no revocation service and ``verify`` fetches nothing - a
revoked certificate cannot be told from a good one.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from evidencekit.bundle.verify import verify_bundle
from evidencekit.bundle.verify_report import format_report
from tests.support import attack_tools as at
from tests.support.bundle_fake import make_tsa

UTC = dt.UTC
SIGNED = dt.datetime(2024, 9, 2, 1, 0, tzinfo=UTC)
TOKEN = SIGNED + dt.timedelta(minutes=1)
LATER = dt.datetime.now(UTC) + dt.timedelta(days=3650)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _root():
    return at.cert_between("Seoul Support Centre Root", dt.datetime(2024, 1, 1, tzinfo=UTC),
                           LATER, ca=True)


def test_expired_certificate_revoked_before_signing(tmp_path: Path) -> None:
    root_key, root = _root()
    key, cert = at.cert_between("Holder Kim", dt.datetime(2024, 8, 20, tzinfo=UTC),
                                dt.datetime(2025, 8, 20, tzinfo=UTC), issuer=(root_key, root))
    stamper, tsa_pem = make_tsa(when=TOKEN)
    out = at.export_signed(tmp_path / "b.pdf", key, cert, (root,), stamper, SIGNED)
    for name, revoked_at, code in (
            ("before.pdf", dt.datetime(2024, 8, 25, tzinfo=UTC), 3),
            ("after.pdf", dt.datetime(2024, 12, 1, tzinfo=UTC), 0)):  # after signing: holds
        path = tmp_path / name
        path.write_bytes(at.with_crl_in_dss(out.read_bytes(), root_key, root, cert,
                                            revoked_at, dt.datetime(2025, 1, 1, tzinfo=UTC)))
        report = verify_bundle(path, trust_roots_pem=tsa_pem.encode(),
                               signer_roots_pem=[_pem(root)])
        assert report.exit_code == code, (name, format_report(report, "en"))
        revoked = [c for c in report.failures if c.key == "verify_round2.signer_revoked"]
        assert len(revoked) == (1 if code else 0), name
        if code:
            assert report.holder is not None and report.holder.status == "unconfirmed"
            assert "was revoked by its certification authority on 2024-08-25" in \
                format_report(report, "en")
            assert "verify_round2" not in format_report(report, "ko")


def test_valid_certificate_revoked_before_signing(tmp_path: Path) -> None:
    root_key, root = _root()
    now = dt.datetime.now(UTC)
    key, cert = at.cert_between("Holder Kim", now - dt.timedelta(days=30),
                                now + dt.timedelta(days=300), issuer=(root_key, root))
    stamper, tsa_pem = make_tsa()
    out = at.export_signed(tmp_path / "b.pdf", key, cert, (root,), stamper, None)
    path = tmp_path / "revoked.pdf"
    path.write_bytes(at.with_crl_in_dss(out.read_bytes(), root_key, root, cert,
                                        now - dt.timedelta(days=2), now - dt.timedelta(days=1)))
    report = verify_bundle(path, trust_roots_pem=tsa_pem.encode(),
                           signer_roots_pem=[_pem(root)])
    assert report.exit_code == 3, format_report(report, "en")
    assert report.holder is not None and report.holder.status == "unconfirmed"
    assert "verify_round2.signer_revoked" in [c.key for c in report.failures]
    # a revocation list of another CA in the validation data changes nothing
    other_key, other = _root()
    clean = tmp_path / "other.pdf"
    clean.write_bytes(at.with_crl_in_dss(out.read_bytes(), other_key, other, cert,
                                         now - dt.timedelta(days=2), now - dt.timedelta(days=1)))
    assert verify_bundle(clean, trust_roots_pem=tsa_pem.encode(),
                         signer_roots_pem=[_pem(root)]).exit_code == 0


def test_valid_certificate_revoked_after_its_trusted_timestamp(tmp_path: Path) -> None:
    """Signed and timestamped ten days ago, revoked two days ago (the counsellor left the
    centre): the timestamp shows the signature existed while the certificate was good -
    confirmed at that time, no failure. Without the timestamp it fails."""
    root_key, root = _root()
    now = dt.datetime.now(UTC)
    then = now - dt.timedelta(days=10)
    key, cert = at.cert_between("Holder Kim", now - dt.timedelta(days=30),
                                now + dt.timedelta(days=300), issuer=(root_key, root))
    stamper, tsa_pem = make_tsa(when=then + dt.timedelta(minutes=1))
    for name, stamp, code in (("stamped.pdf", stamper, 0), ("bare.pdf", None, 3)):
        out = at.export_signed(tmp_path / name, key, cert, (root,), stamp, then)
        out.write_bytes(at.with_crl_in_dss(out.read_bytes(), root_key, root, cert,
                                           now - dt.timedelta(days=2),
                                           now - dt.timedelta(days=1)))
        report = verify_bundle(out, trust_roots_pem=tsa_pem.encode(),
                               signer_roots_pem=[_pem(root)])
        assert report.exit_code == code, (name, format_report(report, "en"))
        keys = [c.key for c in report.failures]
        assert ("verify_round2.signer_revoked" in keys) == bool(code), (name, keys)
