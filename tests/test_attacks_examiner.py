"""An adversarial examiner's attacks on a genuine bundle, each built here for real.

The genuine bundle is made by the program (signature timestamp and document timestamp
from a test time-stamp authority the recipient trusts) and passes with the holder's
fingerprint (exit 0). Each attack changes what a forger or a defence expert would change;
``verify`` must answer exit 3 and name the check - never 0, never a traceback. The attacks
that ``tests/test_bundle_attacks.py`` already builds (CMS container, timestamps removed or
replaced, Info rewritten, OpenAction, appended junk, a new generation number) are not
repeated here. Builders: :mod:`tests.support.attack_tools`.
"""

from __future__ import annotations

import io
import random
import time
from pathlib import Path
from typing import Any

import pytest
from pyhanko.sign.validation import dss

from evidencekit.bundle import ltv
from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.manifest import display_fingerprint
from evidencekit.bundle.verify import verify_bundle
from evidencekit.bundle.verify_report import VerifyReport, format_report
from evidencekit.timestamps.trust import trust_roots
from evidencekit.vault.identity import short_fingerprint
from tests.conftest import run_cli
from tests.support import attack_tools as tools
from tests.support import bundle_attacks as atk
from tests.support.bundle_fake import build_demo_vault, make_identity, make_tsa

GENUINE: dict[str, Any] = {}


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    GENUINE.update(tools.genuine_bundle(tmp_path_factory.mktemp("genuine"), "examiner"))
    return GENUINE


def verify(data: bytes, tmp_path: Path, name: str = "attacked.pdf", **kw: Any) -> VerifyReport:
    return tools.verify_data(data, tmp_path, GENUINE, name, **kw)


assert_names = tools.assert_names


def test_genuine_bundle_and_its_renewals_pass(genuine: dict[str, Any], tmp_path: Path) -> None:
    """The new checks refuse nothing the program itself writes: the genuine bundle,
    validation data, further document timestamps and a counter-signature."""
    assert verify(genuine["data"], tmp_path).exit_code == 0
    buf = io.BytesIO(genuine["data"])
    sig = atk.read_cms(genuine["data"])
    dss.DocumentSecurityStore.add_dss(buf, sig.dump(),
                                      certs=[sig["content"]["certificates"][0].chosen])
    data = atk.append_document_timestamp(buf.getvalue(), genuine["stamper"], "Renewal")
    from cryptography.hazmat.primitives import serialization

    key, cert = make_identity("상담사 (Counsellor)")
    data = atk.countersign(data, key, cert)
    report = verify(data, tmp_path, "renewed.pdf",
                    signer_roots_pem=[cert.public_bytes(serialization.Encoding.PEM)])
    assert report.exit_code == 0, format_report(report, "en")
    # an archive timestamp added by the program's own renewal
    renewed = tmp_path / "renew.pdf"
    renewed.write_bytes(genuine["data"])
    ltv.renew_bundle(renewed, genuine["stamper"],
                     extra_certs=trust_roots(genuine["roots"], public=False))
    report = verify(renewed.read_bytes(), tmp_path, "renewed2.pdf")
    assert report.exit_code == 0, format_report(report, "en")


# -- bytes no update accounts for ------------------------------------------------------------


def test_object_appended_outside_any_update(genuine: dict[str, Any], tmp_path: Path) -> None:
    """A forged object after the last %%EOF, closed by a startxref to the old
    cross-references: every signature still covers what it covered, nothing but the new
    check sees the unsigned bytes."""
    report = verify(tools.object_outside_any_update(genuine["data"]), tmp_path)
    assert_names(report, "revisions.after", "verify_extra.layout_trailing")


def test_object_hidden_in_a_validation_data_update(genuine: dict[str, Any],
                                                   tmp_path: Path) -> None:
    """A DSS update that carries an object its xref does not list, with a trusted document
    timestamp over everything: the timestamp is valid, the hidden object is named."""
    data = tools.object_hidden_in_validation_data_update(genuine["data"], genuine["stamper"])
    report = verify(data, tmp_path)
    assert [c.key for c in report.checks if c.name == "timestamp.document" and c.ok] == \
        ["bundle.verify.doc_timestamp", "bundle.verify.doc_timestamp"]
    assert_names(report, "revisions.after", "verify_extra.layout_unlisted")
    detail = next(c for c in report.failures if c.key == "verify_extra.layout_unlisted")
    assert detail.params["revision"] == 4


