"""Tampering with a bundle: every change is named by ``verify`` (exit 3), and poppler's
``pdfsig`` agrees whenever the change is inside the signed byte range."""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer

from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.verify import verify_bundle
from evidencekit.bundle.verify_report import VerifyReport, format_report
from tests.support.bundle_fake import build_demo_vault
from tests.support.bundle_tools import flip, pdfsig, pdfsig_valid, signed_ranges

ITEMS = [1, 3, 5, 6]
#: The root of the test TSA that stamped item 1 (trusted on purpose where items are compared).
TSA_ROOT: dict[str, bytes] = {}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    vault = build_demo_vault()
    out = tmp_path_factory.mktemp("tamper") / "bundle.pdf"
    export_bundle(vault, out, items=ITEMS, title="tamper test")
    TSA_ROOT["pem"] = vault.tsa_pem.encode()
    assert verify_bundle(out, trust_roots_pem=TSA_ROOT["pem"]).intact
    return out


def failed(report: VerifyReport) -> set[str]:
    return {c.name for c in report.failures}


def assert_fails(report: VerifyReport, *expected: str) -> None:
    assert not report.ok, format_report(report, "en")
    assert report.exit_code == 3
    names = failed(report)
    assert names, "a failure must be named"
    for name in expected:
        assert name in names, (name, names)
    text = format_report(report, "en")
    assert "VERIFICATION FAILED" in text
    format_report(report, "ko")  # renders in Korean too


def test_flip_one_byte_at_many_offsets(bundle: Path, tmp_path: Path) -> None:
    size = bundle.stat().st_size
    ranges = signed_ranges(bundle)
    offsets = sorted({int(size * k / 31) for k in range(31)} | {size - 1, ranges[0][1] + 40})
    assert len(offsets) >= 30
    for n, offset in enumerate(offsets):
        bad = flip(bundle, offset, tmp_path / f"flip-{n}.pdf")
        report = verify_bundle(bad)
        assert_fails(report)
        in_signed = any(a <= offset < b for a, b in ranges)
        if in_signed:
            assert not pdfsig_valid(bad), offset
            assert failed(report) & {"signature.intact", "pdf.readable", "signature.present",
                                     "signature.coverage"}, (offset, failed(report))
        bad.unlink()


def test_padding_inside_signature_container(bundle: Path, tmp_path: Path) -> None:
    """A byte in the zero padding of /Contents is outside the signed range: pdfsig still
    says valid, but the file is not the one that was signed, and verify says so."""
    data = bundle.read_bytes()
    (_, end1), (start2, _) = signed_ranges(bundle)
    contents = data[end1:start2]
    pos = contents.rstrip(b">").rfind(b"00")
    assert pos > 0
    bad = bytearray(data)
    bad[end1 + pos] = ord("1")
    path = tmp_path / "padding.pdf"
    path.write_bytes(bytes(bad))
    assert pdfsig_valid(path)  # poppler does not notice
    assert_fails(verify_bundle(path), "signature.container")


def test_change_one_attachment_in_place(bundle: Path, tmp_path: Path) -> None:
    vault_bytes = None
    reader = PdfFileReader(io.BytesIO(bundle.read_bytes()))
    from evidencekit.bundle.attachments import embedded_files

    for f in embedded_files(reader):
        if f.name == "005-dump.bin":
            vault_bytes = f.data
    assert vault_bytes is not None
    data = bundle.read_bytes()
    pos = data.find(vault_bytes[1000:1064])  # stored uncompressed
    assert pos > 0
    bad = bytearray(data)
    bad[pos + 10] ^= 0x01
    path = tmp_path / "attachment.pdf"
    path.write_bytes(bytes(bad))
    assert not pdfsig_valid(path)
    report = verify_bundle(path, trust_roots_pem=TSA_ROOT["pem"])
    assert_fails(report, "signature.intact", "attachments.hashes")
    detail = next(c for c in report.checks if c.name == "attachments.hashes").detail_text("en")
    assert "005-dump.bin" in detail
    assert [i.number for i in report.items if i.ok is False] == [5]


def _incremental(bundle: Path, out: Path, change) -> Path:  # type: ignore[no-untyped-def]
    buf = io.BytesIO(bundle.read_bytes())
    w = IncrementalPdfFileWriter(buf)
    change(w)
    w.write_in_place()
    out.write_bytes(buf.getvalue())
    return out


def test_replace_attachment_in_a_new_revision(bundle: Path, tmp_path: Path) -> None:
    def change(w: IncrementalPdfFileWriter) -> None:
        names = w.root["/Names"]["/EmbeddedFiles"]["/Names"]
        for i in range(0, len(names), 2):
            if str(names[i]) == "006-note.txt":
                spec = names[i + 1].get_object()
                stream = generic.StreamObject(stream_data="가짜 내용".encode())
                spec["/EF"]["/F"] = w.add_object(stream)
                spec["/EF"]["/UF"] = spec["/EF"]["/F"]
                w.update_container(spec)

    path = _incremental(bundle, tmp_path / "replaced.pdf", change)
    out = pdfsig(path)
    assert "Signature is Valid." in out and "Total document signed" not in out
    report = verify_bundle(path)
    assert_fails(report, "signature.coverage", "attachments.hashes")


