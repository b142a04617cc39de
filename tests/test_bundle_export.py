"""Exporting a bundle: standard tools agree (pdfsig, pdfdetach, sha256sum, pdftotext)."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from evidencekit.bundle.export import ExportResult, export_bundle
from evidencekit.bundle.manifest import display_fingerprint
from evidencekit.bundle.verify import verify_bundle
from evidencekit.bundle.verify_report import format_report
from evidencekit.errors import InputError, IntegrityError, NotFoundError
from tests.support.bundle_fake import (
    KOREAN_BODY,
    KOREAN_NOTE,
    KOREAN_TITLE,
    FakeVault,
    build_demo_vault,
)
from tests.support.bundle_tools import (
    detach_all,
    manifest_of,
    pdfsig,
    pdfsig_valid,
    pdftotext,
    run,
)

EXPORTED = [1, 2, 3, 4, 5, 6]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[FakeVault, ExportResult, Path]:
    vault = build_demo_vault()
    folder = tmp_path_factory.mktemp("export")
    out = folder / "bundle.pdf"
    progress: list[tuple[int, int, str]] = []
    result = export_bundle(vault, out, items=EXPORTED, title="사건 2024-001 딥페이크 유포",
                           prepared_by="상담원 김지원",
                           progress=lambda d, t, k: progress.append((d, t, k)))
    keys = {k for _, _, k in progress}
    assert {"bundle.progress.read", "bundle.progress.layout", "bundle.progress.sign",
            "bundle.progress.done"} <= keys
    return vault, result, folder


def test_result_and_custody_event(demo: tuple[FakeVault, ExportResult, Path]) -> None:
    vault, result, _ = demo
    data = result.path.read_bytes()
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data)
    assert result.items == EXPORTED
    assert result.side_files == []
    last = vault.events()[-1]
    assert last.kind == "exported"
    assert last.body["bundle_sha256"] == result.sha256
    assert last.body["items"] == EXPORTED
    assert last.body["file_name"] == "bundle.pdf"
    assert not [p for p in result.path.parent.iterdir() if p.name.startswith(".")]
    assert result.fingerprint == hashlib.sha256(
        vault.identity()[1].public_bytes(serialization.Encoding.DER)).hexdigest()


def test_pdfsig_reports_valid(demo: tuple[FakeVault, ExportResult, Path]) -> None:
    _, result, _ = demo
    out = pdfsig(result.path)
    assert "Signature is Valid." in out, out
    assert "Total document signed" in out
    assert pdfsig_valid(result.path)


def test_pyhanko_intact_and_entire_file(demo: tuple[FakeVault, ExportResult, Path]) -> None:
    _, result, _ = demo
    with result.path.open("rb") as fh:
        reader = PdfFileReader(fh)
        assert reader.xrefs.total_revisions == 2  # content + attachments, then signature
        (sig,) = reader.embedded_signatures
        status = validate_pdf_signature(
            sig, ValidationContext(trust_roots=[sig.signer_cert], allow_fetching=False)
        )
        assert status.intact and status.valid
        assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE


def test_pdfdetach_and_sha256sum_match_manifest(
    demo: tuple[FakeVault, ExportResult, Path], tmp_path: Path
) -> None:
    vault, result, _ = demo
    sums = detach_all(result.path, tmp_path / "x")
    manifest = json.loads((tmp_path / "x" / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["file"]: f for f in manifest["files"]}
    assert set(sums) == set(listed) | {"manifest.json"}
    for name, entry in listed.items():
        assert entry["location"] == "embedded"
        assert sums[name] == entry["sha256"], name
        assert (tmp_path / "x" / name).stat().st_size == entry["size"]
    # every part of every exported item is there, byte for byte
    for number in EXPORTED:
        item = vault.item(number)
        m_item = next(i for i in manifest["items"] if i["number"] == number)
        for index, part in enumerate(item.parts):
            entry = m_item["parts"][index]
            assert entry["sha256"] == part.sha256 == sums[entry["file"]]
            assert re.fullmatch(r"\d{3}-[A-Za-z0-9._-]+", entry["file"])
    # the signer certificate attached is the one in the manifest
    pem = (tmp_path / "x" / "signer-certificate.pem").read_text()
    assert pem == manifest["signer"]["certificate_pem"]
    proc = run("openssl", "x509", "-in", tmp_path / "x" / "signer-certificate.pem", "-noout",
               "-fingerprint", "-sha256")
    if proc.returncode == 0:
        assert proc.stdout.strip().split("=", 1)[1] == display_fingerprint(result.fingerprint)


def test_manifest_content(demo: tuple[FakeVault, ExportResult, Path], tmp_path: Path) -> None:
    vault, result, _ = demo
    manifest = manifest_of(result.path, tmp_path)
    assert manifest["format"] == "evidencekit-bundle" and manifest["version"] == 1
    assert manifest["vault_id"] == vault.vault_id
    assert manifest["pages"] == result.pages
    assert manifest["signer"]["sha256_fingerprint"] == display_fingerprint(result.fingerprint)
    assert [i["number"] for i in manifest["items"]] == EXPORTED
    incident = manifest["items"][5]
    assert incident["title"] == KOREAN_TITLE and incident["notes"] == [KOREAN_NOTE]
    shot = manifest["items"][0]["parts"][0]
    assert shot["timestamp"]["token_file"] == "001-screenshot.png.tsr"
    assert shot["timestamp"]["chain_file"].startswith("tsa-chain-")
    assert "token" not in shot["timestamp"]  # tokens travel as files, not inline
    records = manifest["custody"]["records"]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    exported_ids = {vault.item(n).id for n in EXPORTED}
    for rec in records:
        body = rec.get("body")
        if body is None:
            continue
        assert body.get("item_id") in exported_ids or body["event"] in (
            "vault_created", "passphrase_changed", "exported")
    text = json.dumps(manifest, ensure_ascii=False)
    assert "should not appear" not in text  # the note of item 7 (not exported)
    assert "private.txt" not in text
    assert manifest["custody"]["withheld"] >= 3


def test_pdftotext_has_korean_text_and_hashes(demo: tuple[FakeVault, ExportResult, Path]
                                              ) -> None:
    vault, result, _ = demo
    text = pdftotext(result.path)
    assert KOREAN_NOTE in text
    assert KOREAN_TITLE in text
    for line in KOREAN_BODY.splitlines():
        assert line in " ".join(text.split("\n")) or line.split()[0] in text
    assert "증거 자료 #1 — 화면 캡처 / Item #1 — Screenshot" in text
    assert display_fingerprint(result.fingerprint)[:20] in text
    flat = re.sub(r"\s+", "", pdftotext(result.path, "-raw"))
    for number in EXPORTED:
        item = vault.item(number)
        assert item.sha256 in text  # the primary hash is printed on one line
        for part in item.parts:
            assert part.sha256 in flat, (number, part.name)


def test_verify_report_ok(demo: tuple[FakeVault, ExportResult, Path], tmp_path: Path) -> None:
    vault, result, _ = demo
    report = verify_bundle(result.path, extract_dir=tmp_path / "out",
                           trust_roots_pem=vault.tsa_pem.encode(),  # item 1's test TSA
                           expect_fingerprint=result.fingerprint)
    assert report.ok, [c.public() for c in report.failures]
    assert report.exit_code == 0
    assert report.fingerprint == result.fingerprint
    names = {c.name: c.ok for c in report.checks}
    for must in ("signature.intact", "signature.coverage", "attachments.hashes",
                 "attachments.complete", "certificate.match", "custody.chain", "custody.head",
                 "layout.pages", "timestamps.tokens"):
        assert names.get(must) is True, must
    assert names["signature.fingerprint"] is True  # confirmed by the expected fingerprint
    holder = report.holder
    assert holder is not None and holder.status == "confirmed_fingerprint"
    assert display_fingerprint(result.fingerprint) in format_report(report, "en")
    assert [i.number for i in report.items] == EXPORTED and all(i.ok for i in report.items)
    extracted = {p.name for p in report.extracted}
    assert "manifest.json" in extracted and "006-note.txt" in extracted
    assert (tmp_path / "out" / "006-note.txt").read_text(encoding="utf-8") == KOREAN_BODY
    public = report.public("ko")
    assert public["ok"] is True and public["checks"][0]["title"]


def test_side_folder_for_large_parts(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    out = tmp_path / "증거 묶음.pdf"
    result = export_bundle(vault, out, items=[1, 2, 5], max_embed_mb=0.1)
    side = tmp_path / "증거 묶음-files"
    assert sorted(p.name for p in side.iterdir()) == ["001-screenshot.png", "002-screenshot.png"]
    assert result.side_files == [side / "001-screenshot.png", side / "002-screenshot.png"]
    for path in result.side_files:
        number = int(path.name[:3])
        assert hashlib.sha256(path.read_bytes()).hexdigest() == vault.item(number).sha256
    assert pdfsig_valid(out)
    report = verify_bundle(out)
    assert report.intact and {c.name: c.ok for c in report.checks}["side.files"] is True
    text = pdftotext(out)
    assert "-files/001-screenshot.png" in text
    assert "sha256sum -c side-files.sha256" in text and 'ls "증거 묶음-files" | wc -l' in text
    # a missing side file fails, naming it and its item; so does a changed one
    (side / "002-screenshot.png").unlink()
    report = verify_bundle(out)
    assert report.exit_code == 3
    assert {c.name: c.ok for c in report.checks}["side.files"] is False
    assert "002-screenshot.png" in next(c for c in report.checks if c.name == "side.files"
                                        ).detail_text("en")
    assert [i.number for i in report.items if i.ok is False] == [2]
    data = bytearray((side / "001-screenshot.png").read_bytes())
    data[100] ^= 1
    (side / "001-screenshot.png").write_bytes(bytes(data))
    report = verify_bundle(out)
    assert not report.ok and report.exit_code == 3
    assert {c.name: c.ok for c in report.checks}["side.files"] is False
    assert any("001-screenshot.png" in c.detail_text("en") for c in report.checks
               if c.name == "side.files" and c.ok is False)


def test_no_originals(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    out = tmp_path / "b.pdf"
    export_bundle(vault, out, items=[1, 6], originals=False, lang="en")
    sums = detach_all(out, tmp_path / "x")
    assert set(sums) == {"manifest.json", "signer-certificate.pem"}
    report = verify_bundle(out)
    assert report.intact
    assert all(p.ok is None for i in report.items for p in i.parts)
    text = pdftotext(out)
    assert "not included" in text
    assert KOREAN_BODY.splitlines()[1] in text  # the note's text is still printed


def test_corrupt_part_aborts_and_leaves_nothing(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    vault = build_demo_vault(with_tokens=False)
    vault.corrupt(2)
    events = len(vault.events())
    with pytest.raises(IntegrityError):
        export_bundle(vault, tmp_path / "b.pdf", max_embed_mb=0.1)
    assert list(tmp_path.iterdir()) == []
    assert len(vault.events()) == events


def test_item_selection_errors(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    vault = build_demo_vault(with_tokens=False)
    with pytest.raises(InputError) as e:
        export_bundle(vault, tmp_path / "b.pdf", items=[8])
    assert e.value.key == "bundle.item_deleted"
    with pytest.raises(NotFoundError):
        export_bundle(vault, tmp_path / "b.pdf", items=[99])
    with pytest.raises(InputError):
        export_bundle(vault, tmp_path / "b.pdf", lang="fr")
    with pytest.raises(InputError):
        export_bundle(vault, tmp_path / "missing" / "b.pdf")
    with pytest.raises(InputError):
        export_bundle(vault, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_default_selection_skips_deleted(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    result = export_bundle(vault, tmp_path / "b.pdf", lang="ko")
    assert result.items == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_hostile_and_odd_parts(tmp_path: Path) -> None:
    import io

    from PIL import Image

    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, "PNG")  # 144 Mpx, a few kB
    good = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(good, "PNG")
    vault = FakeVault()
    vault.add("file", "bomb", "bomb.png", [("bomb.png", "image/png", bomb.getvalue())])
    vault.add("file", "broken", "broken.png",
              [("broken.png", "image/png", good.getvalue()[:60])])
    vault.add("file", "empty", "empty.jpg", [("empty.jpg", "image/jpeg", b"")])
    vault.add("file", "fake pdf", "fake.pdf", [("fake.pdf", "application/pdf", b"%PDF-1.7 junk")])
    vault.add("file", "tiny", "tiny.png", [("tiny.png", "image/png", good.getvalue())])
    vault.add("link", "pending link", "https://example.test/later", [])
    out = tmp_path / "b.pdf"
    result = export_bundle(vault, out, lang="en")
    assert result.pages >= 6
    assert verify_bundle(out).intact
    text = pdftotext(out)
    assert "too large to show" in text
    assert text.count("could not be shown safely") >= 3
    assert "no stored file" in text
    sums = detach_all(out, tmp_path / "x")
    assert sums["003-empty.jpg"] == hashlib.sha256(b"").hexdigest()


def test_no_plaintext_in_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir(exist_ok=True)  # the autouse fixture may have made it
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
    vault = build_demo_vault(with_tokens=False)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    export_bundle(vault, out_dir / "b.pdf", items=[1, 4, 6])
    assert list(tmpdir.iterdir()) == []
    assert [p.name for p in out_dir.iterdir()] == ["b.pdf"]


def _bbox_words(path: Path) -> list[dict[str, Any]]:
    html = pdftotext(path, "-bbox")
    pages: list[dict[str, Any]] = []
    for m in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        width = float(m.group(1))
        for w in re.finditer(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', m.group(3)):
            pages.append({"width": width, "xmin": float(w.group(1)), "xmax": float(w.group(2))})
    return pages


def test_nothing_overflows_the_page(demo: tuple[FakeVault, ExportResult, Path]) -> None:
    _, result, _ = demo
    words = _bbox_words(result.path)
    assert words
    margin = 18 / 25.4 * 72
    for w in words:
        assert w["xmin"] >= margin - 2, w
        assert w["xmax"] <= w["width"] - margin + 2, w