def test_layout_check_reads_cross_reference_streams(genuine: dict[str, Any]) -> None:
    """A file whose every section is a cross-reference stream (object streams, as pikepdf
    can write): the program's signature and a document timestamp pass the layout check; an
    object slipped in before the last cross-reference stream is named."""
    import pikepdf
    from pyhanko.pdf_utils.reader import PdfFileReader

    from evidencekit.bundle import signing
    from evidencekit.bundle.verify_extra import layout_problems

    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    buf = io.BytesIO(out.getvalue())
    key, cert = make_identity("Streams")
    signing.sign_in_place(buf, key, cert)
    data = atk.append_document_timestamp(buf.getvalue(), genuine["stamper"])
    assert layout_problems(data, PdfFileReader(io.BytesIO(data), strict=False), 1) == []
    last = int(data[data.rindex(b"startxref"):].split()[1])
    hidden = b"1 0 obj\n<< /Title (Forged) >>\nendobj\n"
    bad = (data[:last] + hidden + data[last:data.rindex(b"startxref")] + b"startxref\n"
           + str(last + len(hidden)).encode() + b"\n%%EOF\n")
    problems = layout_problems(bad, PdfFileReader(io.BytesIO(bad), strict=False), 1)
    # the slipped-in object, and the cross-reference stream now off its listed offset
    assert {p[1] for p in problems} == {"layout_unlisted", "layout_offset"}


def test_bytes_prepended(genuine: dict[str, Any], tmp_path: Path) -> None:
    report = verify(b"%PDF-1.7\n% inserted\n" + genuine["data"], tmp_path)
    assert report.exit_code == 3
    assert {"pdf.readable", "signature.intact"} & {c.name for c in report.failures}


def test_hybrid_cross_reference_stream_overrides_the_title(genuine: dict[str, Any],
                                                           tmp_path: Path) -> None:
    data = tools.hybrid_info_override(genuine["data"])
    # a viewer reads the hybrid stream: the forged title is what it shows
    import pikepdf

    (tmp_path / "hybrid.pdf").write_bytes(data)
    with pikepdf.open(tmp_path / "hybrid.pdf") as pdf:
        assert str(pdf.docinfo["/Title"]) == "Forged by a hybrid xref"
    report = verify(data, tmp_path)
    assert_names(report, "revisions.after", "verify_trust.rev.info")


@pytest.mark.parametrize(("which", "key", "value", "shown"), [
    ("info", "/Title", "(FORGED TITLE)", "FORGED TITLE"),
    ("page", "/MediaBox", "[0 0 200 200]", "200 x 200"),
])
def test_key_defined_twice_in_an_update(genuine: dict[str, Any], tmp_path: Path, which: str,
                                        key: str, value: str, shown: str) -> None:
    """The document information or page 2 written again with the original entries first
    and a forged value second (a title; a crop), a trusted document timestamp on top.
    pyHanko (lenient) keeps the first value - unchanged; poppler shows the second. Before
    the duplicate-key check verify answered 0."""
    from tests.support.bundle_tools import need, run

    need("pdfinfo")
    data = tools.duplicate_key_update(genuine["data"], which, key, value)
    data = tools.update(data, lambda w: None, genuine["stamper"])
    (tmp_path / "dup.pdf").write_bytes(data)
    assert shown in run("pdfinfo", "-f", "2", "-l", "2", tmp_path / "dup.pdf").stdout
    report = verify(data, tmp_path)
    assert_names(report, "revisions.after", "verify_extra.duplicate_key")


def test_cross_reference_offset_that_only_a_lenient_reader_forgives(genuine: dict[str, Any],
                                                                    tmp_path: Path) -> None:
    def rewrite_info(writer: Any) -> None:
        writer.update_container(writer.trailer["/Info"].get_object())

    data = tools.update(genuine["data"], rewrite_info)
    assert verify(data, tmp_path, "rewritten.pdf").exit_code == 0  # written again, unchanged
    report = verify(tools.shift_last_offset(data), tmp_path)
    assert_names(report, "revisions.after")
    assert {"verify_extra.layout_offset", "verify_extra.layout_outside"} & \
        {c.key for c in report.failures}