def test_append_a_revision(bundle: Path, tmp_path: Path) -> None:
    def change(w: IncrementalPdfFileWriter) -> None:
        info = generic.DictionaryObject({generic.pdf_name("/Title"): generic.pdf_string("x")})
        w.set_info(info)
        w.root["/EvilMark"] = generic.pdf_string("added later")
        w.update_root()

    path = _incremental(bundle, tmp_path / "appended.pdf", change)
    assert "Total document signed" not in pdfsig(path)
    assert_fails(verify_bundle(path), "signature.coverage")


def test_appended_garbage_after_eof(bundle: Path, tmp_path: Path) -> None:
    path = tmp_path / "trailing.pdf"
    path.write_bytes(bundle.read_bytes() + b"\n% appended\n")
    assert_fails(verify_bundle(path), "signature.coverage")


def test_remove_a_page_incrementally(bundle: Path, tmp_path: Path) -> None:
    def change(w: IncrementalPdfFileWriter) -> None:
        pages = w.root["/Pages"]
        kids = pages["/Kids"]
        del kids[2]
        pages["/Count"] = generic.NumberObject(int(pages["/Count"]) - 1)
        w.update_container(pages)
        w.update_container(kids)

    path = _incremental(bundle, tmp_path / "minus-page.pdf", change)
    report = verify_bundle(path)
    assert_fails(report, "signature.coverage", "layout.pages")


def test_remove_a_page_by_rewriting(bundle: Path, tmp_path: Path) -> None:
    reader = PdfFileReader(io.BytesIO(bundle.read_bytes()))
    w = copy_into_new_writer(reader)
    pages = w.root["/Pages"]
    kids = pages["/Kids"]
    del kids[1]
    pages["/Count"] = generic.NumberObject(int(pages["/Count"]) - 1)
    out = io.BytesIO()
    w.write(out)
    path = tmp_path / "rewritten.pdf"
    path.write_bytes(out.getvalue())
    assert not pdfsig_valid(path)
    assert_fails(verify_bundle(path))


def test_manifest_edited_and_resigned_by_nobody(bundle: Path, tmp_path: Path) -> None:
    """Swapping manifest.json for an edited one (new revision) is caught twice."""
    from evidencekit.bundle.attachments import embedded_files

    reader = PdfFileReader(io.BytesIO(bundle.read_bytes()))
    manifest = next(f for f in embedded_files(reader) if f.name == "manifest.json").data
    assert manifest is not None
    edited = manifest.replace(b"tamper test", b"other case")

    def change(w: IncrementalPdfFileWriter) -> None:
        names = w.root["/Names"]["/EmbeddedFiles"]["/Names"]
        for i in range(0, len(names), 2):
            if str(names[i]) == "manifest.json":
                spec = names[i + 1].get_object()
                spec["/EF"]["/F"] = w.add_object(generic.StreamObject(stream_data=edited))
                spec["/EF"]["/UF"] = spec["/EF"]["/F"]
                w.update_container(spec)

    path = _incremental(bundle, tmp_path / "manifest.pdf", change)
    assert_fails(verify_bundle(path), "signature.coverage")


@pytest.mark.parametrize(
    "content",
    [b"", b"hello, not a pdf\n", os.urandom(5000), b"%PDF-1.7\n" + os.urandom(3000),
     b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"],
    ids=["empty", "text", "random", "pdf-header-garbage", "no-pages"],
)
def test_garbage_gives_a_failed_report(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(content)
    report = verify_bundle(path)
    assert_fails(report)
    assert report.checks[0].name == "pdf.readable" or "signature.present" in failed(report)


def test_truncated_bundles(bundle: Path, tmp_path: Path) -> None:
    data = bundle.read_bytes()
    for frac in (0.1, 0.5, 0.9, 0.999):
        path = tmp_path / f"cut-{frac}.pdf"
        path.write_bytes(data[: int(len(data) * frac)])
        assert_fails(verify_bundle(path))


def test_missing_file_and_folder(tmp_path: Path) -> None:
    report = verify_bundle(tmp_path / "nope.pdf")
    assert_fails(report, "pdf.readable")
    assert "cannot be opened" in report.checks[0].detail_text("en")
    assert_fails(verify_bundle(tmp_path))


def test_unsigned_pdf(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "plain.pdf"
    c = canvas.Canvas(str(path))
    c.drawString(100, 700, "no signature")
    c.save()
    assert_fails(verify_bundle(path), "signature.present")


def test_extracted_hashes_unchanged_by_verify(bundle: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(bundle.read_bytes()).hexdigest()
    verify_bundle(bundle, extract_dir=tmp_path / "ex")
    assert hashlib.sha256(bundle.read_bytes()).hexdigest() == before
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", p.name) for p in (tmp_path / "ex").iterdir())


def test_flipped_byte_never_gets_a_tick_for_coverage(bundle: Path, tmp_path: Path) -> None:
    """A changed byte inside the signed range: the signature fails, and no other line says
    "nothing was changed after signing" beside it (a defence lawyer would quote the two)."""
    ranges = signed_ranges(bundle)
    offset = ranges[0][0] + ranges[0][1] // 2
    bad = flip(bundle, offset, tmp_path / "flip-inside.pdf")
    report = verify_bundle(bad)
    assert report.exit_code == 3
    coverage = [c for c in report.checks if c.name in ("signature.coverage", "revisions.after")]
    assert all(c.ok is not True for c in coverage), coverage
