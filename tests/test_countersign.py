"""A counsellor's counter-signature: a second PAdES signature in an incremental update. The
holder's signature stays valid (pyHanko and pdfsig), the counter-signature covers the whole
file, the counsellor's vault records it, and a changed or unsigned file is refused."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import ValidationContext, validate_pdf_signature

from evidencekit.bundle.countersign import COUNTERSIGN_FIELD
from evidencekit.bundle.signing import SIGNATURE_FIELD
from evidencekit.vault import Vault
from evidencekit.vault.identity import fingerprint
from tests.conftest import PASSPHRASE, run_cli
from tests.support.identity_certs import pdfsig_signatures
from tests.support.vault_util import add_bytes


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A holder's bundle and a counsellor's vault."""
    base = tmp_path_factory.mktemp("cs")
    holder, _ = Vault.create(base / "holder", PASSPHRASE, "Holder Kim")
    with holder:
        add_bytes(holder, b"screenshot bytes" * 100, "shot.png")
    counsellor, _ = Vault.create(base / "counsellor", PASSPHRASE, "Counsellor Park 박")
    counsellor.close()
    bundle = base / "bundle.pdf"
    res = run_cli("export", base / "holder", bundle, "--no-timestamp",
                  "--passphrase-file", _pass_file(base))
    assert res.code == 0, res.err
    return bundle, base / "counsellor"


def _pass_file(base: Path) -> Path:
    f = base / "pass.txt"
    f.write_text(PASSPHRASE)
    return f


def _has_signature_timestamp(sig: Any) -> bool:
    attrs = sig.signer_info["unsigned_attrs"]
    return any(a["type"].native == "signature_time_stamp_token" for a in attrs) \
        if attrs.native else False


def _status(pdf: Path) -> dict[str, tuple[bool, bool, str]]:
    out = {}
    with pdf.open("rb") as fh:
        for sig in PdfFileReader(fh).embedded_signatures:
            anchors = ValidationContext(trust_roots=[sig.signer_cert], allow_fetching=False)
            st = validate_pdf_signature(sig, signer_validation_context=anchors)
            out[sig.field_name] = (st.intact and st.valid, st.coverage.name,
                                   sig.signer_cert.sha256.hex())
    return out