def test_trailer_with_root_defined_twice(genuine: dict[str, Any], tmp_path: Path) -> None:
    """An update whose trailer names the catalog twice (the original first)."""
    data = tools.duplicate_key_update(genuine["data"], "info", "/Title", "(T)")
    at = data.rindex(b"/Root ")
    end = data.index(b" R", at) + 2
    data = data[:end] + b" /Root 2 0 R" + data[end:]
    report = verify(data, tmp_path)
    assert_names(report, "revisions.after", "verify_extra.duplicate_key")
    assert "trailer" in [c.params.get("detail") for c in report.failures]


# -- what an update may add ------------------------------------------------------------------


@pytest.mark.parametrize("key", ["/AA", "/A"])
def test_document_timestamp_field_with_javascript(genuine: dict[str, Any], tmp_path: Path,
                                                  key: str) -> None:
    """A genuine, trusted document timestamp whose invisible field runs JavaScript when
    the page opens (/AA /PO) or when it is activated (/A)."""
    data = tools.timestamp_field_with_action(genuine["data"], genuine["stamper"], key)
    report = verify(data, tmp_path)
    assert_names(report, "revisions.after", "verify_extra.field_action")
    detail = next(c for c in report.failures if c.key == "verify_extra.field_action")
    assert key in detail.params["detail"]


def test_validation_data_with_javascript_and_a_page_reference(genuine: dict[str, Any],
                                                              tmp_path: Path) -> None:
    data = tools.dss_with_extras(genuine["data"], genuine["stamper"])
    report = verify(data, tmp_path)
    assert_names(report, "revisions.after", "verify_extra.dss")
    detail = next(c for c in report.failures if c.key == "verify_extra.dss")
    assert "/JS" in detail.params["detail"] and "/Pages" in detail.params["detail"]


def test_holder_signature_presented_twice(genuine: dict[str, Any], tmp_path: Path) -> None:
    data = tools.holder_signature_shown_twice(genuine["data"], genuine["stamper"])
    report = verify(data, tmp_path)
    assert_names(report, "revisions.after")


def test_annotation_list_pointed_at_the_attachment_list(genuine: dict[str, Any],
                                                        tmp_path: Path) -> None:
    """Only pyHanko's own difference analysis caught this before; now it is named."""
    data = tools.annotation_list_hijack(genuine["data"], genuine["stamper"])
    report = verify(data, tmp_path)
    assert_names(report, "revisions.after", "verify_extra.array_reused")


def test_page_content_added_in_an_update(genuine: dict[str, Any], tmp_path: Path) -> None:
    report = verify(tools.page_content_update(genuine["data"], genuine["stamper"]), tmp_path)
    assert_names(report, "revisions.after", "verify_trust.rev.page")


def test_file_attachment_annotation_added(genuine: dict[str, Any], tmp_path: Path) -> None:
    data = tools.attachment_annotation_update(genuine["data"], genuine["stamper"])
    report = verify(data, tmp_path)
    assert_names(report, "revisions.after", "verify_trust.rev.annotations")


def test_new_embedded_file_added(genuine: dict[str, Any], tmp_path: Path) -> None:
    report = verify(tools.embedded_file_update(genuine["data"], genuine["stamper"]), tmp_path)
    assert_names(report, "revisions.after", "verify_trust.rev.object")
    assert_names(report, "attachments.unlisted", "bundle.verify.files_unlisted")


# -- the manual route ------------------------------------------------------------------------


def test_manual_route_on_a_forgers_signature_listed_first(genuine: dict[str, Any],
                                                          tmp_path: Path) -> None:
    """The forger renames the holder's field, puts a field of the holder's name first and
    signs the whole file under the holder's name: pdfsig's signature #1 now looks like a
    genuine untimestamped bundle. Followed literally, the README route cuts the whole
    file at step 2, and step 3 shows the forger's fingerprint; verify names the update."""
    from tests.support.bundle_tools import need
    from tests.test_bundle_manual_route import follow_route

    for tool in ("pdfsig", "pdfdetach", "openssl", "sha256sum", "head"):
        need(tool)
    key, cert = make_identity(genuine["holder_name"])
    data = tools.signature_field_swap(genuine["data"], key, cert)
    folder = tmp_path / "route"
    folder.mkdir()
    (folder / "bundle.pdf").write_bytes(data)
    (tmp_path / "tsa.pem").write_text(genuine["tsa_pem"])
    seen = follow_route(folder / "bundle.pdf", tmp_path / "tsa.pem")
    first = seen["pdfsig"].split("Signature #2")[0]
    assert "Total document signed" in first and "Signature is Valid." in first
    assert seen["signer_fp"] != display_fingerprint(genuine["fp"])  # step 3 catches it
    report = verify(data, tmp_path)
    assert_names(report, "revisions.after", "verify_trust.rev.form")


