"""Round-2 attacks on the holder / counter-signature distinction (exit 11).

The holder's signature is the file's first ``/Sig``; every later ``/Sig`` is a
counter-signature and is shown as confirmed only when a root the recipient trusts
confirms it. Nothing may give exit 0 unless every signature shown as confirmed is: a
forger's counter-signature in the holder's own name, the holder's key signing again, a
visible counter-signature, the holder's container moved into a counter-signature, the
holder's field renamed to look like a counter-signature. Removing a genuine
counter-signature leaves the holder's genuine bundle, shown with no counter-signature.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from evidencekit.bundle.verify_report import VerifyReport, format_report
from evidencekit.vault.identity import format_fingerprint
from tests.support import attack_tools as at
from tests.support import bundle_attacks as atk
from tests.support.bundle_fake import make_identity

HOLDER_FIELD = "EvidenceKitSignature"


def _roles(report: VerifyReport) -> list[tuple[str, str]]:
    return [(s.role, s.status) for s in report.signers]


def test_forgers_counter_signature_in_the_holders_own_name(tmp_path: Path) -> None:
    """Same name as the holder, a field named like the holder's: still the forger's key,
    listed as an unconfirmed counter-signature with its own fingerprint (11, not 0) -
    also when the recipient trusts the holder's certificate as a root."""
    genuine = at.genuine_bundle(tmp_path, "case")
    key, cert = make_identity(genuine["holder_name"])
    assert cert.subject == genuine["subject"]
    data = at.countersign_as(genuine["data"], key, cert, name=HOLDER_FIELD + "2")
    report = at.verify_data(data, tmp_path, genuine)
    text = format_report(report, "en")
    assert report.exit_code == 11, text
    assert _roles(report) == [("holder", "confirmed_fingerprint"),
                              ("countersigner", "unconfirmed")]
    forger = report.countersigners[0]
    assert forger.fingerprint != genuine["fp"]
    assert format_fingerprint(forger.fingerprint) in text and "everything holds" not in text
    holder_pem = genuine["holder"][1].public_bytes(serialization.Encoding.PEM)
    trusted = at.verify_data(data, tmp_path, genuine, expect_fingerprint=None,
                             signer_roots_pem=[holder_pem])
    assert trusted.exit_code == 11, format_report(trusted, "en")
    assert _roles(trusted) == [("holder", "confirmed_root"), ("countersigner", "unconfirmed")]


def test_holders_key_signing_again_is_not_confirmed_by_the_holders_fingerprint(
        tmp_path: Path) -> None:
    """A second signature by the holder's own key, appended as a counter-signature: the
    fingerprint the holder gave confirms the holder's signature only (the first ``/Sig``);
    the second one is listed separately and confirms nothing (11, not 0)."""
    genuine = at.genuine_bundle(tmp_path, "case")
    key, cert = genuine["holder"]
    data = at.countersign_as(genuine["data"], key, cert, name="EvidenceKitCountersignature")
    report = at.verify_data(data, tmp_path, genuine)
    assert report.exit_code == 11, format_report(report, "en")
    assert _roles(report) == [("holder", "confirmed_fingerprint"),
                              ("countersigner", "unconfirmed")]
    assert report.countersigners[0].fingerprint == genuine["fp"]


def test_visible_counter_signature_fails(tmp_path: Path) -> None:
    """A counter-signature with a widget on the first page (a stamp the reader sees,
    "checked by the police"): a change to a page after the holder signed."""
    genuine = at.genuine_bundle(tmp_path, "case")
    key, cert = make_identity("Seoul Metropolitan Police Agency")
    data = at.countersign_as(genuine["data"], key, cert, name="PoliceStamp",
                             box=(50, 50, 300, 120))
    report = at.verify_data(data, tmp_path, genuine)
    at.assert_names(report, "revisions.after")
    assert not report.ok