def test_countersign_keeps_first_signature_valid(signed: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    bundle, counsellor = signed
    original = bundle.read_bytes()
    out = tmp_path / "countersigned.pdf"
    res = run_cli("countersign", bundle, "--vault", counsellor, "-o", out)
    assert res.code == 0, res.err
    assert "Traceback" not in res.err and res.err == ""
    assert bundle.read_bytes() == original  # the input is untouched
    assert out.stat().st_mode & 0o077 == 0  # owner only, like the exported bundle
    data = out.read_bytes()
    assert data.startswith(original)  # an incremental update: the first revision is intact
    with Vault.open(counsellor, passphrase=PASSPHRASE, writable=False) as v:
        counsellor_fp = v.fingerprint
        event = v.events()[-1]
    status = _status(out)
    assert set(status) == {SIGNATURE_FIELD, COUNTERSIGN_FIELD}
    first_ok, first_cov, _ = status[SIGNATURE_FIELD]
    second_ok, second_cov, second_fp = status[COUNTERSIGN_FIELD]
    assert first_ok and second_ok
    assert first_cov == "ENTIRE_REVISION"  # the holder's revision, not the file
    assert second_cov == "ENTIRE_FILE"
    assert second_fp == counsellor_fp
    sigs = pdfsig_signatures(out)
    assert [s["field"] for s in sigs] == [SIGNATURE_FIELD, COUNTERSIGN_FIELD]
    assert all(s["validation"] == "Signature is Valid." for s in sigs)
    assert sigs[0]["total"] == "Not total document signed"
    assert sigs[1]["total"] == "Total document signed"
    assert event.kind == "bundle_countersigned"
    assert event.body["input_sha256"] == hashlib.sha256(original).hexdigest()
    assert event.body["sha256"] == hashlib.sha256(data).hexdigest()
    assert event.body["certificate_sha256"] == counsellor_fp


def test_second_countersignature_gets_its_own_field(signed: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    bundle, counsellor = signed
    once, twice = tmp_path / "1.pdf", tmp_path / "2.pdf"
    assert run_cli("countersign", bundle, "--vault", counsellor, "-o", once).code == 0
    assert run_cli("countersign", once, "--vault", counsellor, "-o", twice).code == 0
    status = _status(twice)
    assert list(status) == [SIGNATURE_FIELD, COUNTERSIGN_FIELD, f"{COUNTERSIGN_FIELD}-2"]
    assert all(ok for ok, _cov, _fp in status.values())


def test_changed_bundle_is_not_countersigned(signed: tuple[Path, Path], tmp_path: Path) -> None:
    bundle, counsellor = signed
    data = bytearray(bundle.read_bytes())
    i = data.find(b"/Type /Page")
    assert i > 0
    data[i + 6:i + 10] = b"Pagf"  # one object changed inside the signed range
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(data))
    res = run_cli("countersign", bad, "--vault", counsellor, "-o", tmp_path / "out.pdf")
    assert res.code in (2, 3), res.out
    assert "Traceback" not in res.err
    assert not (tmp_path / "out.pdf").exists()


def test_flipped_byte_in_signed_range_is_refused(signed: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    bundle, counsellor = signed
    data = bytearray(bundle.read_bytes())
    i = data.find(b"EvidenceKit")  # some text early in the signed range
    data[i] ^= 0x01
    bad = tmp_path / "flip.pdf"
    bad.write_bytes(bytes(data))
    res = run_cli("countersign", bad, "--vault", counsellor, "-o", tmp_path / "out.pdf")
    assert res.code == 3, res.err
    assert "does not hold" in res.err
    assert not (tmp_path / "out.pdf").exists()
    with Vault.open(counsellor, passphrase=PASSPHRASE, writable=False) as v:
        assert all(e.body.get("sha256") != hashlib.sha256(bytes(data)).hexdigest()
                   for e in v.events())


def test_unsigned_and_non_pdf_inputs(signed: tuple[Path, Path], tmp_path: Path) -> None:
    _bundle, counsellor = signed
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(100, 100, "unsigned")
    c.save()
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(buf.getvalue())
    res = run_cli("countersign", plain, "--vault", counsellor, "-o", tmp_path / "o.pdf")
    assert res.code == 2 and "no signature" in res.err
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf at all")
    res = run_cli("countersign", junk, "--vault", counsellor, "-o", tmp_path / "o.pdf")
    assert res.code == 2 and "Traceback" not in res.err
    res = run_cli("countersign", tmp_path / "missing.pdf", "--vault", counsellor)
    assert res.code == 2 and "does not exist" in res.err


def test_refuses_to_overwrite(signed: tuple[Path, Path], tmp_path: Path) -> None:
    bundle, counsellor = signed
    copy = tmp_path / "b.pdf"
    copy.write_bytes(bundle.read_bytes())
    res = run_cli("countersign", copy, "--vault", counsellor, "-o", copy)
    assert res.code == 2
    res = run_cli("countersign", copy, "--vault", counsellor, "-o", copy, "--force")
    assert res.code == 2 and "new file" in res.err
    assert copy.read_bytes() == bundle.read_bytes()
    default = tmp_path / "b-countersigned.pdf"
    assert run_cli("countersign", copy, "--vault", counsellor).code == 0
    assert default.exists()


def test_countersign_with_ca_identity_carries_chain(signed: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    """A counsellor whose vault holds a centre certificate: the CMS carries the root."""
    from tests.support.identity_certs import P12_PASSPHRASE, good_p12

    bundle, _ = signed
    vault, _ = Vault.create(tmp_path / "c2", PASSPHRASE, "Counsellor Choi")
    vault.close()
    data, leaf, root = good_p12()
    (tmp_path / "c.p12").write_bytes(data)
    (tmp_path / "p").write_text(P12_PASSPHRASE)
    assert run_cli("identity", "import", tmp_path / "c2", tmp_path / "c.p12",
                   "--p12-passphrase-file", tmp_path / "p").code == 0
    out = tmp_path / "o.pdf"
    assert run_cli("countersign", bundle, "--vault", tmp_path / "c2", "-o", out).code == 0
    with out.open("rb") as fh:
        sig = PdfFileReader(fh).embedded_signatures[1]
        certs = sorted(c.chosen.sha256.hex() for c in sig.signed_data["certificates"])
    assert certs == sorted([fingerprint(leaf), fingerprint(root)])


def test_countersign_a_timestamped_bundle(signed: tuple[Path, Path], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A bundle with a signature timestamp and a document timestamp (local TSA): both are
    checked before counter-signing and stay valid after."""
    from tests.support.tsa_server import LocalTSA, block_internet

    _bundle, counsellor = signed
    block_internet(monkeypatch)
    holder, _ = Vault.create(tmp_path / "h", PASSPHRASE, "Holder Lim")
    with holder:
        add_bytes(holder, b"chat export", "chat.txt")
    stamped, out = tmp_path / "stamped.pdf", tmp_path / "cs.pdf"
    with LocalTSA(tmp_path / "tsa") as tsa:
        res = run_cli("export", tmp_path / "h", stamped, "--tsa", tsa.url,
                      "--tsa-ca", tsa.root_pem_path)
        assert res.code == 0, res.err
    res = run_cli("countersign", stamped, "--vault", counsellor, "-o", out)
    assert res.code == 0, res.err
    assert res.err == ""
    sigs = pdfsig_signatures(out)
    assert len(sigs) == 3
    assert sigs[0]["validation"] == "Signature is Valid."
    assert sigs[2]["field"] == COUNTERSIGN_FIELD
    assert sigs[2]["validation"] == "Signature is Valid."
    with out.open("rb") as fh:
        kinds = [s.sig_object_type for s in PdfFileReader(fh).embedded_signatures]
    assert kinds == ["/Sig", "/DocTimeStamp", "/Sig"]


def test_countersignature_timestamp(signed: tuple[Path, Path], tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """With a time-stamp authority the counter-signature is PAdES B-T; with none reachable
    it is made without and the counsellor is told."""
    from tests.support.tsa_server import LocalTSA, block_internet, refused_url

    bundle, counsellor = signed
    block_internet(monkeypatch)
    out = tmp_path / "ts.pdf"
    with LocalTSA(tmp_path / "tsa") as tsa:
        res = run_cli("countersign", bundle, "--vault", counsellor, "-o", out,
                      "--tsa", tsa.url, "--tsa-ca", tsa.root_pem_path)
    assert res.code == 0, res.err
    assert "carries a trusted timestamp" in res.out
    with out.open("rb") as fh:
        sig = PdfFileReader(fh).embedded_signatures[1]
        assert sig.field_name == COUNTERSIGN_FIELD
        assert _has_signature_timestamp(sig)
    with Vault.open(counsellor, passphrase=PASSPHRASE, writable=False) as v:
        assert v.events()[-1].body["signature_timestamp"] is True
    down = tmp_path / "down.pdf"
    res = run_cli("countersign", bundle, "--vault", counsellor, "-o", down,
                  "--tsa", refused_url())
    assert res.code == 0, res.err
    assert "no trusted timestamp" in res.out
    assert all(s["validation"] == "Signature is Valid." for s in pdfsig_signatures(down))
    with down.open("rb") as fh:
        assert not _has_signature_timestamp(PdfFileReader(fh).embedded_signatures[1])


def test_bundle_changed_in_a_later_revision_is_refused(signed: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    """An incremental update after the holder's signature that is neither a signature nor a
    timestamp (here: the catalogue's /Lang rewritten) keeps the signature "intact", but
    a counsellor must not vouch for the changed file."""
    import shutil

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    bundle, counsellor = signed
    changed = tmp_path / "changed.pdf"
    shutil.copy(bundle, changed)
    with changed.open("r+b") as fh:
        writer = IncrementalPdfFileWriter(fh)
        writer.root[generic.NameObject("/Lang")] = generic.TextStringObject("xx")
        writer.update_root()
        writer.write_in_place()
    res = run_cli("countersign", changed, "--vault", counsellor, "-o", tmp_path / "o.pdf")
    assert res.code == 3, res.out
    assert "does not hold" in res.err and SIGNATURE_FIELD in res.err
    assert "Traceback" not in res.err and "SuspiciousModification" not in res.err
    assert not (tmp_path / "o.pdf").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_countersigned_bundle_stays_pdf_1_7(tmp_path: Path) -> None:
    """PDF/A-3 is based on PDF 1.7: the counter-signature must not raise the catalogue's
    /Version to 2.0 (pyHanko's default signer registers the ISO 32002 extension)."""
    import pikepdf

    from evidencekit.bundle.countersign import countersign
    from evidencekit.bundle.export import export_bundle
    from tests.support.bundle_fake import build_demo_vault

    bundle = tmp_path / "b.pdf"
    export_bundle(build_demo_vault(with_tokens=False), bundle, items=[1])
    out = tmp_path / "c.pdf"
    key, cert = build_demo_vault(with_tokens=False).identity()
    countersign(bundle, out, key, cert)
    with pikepdf.open(out) as pdf:
        assert str(pdf.Root.get("/Version", "/1.7")) == "/1.7"
        assert pdf.pdf_version == "1.7"


def test_forgers_countersignature_never_reads_as_a_confirmation(
        signed: tuple[Path, Path], tmp_path: Path) -> None:
    """A forger makes a fresh vault in an official-sounding name and counter-signs the
    holder's genuine bundle with ``evidencekit countersign``. The holder's signature stays
    confirmed (by the fingerprint the holder gave); the forger's counter-signature is valid
    as a signature but confirms nothing: exit 11, not 0, and the verdict says so - never
    "everything holds". Trusting the genuine counsellor's certificate confirms theirs."""
    import json

    from cryptography.hazmat.primitives import serialization

    bundle, counsellor = signed
    holder_fp = _status(bundle)[SIGNATURE_FIELD][2]
    Vault.create(tmp_path / "forger", PASSPHRASE,
                 "Seoul Metropolitan Police Agency (evidence officer)")[0].close()
    forged = tmp_path / "forged.pdf"
    assert run_cli("countersign", bundle, "--vault", tmp_path / "forger", "-o",
                   forged).code == 0
    res = run_cli("verify", forged, "--expect-fingerprint", holder_fp)
    assert res.code == 11, res.out
    verdict = res.out.strip().splitlines()[-1]
    assert verdict.startswith("Result: INTACT, HOLDER CONFIRMED, COUNTER-SIGNATURE NOT "
                              "CONFIRMED.")
    assert "Seoul Metropolitan Police Agency (evidence officer) is NOT confirmed" in verdict
    assert "everything holds" not in res.out
    assert "Counter-signature EvidenceKitCountersignature in the name of Seoul Metropolitan " \
           "Police Agency (evidence officer): NOT CONFIRMED" in res.out
    assert "compare the fingerprint with the holder's" not in res.out  # not the holder's advice
    with Vault.open(tmp_path / "forger", passphrase=PASSPHRASE, writable=False) as v:
        forger_fp, forger_cert = v.fingerprint, v.identity()[1]
    assert forger_fp.replace(":", "").lower() in res.out.replace(":", "").lower()
    ko = run_cli("--lang", "ko", "verify", forged, "--expect-fingerprint", holder_fp)
    assert ko.code == 11 and "연서명 미확인" in ko.out and "모든 검사를 통과했습니다" not in ko.out
    # the name as the certificate gives it (a Latin name is no library reason to hide)
    assert "연서명: Seoul Metropolitan Police Agency (evidence officer) - 확인되지 않음" in ko.out
    data = json.loads(run_cli("verify", forged, "--json", "--expect-fingerprint",
                              holder_fp).out)
    assert (data["exit_code"], data["ok"], data["intact"], data["confirmed"],
            data["countersignatures_confirmed"]) == (11, False, True, True, False)
    assert [(s["role"], s["status"]) for s in data["signers"]] == [
        ("holder", "confirmed_fingerprint"), ("countersigner", "unconfirmed")]
    # the holder unconfirmed as well: 10, the holder's answer comes first
    assert run_cli("verify", forged).code == 10
    # the forger's certificate is trusted only by someone who was handed it: then 0
    pem = tmp_path / "forger.pem"
    pem.write_bytes(forger_cert.public_bytes(serialization.Encoding.PEM))
    assert run_cli("verify", forged, "--expect-fingerprint", holder_fp,
                   "--trust-ca", pem).code == 0
    # a genuine counsellor's counter-signature, with their certificate trusted: 0
    genuine = tmp_path / "genuine.pdf"
    assert run_cli("countersign", bundle, "--vault", counsellor, "-o", genuine).code == 0
    with Vault.open(counsellor, passphrase=PASSPHRASE, writable=False) as v:
        (tmp_path / "c.pem").write_bytes(
            v.identity()[1].public_bytes(serialization.Encoding.PEM))
    assert run_cli("verify", genuine, "--expect-fingerprint", holder_fp,
                   "--trust-ca", tmp_path / "c.pem").code == 0
    assert run_cli("verify", genuine, "--expect-fingerprint", holder_fp,
                   "--trust-ca", pem).code == 11  # the forger's certificate vouches for no one else