def test_compression_bomb_is_not_opened(genuine: dict[str, Any], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """An attachment that inflates a thousandfold. The limit (1 GiB or 20 times the file)
    is lowered for the test so that it stays small: 64 MiB of zeros against 16 MiB."""
    from evidencekit.bundle import verify_extra_content

    monkeypatch.setattr(verify_extra_content, "_MIN_DECODED", 16 << 20)
    data = tools.compression_bomb_update(genuine["data"], genuine["stamper"], 64)
    assert len(data) - len(genuine["data"]) < 1 << 20
    report = verify(data, tmp_path)
    assert_names(report, "attachments.readable", "verify_extra.attachments_bomb")
    assert verify(genuine["data"], tmp_path, "plain.pdf").exit_code == 0


# -- timestamps and signers ------------------------------------------------------------------


def test_signature_timestamp_token_over_other_data(genuine: dict[str, Any],
                                                   tmp_path: Path) -> None:
    data = tools.signature_timestamp_over_other_data(genuine["data"], genuine["stamper"])
    report = verify(data, tmp_path)
    assert_names(report, "signature.timestamp", "bundle.verify.sig_timestamp_bad")


def test_document_timestamp_from_an_untrusted_authority(genuine: dict[str, Any],
                                                        tmp_path: Path) -> None:
    stranger, _pem = make_tsa()
    data = atk.append_document_timestamp(genuine["data"], stranger, "Stranger")
    report = verify(data, tmp_path)
    assert_names(report, "timestamp.document", "bundle.verify.doc_timestamp_untrusted")


def test_forgers_counter_signature_is_named_with_its_real_fingerprint(
    genuine: dict[str, Any], tmp_path: Path
) -> None:
    """A forger adds a counter-signature under an official-sounding name. The holder's
    signature (what the evidence is) stays confirmed; the counter-signature is listed as
    unconfirmed with the forger's own fingerprint, never as confirmed."""
    key, cert = make_identity("Seoul Metropolitan Police Agency (evidence officer)")
    report = verify(atk.countersign(genuine["data"], key, cert), tmp_path)
    counter = [s for s in report.signers if s.role == "countersigner"]
    assert len(counter) == 1 and counter[0].status == "unconfirmed"
    assert counter[0].fingerprint != genuine["fp"]
    text = format_report(report, "en")
    assert display_fingerprint(counter[0].fingerprint) in text
    assert "nothing confirms who made it" in text
    assert report.holder is not None and report.holder.status == "confirmed_fingerprint"
    # never read as a confirmation: exit 11 and a verdict that says so
    assert report.exit_code == 11 and not report.ok and report.confirmed
    assert "COUNTER-SIGNATURE NOT CONFIRMED" in text and "everything holds" not in text


@pytest.mark.parametrize("given", [
    "prefix", "extra", "short_one_digit", "short_prefix", "sha1", "openssl_line",
])
def test_expected_fingerprint_that_only_partly_matches(genuine: dict[str, Any],
                                                       tmp_path: Path, given: str) -> None:
    """Nothing but the whole fingerprint (or the whole short form) confirms the signer."""
    import hashlib

    fp = genuine["fp"]
    short = short_fingerprint(fp).replace(" ", "")
    typed = {
        "prefix": fp[:40],
        "extra": fp + "00",
        "short_one_digit": short[:-1] + str((int(short[-1]) + 1) % 10),
        "short_prefix": short[:30],
        "sha1": hashlib.sha1(bytes.fromhex(fp)).hexdigest(),
        "openssl_line": "sha256 Fingerprint=" + display_fingerprint(fp)[:-3],
    }[given]
    report = verify(genuine["data"], tmp_path, expect_fingerprint=typed)
    assert_names(report, "signature.fingerprint", "bundle.verify.fp_expected_bad")


def test_bundle_from_another_vault_with_the_same_holder_name(genuine: dict[str, Any],
                                                             tmp_path: Path) -> None:
    """Another vault, same holder name, same items: checked against the genuine holder's
    fingerprint it fails; without one it is only ever unconfirmed, with its own print."""
    other = build_demo_vault()
    other._key, other._cert = make_identity(genuine["holder_name"])  # noqa: SLF001
    out = tmp_path / "other.pdf"
    result = export_bundle(other, out, items=[1, 6], title="examiner")
    assert result.fingerprint != genuine["fp"]
    report = verify(out.read_bytes(), tmp_path, trust_roots_pem=other.tsa_pem.encode())
    assert_names(report, "signature.fingerprint", "bundle.verify.fp_expected_bad")
    alone = verify(out.read_bytes(), tmp_path, "alone.pdf", expect_fingerprint=None,
                   trust_roots_pem=other.tsa_pem.encode())
    assert alone.exit_code == 10 and alone.fingerprint == result.fingerprint


# -- certificates from a certificate authority ----------------------------------------------


@pytest.fixture(scope="module")
def centre() -> tuple[Any, Any, bytes]:
    from cryptography.hazmat.primitives import serialization

    key, root = atk.make_ca("Seoul Support Centre Root")
    return key, root, root.public_bytes(serialization.Encoding.PEM)


def test_centre_issued_signer_is_confirmed(centre: tuple[Any, Any, bytes],
                                           tmp_path: Path) -> None:
    root_key, root, root_pem = centre
    key, cert = tools.issue_leaf(root_key, root, "Holder")
    out = tools.ca_bundle(tmp_path / "ok.pdf", key, cert, (root,))
    report = verify_bundle(out, signer_roots_pem=[root_pem])
    assert report.exit_code == 0, format_report(report, "en")


@pytest.mark.parametrize(("kind", "key"), [
    ("web_server", "verify_extra.signer_extended_key_usage"),
    ("no_signing", "verify_extra.signer_key_usage"),
])
def test_centre_certificate_not_for_signing_documents(centre: tuple[Any, Any, bytes],
                                                      tmp_path: Path, kind: str,
                                                      key: str) -> None:
    """A certificate the trusted root issued for something else - the centre's web server,
    or one whose key usage forbids signatures - signs no bundle (pyHanko alone confirmed
    the web server's certificate: exit 0)."""
    root_key, root, root_pem = centre
    signer_key, cert = tools.issue_leaf(root_key, root, "www.centre.example",
                                        web_server=kind == "web_server",
                                        signing=kind != "no_signing")
    out = tools.ca_bundle(tmp_path / f"{kind}.pdf", signer_key, cert, (root,))
    report = verify_bundle(out, signer_roots_pem=[root_pem])
    assert_names(report, "signature.intact", key)


def test_expired_centre_certificate_is_not_confirmed_by_the_root(
    centre: tuple[Any, Any, bytes], tmp_path: Path
) -> None:
    root_key, root, root_pem = centre
    key, cert = tools.issue_leaf(root_key, root, "Holder", expired=True)
    out = tools.ca_bundle(tmp_path / "expired.pdf", key, cert, (root,))
    report = verify_bundle(out, signer_roots_pem=[root_pem])
    assert report.exit_code == 10 and report.holder is not None
    assert report.holder.status == "unconfirmed"
    # the reason is named: expired, and no trusted timestamp shows it was valid then
    assert [(c.ok, c.key) for c in report.checks if c.name == "signature.validity"] == \
        [(None, "verify_weak.signer_expired_no_timestamp")]


def test_forger_root_with_the_centres_name(centre: tuple[Any, Any, bytes],
                                           tmp_path: Path) -> None:
    """A forger's own root named exactly like the centre's, carried in the CMS: the real
    root does not confirm its certificates."""
    _root_key, _root, root_pem = centre
    fake_key, fake_root = atk.make_ca("Seoul Support Centre Root")
    key, cert = tools.issue_leaf(fake_key, fake_root, "Holder")
    out = tools.ca_bundle(tmp_path / "lookalike.pdf", key, cert, (fake_root,))
    report = verify_bundle(out, signer_roots_pem=[root_pem])
    assert report.exit_code == 10 and report.holder is not None
    assert report.holder.status == "unconfirmed"


def test_chain_with_an_unrelated_certificate(centre: tuple[Any, Any, bytes],
                                             tmp_path: Path) -> None:
    root_key, root, root_pem = centre
    _other_key, other = atk.make_ca("Unrelated Root")
    key, cert = tools.issue_leaf(root_key, root, "Holder")
    out = tools.ca_bundle(tmp_path / "extra.pdf", key, cert, (root, other))
    report = verify_bundle(out, signer_roots_pem=[root_pem])
    assert_names(report, "signature.container", "verify_trust.cms.certificate_extra")


def test_trusted_counter_signature_does_not_confirm_an_unknown_holder(
    centre: tuple[Any, Any, bytes], tmp_path: Path
) -> None:
    """A counsellor the recipient trusts counter-signs a bundle whose holder nobody
    confirmed: still exit 10 - only the holder's signature says who made the evidence."""
    root_key, root, root_pem = centre
    holder_key, holder = make_identity("Someone")
    out = tools.ca_bundle(tmp_path / "self.pdf", holder_key, holder)
    key, cert = tools.issue_leaf(root_key, root, "Counsellor")
    data = atk.countersign(out.read_bytes(), key, cert, chain=[root])
    (tmp_path / "counter.pdf").write_bytes(data)
    report = verify_bundle(tmp_path / "counter.pdf", signer_roots_pem=[root_pem])
    assert [(s.role, s.status) for s in report.signers] == [
        ("holder", "unconfirmed"), ("countersigner", "confirmed_root")]
    assert report.exit_code == 10


# -- the side folder -------------------------------------------------------------------------


def test_side_folder_with_an_extra_or_renamed_file(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    out = tmp_path / "big.pdf"
    result = export_bundle(vault, out, items=[1, 2, 5], max_embed_mb=0.1)
    side = tmp_path / "big-files"
    fp = result.fingerprint
    assert verify_bundle(out, expect_fingerprint=fp).exit_code == 0
    (side / ".DS_Store").write_bytes(b"finder")  # what an operating system leaves is fine
    assert verify_bundle(out, expect_fingerprint=fp).exit_code == 0
    (side / "003-planted.png").write_bytes(b"not part of the bundle")
    report = verify_bundle(out, expect_fingerprint=fp)
    assert_names(report, "side.files", "verify_extra.side_unlisted")
    assert "003-planted.png" in format_report(report, "en")
    (side / "003-planted.png").unlink()
    original = side / "002-screenshot.png"
    original.rename(side / "002-screenshot-2.png")
    report = verify_bundle(out, expect_fingerprint=fp)
    assert_names(report, "side.files", "verify_trust.side_files_missing")
    assert "002-screenshot-2.png" in format_report(report, "en")


# -- malformed input: never a traceback, never a pass -----------------------------------------


def test_random_byte_flips_and_truncations_fail_cleanly(genuine: dict[str, Any],
                                                        tmp_path: Path) -> None:
    """Up to 200 single-byte changes at random offsets and a few truncations (bounded to
    about a minute): each fails with exit 3, none stops verification with an unexpected
    error."""
    data = genuine["data"]
    rng = random.Random(20241027)
    deadline = time.monotonic() + 60
    tried = 0
    cases: list[tuple[str, bytes]] = []
    for _ in range(200):
        pos = rng.randrange(len(data))
        raw = bytearray(data)
        raw[pos] ^= 1 << rng.randrange(8)
        cases.append((f"flip@{pos}", bytes(raw)))
    for cut in (1, 100, len(data) // 3, len(data) // 2, len(data) - 600, len(data) - 1):
        cases.insert(0, (f"cut@{cut}", data[:cut]))
    for label, case in cases:
        if time.monotonic() > deadline:
            break
        report = verify(case, tmp_path, "fuzz.pdf")
        keys = [c.key for c in report.checks]
        assert report.exit_code == 3, (label, format_report(report, "en"))
        assert "bundle.verify.unexpected" not in keys, (label, keys)
        tried += 1
    assert tried >= 20


def test_cli_on_the_new_attacks_prints_no_traceback(genuine: dict[str, Any],
                                                    tmp_path: Path) -> None:
    (tmp_path / "roots.pem").write_bytes(genuine["roots"])
    for name, data in {
        "outside.pdf": tools.object_outside_any_update(genuine["data"]),
        "field.pdf": tools.timestamp_field_with_action(genuine["data"], genuine["stamper"],
                                                       "/AA"),
    }.items():
        (tmp_path / name).write_bytes(data)
        res = run_cli("verify", tmp_path / name, "--expect-fingerprint", genuine["fp"],
                      "--tsa-ca", tmp_path / "roots.pem")
        assert res.code == 3, (name, res.out)
        assert "Traceback" not in res.out + res.err, name
