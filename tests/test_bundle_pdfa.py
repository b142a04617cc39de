"""PDF/A-3b structure of a real signed bundle, rule by rule (pikepdf inspection).

No full PDF/A validator (veraPDF) can be installed here. These tests assert each rule
the bundle must meet on a real export signed with a local time-stamp authority (B-LTA),
and run pikepdf's allowlist PDF/A validator (``pikepdf.pdfa``): the page layout as
prepared must pass it outright; the signed file may only draw "not checked" findings for
the constructs that validator does not cover (the signature form, the DSS, embedded
files), never a rule violation.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from unittest import mock

import pikepdf
import pikepdf.pdfa
import pytest
from pyhanko.pdf_utils.generic import parse_pdf_date
from pyhanko.pdf_utils.misc import isoparse
from reportlab.pdfgen import canvas

from evidencekit.bundle import export, ltv, pdfa
from evidencekit.bundle.export import export_bundle
from evidencekit.errors import IntegrityError
from evidencekit.resources import resource_path
from evidencekit.timestamps.document import document_timestamper
from tests.support.bundle_fake import build_demo_vault
from tests.support.tsa_server import LocalTSA

STANDARD_14 = {"Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique",
               "Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique",
               "Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic", "Symbol",
               "ZapfDingbats"}
RELATIONSHIPS = {"/Source", "/Data", "/Alternative", "/Supplement", "/Unspecified"}
ANNOT_PRINT, ANNOT_HIDDEN, ANNOT_INVISIBLE, ANNOT_NOVIEW, ANNOT_TOGGLE = 4, 2, 1, 32, 256


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, bytes]]:
    """A signed B-LTA export of every item kind (blurred pages), and its prepared layout."""
    folder = tmp_path_factory.mktemp("pdfa")
    captured: dict[str, bytes] = {}
    real = pdfa.prepare_layout

    def spy(layout: bytes, *, created: datetime) -> bytes:
        captured["layout"] = real(layout, created=created)
        return captured["layout"]

    with LocalTSA(folder / "tsa") as tsa, mock.patch.object(export, "prepare_layout", spy):
        stamper = document_timestamper(tsa.url, trust_roots_pem=tsa.root_pem)
        out = folder / "b.pdf"
        result = export_bundle(build_demo_vault(), out, title="PDF/A 사건", blur=True,
                               prepared_by="상담사 김", timestamper=stamper)
        assert result.document_timestamp
        yield out, captured["layout"]


def _fonts(pdf: pikepdf.Pdf) -> Iterator[tuple[str, pikepdf.Dictionary]]:
    """Every font of every page, form XObject and annotation appearance stream."""

    def walk(where: str, res: object, depth: int) -> Iterator[tuple[str, pikepdf.Dictionary]]:
        if depth > 8 or not isinstance(res, pikepdf.Dictionary):
            return
        for name, font in (res.get("/Font") or pikepdf.Dictionary()).items():
            yield f"{where} {name}", font
        for name, xobj in (res.get("/XObject") or pikepdf.Dictionary()).items():
            if isinstance(xobj, pikepdf.Stream) and xobj.get("/Subtype") == "/Form":
                yield from walk(f"{where} {name}", xobj.get("/Resources"), depth + 1)

    for n, page in enumerate(pdf.pages, start=1):
        yield from walk(f"page {n}", page.obj.get("/Resources"), 0)
        for annot in page.obj.get("/Annots") or []:
            for key, app in (annot.get("/AP") or pikepdf.Dictionary()).items():
                streams = [app] if isinstance(app, pikepdf.Stream) else list(app.values())
                for stream in streams:
                    yield from walk(f"page {n} annot {key}", stream.get("/Resources"), 1)


def _embedded(font: pikepdf.Dictionary) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True
    if font.get("/Subtype") == "/Type0":
        font = font.DescendantFonts[0]
    desc = font.get("/FontDescriptor")
    return desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2",
                                                         "/FontFile3"))


def test_header_version_and_no_encryption(bundle: tuple[Path, bytes]) -> None:
    path, _ = bundle
    assert path.read_bytes()[:9] == b"%PDF-1.7\n"
    with pikepdf.open(path) as pdf:
        assert pdf.pdf_version == "1.7"
        assert "/Version" not in pdf.Root  # pyHanko's ECDSA extension would say 2.0
        assert "/Encrypt" not in pdf.trailer and not pdf.is_encrypted
        assert "/ID" in pdf.trailer
        assert pdf.Root.Extensions.ESIC.BaseVersion == "/1.7"


def test_xmp_identifies_pdfa3b_and_matches_info(bundle: tuple[Path, bytes]) -> None:
    path, _ = bundle
    with pikepdf.open(path) as pdf:
        assert "/Filter" not in pdf.Root.Metadata  # XMP stays readable by plain tools
        meta = pdf.open_metadata()
        info = pdf.docinfo
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert str(info.Title) == "PDF/A 사건" == meta["dc:title"]
        assert str(info.Creator) == meta["xmp:CreatorTool"]
        assert str(info.Creator).startswith("EvidenceKit ")
        assert str(info.Producer) == meta["pdf:Producer"]
        assert str(info.Subject) == meta["dc:description"]
        assert [str(info.Author)] == list(meta["dc:creator"])
        created = isoparse(meta["xmp:CreateDate"])
        assert parse_pdf_date(str(info.CreationDate)) == created
        if "/ModDate" in info:  # left out on purpose; if ever present it must agree
            assert parse_pdf_date(str(info.ModDate)) == \
                isoparse(meta["xmp:ModifyDate"])
        assert isoparse(meta["xmp:ModifyDate"]) >= created
        for key in info.keys():  # nothing without an XMP equivalent
            assert key in {"/Title", "/Author", "/Subject", "/Creator", "/Producer",
                           "/CreationDate", "/ModDate"}, key


def test_srgb_output_intent_with_embedded_icc(bundle: tuple[Path, bytes]) -> None:
    path, _ = bundle
    icc_file = resource_path("icc", "sRGB.icc").read_bytes()
    assert resource_path("icc", "LICENSE-sRGB.txt").is_file()
    with pikepdf.open(path) as pdf:
        intents = list(pdf.Root.OutputIntents)
        assert len(intents) == 1
        intent = intents[0]
        assert intent.S == "/GTS_PDFA1" and intent.Type == "/OutputIntent"
        assert "sRGB" in str(intent.OutputConditionIdentifier)
        profile = intent.DestOutputProfile
        assert int(profile.N) == 3
        data = profile.read_bytes()
        assert data == icc_file
        assert data[16:20] == b"RGB " and data[36:40] == b"acsp"
        assert data[8] in (2, 4)  # ICC major version PDF 1.7 supports


def test_every_font_embedded_no_standard_14(bundle: tuple[Path, bytes]) -> None:
    path, layout = bundle
    for source in (path, io.BytesIO(layout)):
        with pikepdf.open(source) as pdf:
            fonts = list(_fonts(pdf))
            assert fonts, "no fonts found: the walk is broken"
            for where, font in fonts:
                assert _embedded(font), f"{where}: {font.get('/BaseFont')} is not embedded"
                base = str(font.get("/BaseFont", "")).lstrip("/").split("+")[-1]
                assert base not in STANDARD_14, where
            for n, page in enumerate(pdf.pages, start=1):  # and no Tf of a missing font
                declared = set((page.obj.Resources.get("/Font") or {}).keys())
                used = {str(ops[0]) for ops, _ in pikepdf.parse_content_stream(page, "Tf")}
                assert used <= declared, n


def test_signature_fields_are_invisible_and_printable(bundle: tuple[Path, bytes]) -> None:
    path, _ = bundle
    with pikepdf.open(path) as pdf:
        seen = 0
        for page in pdf.pages:
            for annot in page.obj.get("/Annots") or []:
                seen += 1
                flags = int(annot.get("/F", 0))
                assert flags & ANNOT_PRINT
                assert not flags & (ANNOT_HIDDEN | ANNOT_INVISIBLE | ANNOT_NOVIEW
                                    | ANNOT_TOGGLE)
                rect = [float(x) for x in annot.Rect]
                if rect[2] - rect[0] and rect[3] - rect[1]:
                    assert "/N" in annot.AP  # a visible one needs an appearance
        fields = list(pdf.Root.AcroForm.Fields)
        assert {str(f.T) for f in fields} >= {"EvidenceKitSignature",
                                              "EvidenceKitDocumentTimestamp"}
        assert all(float(x) == 0 for f in fields for x in f.Rect)  # invisible signatures
        assert not pdf.Root.AcroForm.get("/NeedAppearances", False)
        assert seen >= 2


def test_associated_files_with_relationships_and_params(bundle: tuple[Path, bytes]) -> None:
    path, _ = bundle
    with pikepdf.open(path) as pdf:
        af = {spec.objgen for spec in pdf.Root.AF}
        files = dict(pdf.attachments.items())
        assert files, "no attachments"
        manifest = json.loads(files["manifest.json"].get_file().read_bytes())
        roles = {f["file"]: f["role"] for f in manifest["files"]}
        names = pdf.Root.Names.EmbeddedFiles.Names
        specs = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
        assert set(specs) == set(files)
        for name, spec in specs.items():
            assert spec.objgen in af, f"{name} is not in the catalogue's /AF"
            rel = str(spec.AFRelationship)
            assert rel in RELATIONSHIPS
            role = roles.get(name)
            if role == "part":
                assert rel == "/Source", name
            else:  # manifest, certificate, tokens, TSA chains
                assert rel == "/Data", (name, role)
            stream = spec.EF.F
            data = stream.read_bytes()
            assert stream.Type == "/EmbeddedFile"
            mime = str(stream.Subtype)
            assert mime.startswith("/") and "/" in mime[1:], (name, mime)
            params = stream.Params
            assert int(params.Size) == len(data)
            assert bytes(params.CheckSum) == hashlib.md5(data).digest()  # noqa: S324
            assert str(params.ModDate).startswith("D:")
            assert str(spec.UF) == name and str(spec.F) == name
        assert {r for r in roles.values()} >= {"part", "certificate"}
        assert str(specs["manifest.json"].AFRelationship) == "/Data"


def _all_objects(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    yield pdf.trailer
    yield from pdf.objects


def test_no_javascript_or_actions(bundle: tuple[Path, bytes]) -> None:
    path, _ = bundle
    with pikepdf.open(path) as pdf:
        assert "/OpenAction" not in pdf.Root and "/AA" not in pdf.Root
        assert "/JavaScript" not in pdf.Root.Names
        for obj in _all_objects(pdf):
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                keys = set(obj.keys())
                assert not keys & {"/JS", "/JavaScript", "/AA"}, obj.objgen
                if obj.get("/S") in ("/JavaScript", "/Launch", "/ImportData"):
                    pytest.fail(f"forbidden action in {obj.objgen}")
    assert b"/JavaScript" not in path.read_bytes() and b"/JS " not in path.read_bytes()


def test_pikepdf_pdfa_validator(bundle: tuple[Path, bytes]) -> None:
    path, layout = bundle
    # the pages as prepared (fonts, images, colour, XMP, output intent) pass outright
    report = pikepdf.pdfa.validate_written(io.BytesIO(layout), "3b")
    assert report.verdict == "pass", [str(f) for f in report.findings]
    # the signed file: no violation; only what that validator does not cover
    report = pikepdf.pdfa.validate_written(path, "3b")
    allowed = {"pikepdf:schema-Catalog", "pikepdf:embedded-file"}
    for finding in report.findings:
        assert finding.kind == "unsupported" and finding.rule in allowed, str(finding)
        if finding.rule == "pikepdf:schema-Catalog":
            assert "/AcroForm" in finding.message or "/DSS" in finding.message, str(finding)


def test_renewed_bundle_keeps_pdfa_identity(bundle: tuple[Path, bytes], tmp_path: Path) -> None:
    path, _ = bundle
    copy = tmp_path / "renewed.pdf"
    with LocalTSA(tmp_path / "tsa") as tsa:
        ltv.renew_bundle(path, document_timestamper(tsa.url, trust_roots_pem=tsa.root_pem),
                         out=copy)
    assert copy.read_bytes()[:9] == b"%PDF-1.7\n"
    with pikepdf.open(copy) as pdf:
        assert "/Version" not in pdf.Root
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert str(pdf.docinfo.Producer) == meta["pdf:Producer"]
    report = pikepdf.pdfa.validate_written(copy, "3b")
    assert all(f.kind == "unsupported" for f in report.findings), \
        [str(f) for f in report.findings if f.kind != "unsupported"]


def test_used_unembedded_font_is_refused_and_idle_one_removed() -> None:
    from datetime import UTC

    shown = io.BytesIO()
    c = canvas.Canvas(shown)
    c.drawString(72, 72, "Helvetica text")  # a base-14 font actually used
    c.save()
    with pytest.raises(IntegrityError) as err:
        pdfa.prepare_layout(shown.getvalue(), created=datetime.now(UTC))
    assert err.value.key == "pades.pdfa_font"
    assert "Helvetica" in err.value.message("en")

    idle = io.BytesIO()
    c = canvas.Canvas(idle)  # selects Helvetica at the page start, shows nothing
    c.rect(10, 10, 50, 50)
    c.save()
    assert b"/Helvetica" in idle.getvalue()
    out = pdfa.prepare_layout(idle.getvalue(), created=datetime.now(UTC))
    with pikepdf.open(io.BytesIO(out)) as pdf:
        assert "/Font" not in pdf.pages[0].obj.Resources
        ops = [str(op) for _, op in pikepdf.parse_content_stream(pdf.pages[0])]
        assert "Tf" not in ops and "re" in ops  # the drawing itself is kept
    assert pikepdf.pdfa.validate_written(io.BytesIO(out), "3b").verdict == "pass"
