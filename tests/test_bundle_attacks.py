"""Every attack class of issue 10, each built here and each named by ``verify``.

The genuine bundle is timestamped by a test time-stamp authority the recipient trusts
(its root is passed) and checked against the holder's fingerprint, so it passes (exit 0);
each attack then changes one thing a forger would change, and ``verify`` must fail with
exit 3 naming it - or, for a bundle that is intact but signed by someone unconfirmed,
answer exit 10 and never "everything holds".
"""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import dss

from evidencekit.bundle import export as export_module
from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.manifest import display_fingerprint
from evidencekit.bundle.verify import verify_bundle
from evidencekit.bundle.verify_report import VerifyReport, format_report
from evidencekit.vault.identity import short_fingerprint
from tests.conftest import run_cli
from tests.support import attack_tools as tools
from tests.support import bundle_attacks as atk
from tests.support.bundle_fake import FakeVault, build_demo_vault, make_identity, make_tsa
from tests.support.bundle_tools import pdfsig

GENUINE: dict[str, Any] = {}


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    GENUINE.update(tools.genuine_bundle(tmp_path_factory.mktemp("genuine"), "attack test"))
    return GENUINE


def verify(data: bytes, tmp_path: Path, name: str = "attacked.pdf", **kw: Any) -> VerifyReport:
    return tools.verify_data(data, tmp_path, GENUINE, name, **kw)


assert_names = tools.assert_names


def test_genuine_bundle_passes_only_when_the_signer_is_confirmed(genuine: dict[str, Any],
                                                                   tmp_path: Path) -> None:
    fp = genuine["fp"]
    for given in (fp, display_fingerprint(fp), short_fingerprint(fp)):
        report = verify(genuine["data"], tmp_path, expect_fingerprint=given)
        assert report.exit_code == 0, format_report(report, "en")
    unconfirmed = verify(genuine["data"], tmp_path, expect_fingerprint=None)
    assert unconfirmed.exit_code == 10 and unconfirmed.intact
    assert "everything holds" not in format_report(unconfirmed, "en")
    # the holder's own certificate, handed over in person, as a trusted root
    from cryptography.hazmat.primitives import serialization

    cert_pem = genuine["holder"][1].public_bytes(serialization.Encoding.PEM)
    trusted = verify(genuine["data"], tmp_path, expect_fingerprint=None,
                     signer_roots_pem=[cert_pem])
    assert trusted.exit_code == 0 and trusted.holder is not None
    assert trusted.holder.status == "confirmed_root"


# -- who signed ------------------------------------------------------------------------------


def _stamp_cover(lines: list[str]) -> Any:
    """A build_layout wrapper stamping ``lines`` as vector outlines on the cover."""
    import pikepdf

    real = export_module.build_layout

    def build(layout_in: Any, progress: Any) -> Any:
        pdf_bytes, pages = real(layout_in, progress)
        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf, \
                pikepdf.open(io.BytesIO(atk.vector_text_pdf(lines))) as overlay:
            pdf.pages[0].add_overlay(overlay.pages[0])
            out = io.BytesIO()
            pdf.save(out)
        return out.getvalue(), pages

    return build