def test_holders_container_moved_into_a_counter_signature(tmp_path: Path) -> None:
    """The holder's genuine CMS container copied into a counter-signature field: it does
    not sign that revision - the counter-signature is invalid, the bundle fails."""
    genuine = at.genuine_bundle(tmp_path, "case")
    key, cert = make_identity("Counsellor Lee")
    data = at.countersign_as(genuine["data"], key, cert, name="EvidenceKitCountersignature")
    holder_cms = atk.read_cms(data, 0).dump()
    moved = atk.write_cms(data, holder_cms, index=2)  # holder, document timestamp, counter
    report = at.verify_data(moved, tmp_path, genuine)
    at.assert_names(report, "signature.countersignature", "verify_trust.counter_bad")
    assert ("countersigner", "invalid") in _roles(report)


def test_holders_signature_renamed_to_look_like_a_counter_signature(tmp_path: Path) -> None:
    """An update renames the holder's field to the counter-signature's name (under a
    trusted document timestamp): the signed field changed after signing."""
    genuine = at.genuine_bundle(tmp_path, "case")
    data = at.rename_signature_field(genuine["data"], HOLDER_FIELD,
                                     "EvidenceKitCountersignature", genuine["stamper"])
    report = at.verify_data(data, tmp_path, genuine)
    at.assert_names(report, "revisions.after")
    assert report.holder is not None and report.holder.role == "holder"


def test_removing_a_genuine_counter_signature_leaves_the_holders_bundle(
        tmp_path: Path) -> None:
    """The genuine counsellor's counter-signature cut off (the file ends where the
    revision before it ended): what is left is the holder's genuine bundle - nothing
    signed declares the counter-signature, so this cannot fail - and the report then
    lists no counter-signature at all, so a recipient told of one sees it is missing."""
    genuine = at.genuine_bundle(tmp_path, "case")
    key, cert = make_identity("Counsellor Lee")
    counsellor_pem = cert.public_bytes(serialization.Encoding.PEM)
    signed = at.countersign_as(genuine["data"], key, cert, name="EvidenceKitCountersignature")
    full = at.verify_data(signed, tmp_path, genuine, signer_roots_pem=[counsellor_pem])
    assert full.exit_code == 0 and _roles(full)[-1] == ("countersigner", "confirmed_root")
    cut = signed[: len(genuine["data"])]
    assert cut == genuine["data"]
    report = at.verify_data(cut, tmp_path, genuine, signer_roots_pem=[counsellor_pem])
    assert report.exit_code == 0
    assert _roles(report) == [("holder", "confirmed_fingerprint")]
    text = format_report(report, "en")
    assert "Counsellor Lee" not in text and "Counter-signature" not in text


def test_broken_counter_signature_fails(tmp_path: Path) -> None:
    """One byte of the counter-signature's signature value changed: 3, never 11 or 0."""
    genuine = at.genuine_bundle(tmp_path, "case")
    key, cert = make_identity("Counsellor Lee")
    data = at.countersign_as(genuine["data"], key, cert, name="EvidenceKitCountersignature")
    info = atk.read_cms(data, 2)
    signer = info["content"]["signer_infos"][0]
    value = bytearray(signer["signature"].native)
    value[-1] ^= 1
    signer["signature"] = bytes(value)
    report = at.verify_data(atk.write_cms(data, info, index=2), tmp_path, genuine,
                            signer_roots_pem=[cert.public_bytes(serialization.Encoding.PEM)])
    at.assert_names(report, "signature.countersignature", "verify_trust.counter_bad")
    assert isinstance(cert, x509.Certificate)


def test_counter_signature_carrying_javascript_fails(tmp_path: Path) -> None:
    """The counter-signature's own revision runs JavaScript (its field's /AA or /A, or
    the document's /OpenAction) - with the counsellor's certificate trusted, still 3."""
    genuine = at.genuine_bundle(tmp_path, "case")
    key, cert = make_identity("Counsellor Lee")
    pem = cert.public_bytes(serialization.Encoding.PEM)
    for where in ("/AA", "/A", "/OpenAction"):
        data = at.countersign_with_action(genuine["data"], key, cert, where)
        report = at.verify_data(data, tmp_path, genuine, signer_roots_pem=[pem])
        expected = "verify_trust.rev.catalog" if where == "/OpenAction" else \
            "verify_extra.field_action"
        at.assert_names(report, "revisions.after", expected)
        assert report.countersigners and not report.ok, where