def test_full_forgery_with_the_holders_name_and_fingerprint_drawn_on_the_cover(
    genuine: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forger's own vault, same holder name, fabricated evidence, a fresh key; the cover
    shows the victim's name and fingerprint as vector graphics. pdfsig calls the signature
    valid; verify shows the forger's real fingerprint and never confirms it."""
    victim = genuine["fp"]
    holder_name = genuine["subject"].rfc4514_string().removeprefix("CN=")
    forger = FakeVault(holder=holder_name)
    forger.add("file", "fabricated", "x.txt", [("x.txt", "text/plain", b"fabricated")])
    monkeypatch.setattr(export_module, "build_layout", _stamp_cover(
        [holder_name, display_fingerprint(victim), short_fingerprint(victim)]))
    out = tmp_path / "forgery.pdf"
    result = export_bundle(forger, out)
    assert result.fingerprint != victim
    assert "Signature is Valid." in pdfsig(out)
    report = verify_bundle(out)
    assert report.exit_code == 10 and report.fingerprint == result.fingerprint
    assert display_fingerprint(result.fingerprint) in format_report(report, "en")
    for given in (victim, short_fingerprint(victim)):
        told = verify_bundle(out, expect_fingerprint=given)
        assert_names(told, "signature.fingerprint", "bundle.verify.fp_expected_bad")


def test_resigned_with_a_fresh_key_keeping_the_genuine_certificate_attached(
    genuine: dict[str, Any], tmp_path: Path
) -> None:
    """The unsigned original (genuine manifest, genuine signer-certificate.pem attached)
    re-signed with a fresh key under the holder's name: pdfsig says valid, verify fails."""
    path = tmp_path / "resigned.pdf"
    path.write_bytes(tools.resigned_with_a_fresh_key(genuine["data"], genuine["holder_name"]))
    assert "Signature is Valid." in pdfsig(path)
    report = verify_bundle(path, trust_roots_pem=genuine["roots"])
    assert_names(report, "certificate.match")
    assert report.fingerprint != genuine["fp"]


# -- the CMS container ---------------------------------------------------------------------


def test_one_byte_in_the_cms_certificates_without_timestamp(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    out = tmp_path / "plain.pdf"
    result = export_bundle(vault, out, items=[2, 3])
    bad = atk.flip_certificate_byte(out.read_bytes())
    report = verify(bad, tmp_path, expect_fingerprint=result.fingerprint, trust_roots_pem=None)
    assert_names(report, "signature.container", "verify_trust.cms.signing_certificate_attr")
    assert "certificate.match" in {c.name for c in report.failures}


def test_extra_certificate_in_the_cms(genuine: dict[str, Any], tmp_path: Path) -> None:
    _key, stranger = make_identity("Someone else")
    info = atk.add_certificate(atk.read_cms(genuine["data"]), stranger)
    bad = atk.write_cms(genuine["data"], info)
    report = verify(bad, tmp_path)
    assert_names(report, "signature.container", "verify_trust.cms.certificate_extra")


def test_signer_certificate_twice_in_the_cms(genuine: dict[str, Any], tmp_path: Path) -> None:
    info = atk.add_certificate(atk.read_cms(genuine["data"]), genuine["holder"][1])
    report = verify(atk.write_cms(genuine["data"], info), tmp_path)
    assert_names(report, "signature.container", "verify_trust.cms.certificate_twice")


def test_two_signer_infos(genuine: dict[str, Any], tmp_path: Path) -> None:
    info = atk.duplicate_signer_info(atk.read_cms(genuine["data"]))
    report = verify(atk.write_cms(genuine["data"], info), tmp_path)
    assert_names(report, "signature.container", "verify_trust.cms.signer_count")


def test_non_zero_padding(genuine: dict[str, Any], tmp_path: Path) -> None:
    data = genuine["data"]
    start, end = atk.contents_span(data)
    bad = data[: end - 8] + b"DEADBEEF" + data[end:]
    report = verify(bad, tmp_path)
    assert_names(report, "signature.container", "verify_trust.cms.padding")


# -- timestamps ------------------------------------------------------------------------------


def test_document_timestamp_cut_off(genuine: dict[str, Any], tmp_path: Path) -> None:
    report = verify(atk.cut_after_signature(genuine["data"]), tmp_path)
    assert_names(report, "timestamp.policy", "verify_trust.policy_doc_missing")


def test_signature_timestamp_stripped(genuine: dict[str, Any], tmp_path: Path) -> None:
    """B-T made B-B: the unsigned attribute removed (the signature still verifies)."""
    cut = atk.cut_after_signature(genuine["data"])
    info = atk.strip_signature_timestamp(atk.read_cms(cut))
    bad = atk.write_cms(cut, info)
    report = verify(bad, tmp_path)
    assert_names(report, "timestamp.policy", "verify_trust.policy_sig_missing")
    # with the document timestamp left on, that one breaks too
    kept = atk.write_cms(genuine["data"], atk.strip_signature_timestamp(
        atk.read_cms(genuine["data"])))
    assert_names(verify(kept, tmp_path, "kept.pdf"), "timestamp.document")


def test_signature_timestamp_replaced_by_a_later_trusted_token(genuine: dict[str, Any],
                                                               tmp_path: Path) -> None:
    """A token over the same signature from a trusted authority, 400 days later, and a
    fresh document timestamp on top: every token verifies, the time does not fit."""
    later, later_pem = make_tsa(when=datetime.now(UTC) + timedelta(days=400))
    cut = atk.cut_after_signature(genuine["data"])
    bad = atk.write_cms(cut, atk.replace_signature_timestamp(atk.read_cms(cut), later))
    bad = atk.append_document_timestamp(bad, later)
    roots = genuine["roots"] + later_pem.encode()
    report = verify(bad, tmp_path, trust_roots_pem=roots)
    assert {c.name for c in report.checks if c.ok is True} >= {"signature.timestamp",
                                                               "timestamp.document"}
    assert_names(report, "timestamp.policy", "verify_trust.policy_sig_late")


def test_backdated_token_from_an_untrusted_authority(genuine: dict[str, Any],
                                                     tmp_path: Path) -> None:
    backdated, _pem = make_tsa(when=datetime(2024, 8, 30, 6, 0, tzinfo=UTC))
    cut = atk.cut_after_signature(genuine["data"])
    bad = atk.write_cms(cut, atk.replace_signature_timestamp(atk.read_cms(cut), backdated))
    report = verify(bad, tmp_path)
    assert_names(report, "signature.timestamp", "verify_trust.sig_timestamp_untrusted")


# -- updates after signing -------------------------------------------------------------------


def _set_title(writer: IncrementalPdfFileWriter) -> None:
    info = writer.trailer["/Info"].get_object()
    info["/Title"] = generic.pdf_string("Forged title")
    info["/Author"] = generic.pdf_string("Someone else")
    writer.update_container(info)


def test_info_rewritten_with_a_fresh_trusted_document_timestamp(genuine: dict[str, Any],
                                                                tmp_path: Path) -> None:
    buf = io.BytesIO(genuine["data"])
    writer = IncrementalPdfFileWriter(buf)
    _set_title(writer)
    writer.write_in_place()
    bad = atk.append_document_timestamp(buf.getvalue(), genuine["stamper"])
    report = verify(bad, tmp_path)
    assert {c.key for c in report.checks if c.name == "timestamp.document" and c.ok} == \
        {"bundle.verify.doc_timestamp"}  # the fresh timestamp itself is fine
    assert_names(report, "revisions.after", "verify_trust.rev.info")
    detail = next(c for c in report.failures if c.key == "verify_trust.rev.info")
    assert detail.params["revision"] == 4 and "/Title" in detail.params["detail"]


def test_open_action_added_in_a_timestamp_revision(genuine: dict[str, Any],
                                                   tmp_path: Path) -> None:
    buf = io.BytesIO(genuine["data"])
    writer = IncrementalPdfFileWriter(buf)
    writer.root["/OpenAction"] = generic.DictionaryObject({
        generic.pdf_name("/S"): generic.pdf_name("/JavaScript"),
        generic.pdf_name("/JS"): generic.pdf_string("app.alert(1)")})
    writer.update_root()
    signers.PdfTimeStamper(genuine["stamper"], field_name="T9").timestamp_pdf(
        writer, "sha256", in_place=True)
    report = verify(buf.getvalue(), tmp_path)
    assert_names(report, "revisions.after", "verify_trust.rev.catalog")


def test_validation_data_and_renewal_timestamps_pass(genuine: dict[str, Any],
                                                     tmp_path: Path) -> None:
    """B-LT/B-LTA shape: a DSS revision and further document timestamps stay valid."""
    buf = io.BytesIO(genuine["data"])
    sig = atk.read_cms(genuine["data"])
    cert = sig["content"]["certificates"][0].chosen
    dss.DocumentSecurityStore.add_dss(buf, sig.dump(), certs=[cert])
    data = atk.append_document_timestamp(buf.getvalue(), genuine["stamper"], "Renewal1")
    data = atk.append_document_timestamp(data, genuine["stamper"], "Renewal2")
    report = verify(data, tmp_path)
    assert report.exit_code == 0, format_report(report, "en")


# -- side folder -----------------------------------------------------------------------------


def test_side_file_and_side_folder_missing(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    out = tmp_path / "big.pdf"
    result = export_bundle(vault, out, items=[1, 2, 5], max_embed_mb=0.1)
    side = tmp_path / "big-files"
    assert verify_bundle(out, expect_fingerprint=result.fingerprint).exit_code == 0
    (side / "002-screenshot.png").unlink()
    report = verify_bundle(out, expect_fingerprint=result.fingerprint)
    assert_names(report, "side.files", "verify_trust.side_files_missing")
    assert "002-screenshot.png" in format_report(report, "en")
    assert [i.number for i in report.items if i.ok is False] == [2]
    shutil.rmtree(side)
    report = verify_bundle(out, expect_fingerprint=result.fingerprint)
    assert_names(report, "side.files", "verify_trust.side_folder_missing")
    assert "big-files" in format_report(report, "en")


def test_no_originals_declared_in_the_manifest_verifies(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    out = tmp_path / "hashes-only.pdf"
    result = export_bundle(vault, out, items=[1, 2], originals=False)
    report = verify_bundle(out, expect_fingerprint=result.fingerprint)
    assert report.exit_code == 0, format_report(report, "en")


# -- organisation signers, counter-signatures ------------------------------------------------


def _ca_vault(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeVault, Any, Any]:
    """A vault whose identity was issued by a centre's intermediate CA; the CMS carries
    the signer certificate and the intermediate (the export asks ``identity_chain``)."""
    root_key, root = atk.make_ca()
    mid_key, mid = atk.issue(root_key, root, "Test Centre Issuing CA", ca=True)
    leaf_key, leaf = atk.issue(mid_key, mid, "상담사 (Counsellor, Test Centre)")
    return tools.ca_vault(leaf_key, leaf, (mid,)), root, mid


def test_trust_ca_confirms_a_chained_signer(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives import serialization

    vault, root, mid = _ca_vault(monkeypatch)
    out = tmp_path / "centre.pdf"
    export_bundle(vault, out)
    info = atk.read_cms(out.read_bytes())
    assert len(info["content"]["certificates"]) == 2  # the signer and its issuing CA
    assert verify_bundle(out).exit_code == 10
    root_pem = root.public_bytes(serialization.Encoding.PEM)
    report = verify_bundle(out, signer_roots_pem=[root_pem])
    assert report.exit_code == 0, format_report(report, "en")
    assert report.holder is not None and report.holder.status == "confirmed_root"
    (tmp_path / "root.pem").write_bytes(root_pem)
    res = run_cli("verify", out, "--trust-ca", tmp_path / "root.pem")
    assert res.code == 0, res.out
    _other_key, other = atk.make_ca("Another Root")
    (tmp_path / "other.pem").write_bytes(other.public_bytes(serialization.Encoding.PEM))
    assert run_cli("verify", out, "--trust-ca", tmp_path / "other.pem").code == 10
    (tmp_path / "junk.pem").write_text("no certificate")
    res = run_cli("verify", out, "--trust-ca", tmp_path / "junk.pem")
    assert res.code == 2 and "Traceback" not in res.err
    # a root saved in the user's settings (the GUI's verify screen) confirms it too
    from evidencekit.settings import Settings

    settings = Settings.load()
    settings.set("trusted_roots", [root_pem.decode("ascii")])
    settings.save()
    assert run_cli("verify", out).code == 0


def test_counter_signature_listed_and_checked(genuine: dict[str, Any], tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    key, cert = make_identity("상담사 (Counsellor)")
    data = atk.countersign(genuine["data"], key, cert)
    report = verify(data, tmp_path)
    # the holder confirmed, the counter-signature not: 11, never 0
    assert report.exit_code == 11, format_report(report, "en")
    assert [(s.role, s.status) for s in report.signers] == [
        ("holder", "confirmed_fingerprint"), ("countersigner", "unconfirmed")]
    roots = [cert.public_bytes(serialization.Encoding.PEM)]
    trusted = verify(data, tmp_path, signer_roots_pem=roots)
    assert trusted.signers[1].status == "confirmed_root"
    assert trusted.exit_code == 0, format_report(trusted, "en")
    # a document timestamp on top keeps both valid
    stamped = atk.append_document_timestamp(data, genuine["stamper"], "AfterCounter")
    assert verify(stamped, tmp_path, "stamped.pdf", signer_roots_pem=roots).exit_code == 0
    # a counter-signature revision that also changes the title fails
    sneaky = atk.countersign(genuine["data"], key, cert, extra=_set_title)
    assert_names(verify(sneaky, tmp_path, "sneaky.pdf"), "revisions.after",
                 "verify_trust.rev.info")
    # a broken counter-signature fails
    start, end = atk.contents_span(data, 2)
    raw = bytearray(data)
    raw[start + 400] = ord("0") if raw[start + 400] != ord("0") else ord("1")
    assert_names(verify(bytes(raw), tmp_path, "broken.pdf"), "signature.countersignature")


# -- no traceback ------------------------------------------------------------------------------


def test_cli_on_attacked_bundles_prints_no_traceback(genuine: dict[str, Any],
                                                     tmp_path: Path) -> None:
    attacks = {
        "cut.pdf": atk.cut_after_signature(genuine["data"]),
        "certs.pdf": atk.flip_certificate_byte(genuine["data"]),
        "signers.pdf": atk.write_cms(genuine["data"], atk.duplicate_signer_info(
            atk.read_cms(genuine["data"]))),
    }
    for name, data in attacks.items():
        (tmp_path / name).write_bytes(data)
        res = run_cli("verify", tmp_path / name, "--expect-fingerprint", genuine["fp"])
        assert res.code == 3, (name, res.out)
        assert "Traceback" not in res.out + res.err, name


def test_bytes_appended_after_the_last_revision(genuine: dict[str, Any], tmp_path: Path) -> None:
    for n, tail in enumerate((b"\n% junk\n", b"\njunk\n%%EOF\n", b"\x00" * 5000 + b"x")):
        report = verify(genuine["data"] + tail, tmp_path, f"tail{n}.pdf")
        assert report.exit_code == 3, (tail[:20], format_report(report, "en"))
        assert {"signature.coverage", "revisions.after", "pdf.readable"} & \
            {c.name for c in report.failures}


def test_object_replaced_under_a_new_generation_number(genuine: dict[str, Any],
                                                       tmp_path: Path) -> None:
    """Info written again as object 'N 1' (viewers often ignore generation numbers)."""
    data = genuine["data"]
    reader = PdfFileReader(io.BytesIO(data))
    info_ref = reader.trailer_view.raw_get("/Info").reference
    body = f"{info_ref.idnum} 1 obj\n<< /Title (Forged) >>\nendobj\n".encode()
    start = len(data)
    prev = reader.xrefs.get_startxref_for_revision(reader.xrefs.total_revisions - 1)
    xref_at = start + len(body)
    size = int(reader.trailer_view["/Size"])
    xref = (f"xref\n{info_ref.idnum} 1\n{start:010d} 00001 n \n"
            f"trailer\n<< /Size {size} /Root {reader.root_ref.idnum} 0 R "
            f"/Info {info_ref.idnum} 0 R /Prev {prev} >>\nstartxref\n{xref_at}\n%%EOF\n")
    report = verify(data + body + xref.encode(), tmp_path)
    assert_names(report, "revisions.after", "verify_trust.rev.object")


def test_the_countersign_command_output_verifies(tmp_path: Path) -> None:
    """The counter-signature the ``countersign`` command makes (real vaults, timestamped
    bundle) passes the strict checks: the holder confirmed, the counsellor listed."""
    from evidencekit.vault import Vault
    from tests.conftest import PASSPHRASE
    from tests.support.tsa_server import LocalTSA
    from tests.support.vault_util import add_bytes

    holder, _ = Vault.create(tmp_path / "holder", PASSPHRASE, "Holder Kim")
    with holder:
        add_bytes(holder, b"screenshot bytes" * 100, "shot.png")
        holder_fp = holder.fingerprint
    counsellor, _ = Vault.create(tmp_path / "counsellor", PASSPHRASE, "Counsellor Park 박")
    with counsellor:
        counsellor_fp = counsellor.fingerprint
    (tmp_path / "pass.txt").write_text(PASSPHRASE)
    bundle, out = tmp_path / "bundle.pdf", tmp_path / "countersigned.pdf"
    with LocalTSA(tmp_path / "tsa") as tsa:
        res = run_cli("export", tmp_path / "holder", bundle, "--tsa", tsa.url, "--tsa-ca",
                      tsa.root_pem_path, "--passphrase-file", tmp_path / "pass.txt")
        assert res.code == 0, res.err
        res = run_cli("countersign", bundle, "--vault", tmp_path / "counsellor", "-o", out,
                      "--tsa", tsa.url, "--passphrase-file", tmp_path / "pass.txt")
        assert res.code == 0, res.err
        report = verify_bundle(out, trust_roots_pem=tsa.root_pem, expect_fingerprint=holder_fp)
    assert report.exit_code == 11, format_report(report, "en")  # the counsellor unconfirmed
    assert [(s.role, s.fingerprint) for s in report.signers] == [
        ("holder", holder_fp.replace(":", "").lower()),
        ("countersigner", counsellor_fp.replace(":", "").lower())]
    assert report.signers[1].status == "unconfirmed"


def test_bytes_flipped_in_the_timestamp_revisions(genuine: dict[str, Any],
                                                  tmp_path: Path) -> None:
    """One byte changed anywhere after the holder's signed revision (DSS, document
    timestamp, xref, trailer): always exit 3 with named checks, never a crash."""
    import random

    data = genuine["data"]
    end = atk.signed_length(data)
    rnd = random.Random(10)
    for n in range(20):
        offset = rnd.randrange(end - 2000, len(data))
        bad = bytearray(data)
        bad[offset] ^= 0x41
        report = verify(bytes(bad), tmp_path, f"flip{n}.pdf")
        assert report.exit_code == 3, (offset, format_report(report, "en"))
        assert report.failures
        assert "bundle.verify.unexpected" not in {c.key for c in report.checks}, offset
