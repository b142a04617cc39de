"""The four reporting lists: each XLSX opens with openpyxl with the right rows (Korean
text intact, hostile titles kept as text), each PDF is signed, the police pack's files are
under the size limit and their hashes match, the platform hash list holds no picture,
and every export is a custody event."""

from __future__ import annotations

import hashlib
import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from evidencekit.model import NewItem, PartInput
from evidencekit.reports.export import export_report
from tests.conftest import run_cli
from tests.support.bundle_tools import pdfsig_valid
from tests.support.similar_pictures import copies_of, different_picture, encode, photo
from tests.support.vault_util import open_vault

HOSTILE = '=HYPERLINK("http://evil.example","클릭")'


def _link(vault, url: str, title: str, tags: list[str], note: str) -> int:  # type: ignore[no-untyped-def]
    return vault.add_item(NewItem(
        kind="link", title=title, source=url, tags=tags, notes=[note],
        metadata={"url": url, "page_title": title},
        parts=[PartInput("rendering.png", "image/png", different_picture(len(url)))])).number


@pytest.fixture
def case(vault_dir: Path) -> dict[str, int]:
    img = photo()
    with open_vault(vault_dir) as v:
        n = {
            "tg": _link(v, "https://t.me/example_room/123", "합성 사진 유포 방",
                        ["딥페이크", "텔레그램"], "처음 발견"),
            "x": _link(v, "https://x.com/someone/status/1", HOSTILE, [], ""),
            "shot": v.add_item(NewItem(
                kind="screenshot", title="화면 캡처", source="", metadata={
                    "ocr": {"text": "t.me/another_room 입장", "links": ["t.me/another_room"]}},
                parts=[PartInput("screenshot.png", "image/png", encode(img, "PNG"))])).number,
            "copy": v.add_item(NewItem(kind="file", title="copy.jpg", source="copy.jpg", parts=[
                PartInput("copy.jpg", "image/jpeg", copies_of(img)["recompressed.jpg"])])).number,
            "big": v.add_item(NewItem(kind="file", title="big.bin", source="big.bin", parts=[
                PartInput("big.bin", "application/octet-stream",
                          bytes(range(256)) * 1200)])).number,  # 300 KB
        }
        v.log_event("link_rechecked", v.item(n["tg"]), status="gone",
                    checked_at="2026-11-30T01:00:00+00:00", url="https://t.me/example_room/123")
    return n


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    ws = load_workbook(path).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    start = next(i for i, r in enumerate(values) if r[0] in ("번호", "No."))
    return [str(x) for x in values[start]], [[("" if x is None else str(x)) for x in r]
                                              for r in values[start + 1:]]


def test_deletion_list(vault_dir: Path, tmp_path: Path, case: dict[str, int]) -> None:
    out = tmp_path / "lists"
    res = run_cli("report", vault_dir, "deletion", out)
    assert res.code == 0, res.err
    xlsx = out / "deletion-support-list.xlsx"
    ws = load_workbook(xlsx).active
    assert ws["A1"].value == "디지털성범죄피해자지원센터 삭제지원 요청 목록"
    header, rows = _rows(xlsx)
    assert header == ["번호", "플랫폼", "URL", "게시물 제목", "발견 일시(KST)", "자료 번호",
                      "해시값(SHA-256)", "검색 키워드", "비고", "최근 확인 상태"]
    assert [r[2] for r in rows] == ["https://t.me/example_room/123",
                                    "https://x.com/someone/status/1",
                                    "https://t.me/another_room"]
    tg = rows[0]
    with open_vault(vault_dir, writable=False) as v:
        item = v.item(case["tg"])
    assert tg[1] == "텔레그램(Telegram)" and tg[3] == "합성 사진 유포 방"
    assert tg[4].endswith(" KST") and tg[5] == f"#{case['tg']}" and tg[6] == item.sha256
    assert tg[7] == "딥페이크, 텔레그램" and tg[8] == "처음 발견"
    assert tg[9].startswith("게시 중단 (2026-11-30 10:00:00 KST")
    assert rows[1][3] == HOSTILE and rows[1][1] == "X(트위터)" and rows[1][9] == "재확인 기록 없음"
    assert rows[2][5] == f"#{case['shot']}" and "화면에서 읽은 링크" in rows[2][8]
    # the hostile title stays text in the file itself, never a formula
    with zipfile.ZipFile(xlsx) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert pdfsig_valid(out / "deletion-support-list.pdf")
    # each export is a custody event naming its files' hashes
    with open_vault(vault_dir, writable=False) as v:
        event = [e for e in v.events() if e.kind == "report_exported"][-1]
    assert event.body["report"] == "deletion"
    assert {f["name"]: f["sha256"] for f in event.body["files"]} == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir()}
    again = run_cli("report", vault_dir, "deletion", out)
    assert again.code == 2 and "exists" in again.err


def test_kcsc_list(vault_dir: Path, tmp_path: Path, case: dict[str, int]) -> None:
    out = tmp_path / "kcsc"
    assert run_cli("report", vault_dir, "kcsc", out, "--items", f"{case['tg']}").code == 0
    header, rows = _rows(out / "kcsc-url-list.xlsx")
    assert header == ["번호", "URL", "플랫폼", "게시물 제목", "발견 일시(KST)",
                      "증거 자료(번호, SHA-256)", "최근 확인 상태"]
    assert len(rows) == 1 and rows[0][1] == "https://t.me/example_room/123"
    assert rows[0][5].startswith(f"#{case['tg']} SHA-256 ")
    assert pdfsig_valid(out / "kcsc-url-list.pdf")


def test_platform_hash_list_holds_no_picture(vault_dir: Path, tmp_path: Path,
                                             case: dict[str, int]) -> None:
    out = tmp_path / "hashes"
    assert run_cli("report", vault_dir, "hashes", out).code == 0
    header, rows = _rows(out / "platform-hash-list.xlsx")
    assert header[4:8] == ["해시값(SHA-256)", "MD5", "PDQ", "PDQ 품질"]
    with open_vault(vault_dir, writable=False) as v:
        copy = v.item(case["copy"])
        data = v.read_part_bytes(copy)
    row = next(r for r in rows if r[1] == f"#{case['copy']}")
    assert row[4] == hashlib.sha256(data).hexdigest()
    assert row[5] == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert row[6] == copy.metadata["pdq"]["hashes"][0]["hash"] and row[7] == "100"
    assert len(rows) == 4  # three link/screenshot renderings and the copy; not big.bin
    for path in out.iterdir():
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as zf:
                assert not any("media" in n for n in zf.namelist())
        assert data[:4096] not in path.read_bytes()


def test_police_pack_parts_under_limit_and_hashes_match(vault_dir: Path, tmp_path: Path,
                                                        case: dict[str, int]) -> None:
    out = tmp_path / "police"
    limit_mb = 0.25
    limit = int(limit_mb * 1024 * 1024)
    with open_vault(vault_dir) as v:
        result = export_report(v, "police", out, part_mb=limit_mb)
        originals = {f"item-{i.number:04d}-{k + 1}-{p.name}": v.read_part_bytes(i, k)
                     for i in v.items() for k, p in enumerate(i.parts)}
    names = {p.name for p in out.iterdir()}
    assert "police-pack-index.pdf" in names and "police-pack-index.xlsx" in names
    pack = [p for p in out.iterdir() if not p.name.startswith("police-pack-index")]
    assert all(p.stat().st_size <= limit for p in pack), [(p.name, p.stat().st_size)
                                                          for p in pack]
    assert len([p for p in pack if p.suffix == ".zip"]) >= 2
    # the originals come back bit for bit: from the ZIPs, and the big one from its pieces
    found: dict[str, bytes] = {}
    for z in sorted(out.glob("*.zip")):
        with zipfile.ZipFile(z) as zf:
            assert zf.testzip() is None
            for name in zf.namelist():
                found[name] = zf.read(name)
    big = next(n for n in originals if n.endswith("big.bin"))
    assert len(sorted(out.glob(big + ".*"))) == 2
    for name in set(originals) - set(found):  # too big for a ZIP: cut into pieces
        found[name] = b"".join(p.read_bytes() for p in sorted(out.glob(name + ".*")))
    assert found == originals
    # sha256sum agrees with the lists
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    listed = dict(line.split("  ")[::-1] for line in
                  (out / "ORIGINALS.sha256").read_text().splitlines())
    assert listed == {n: hashlib.sha256(d).hexdigest() for n, d in originals.items()}
    header, rows = _rows(out / "police-pack-index.xlsx")
    assert header[2] == "묶음 안의 파일"
    assert {r[2]: r[4] for r in rows if r[1]} == listed
    assert pdfsig_valid(out / "police-pack-index.pdf")
    assert {f.name for f in result.files} == names
    # a second export into the same folder is refused, nothing touched
    again = run_cli("report", vault_dir, "police", out)
    assert again.code == 2 and "not empty" in again.err


def test_bad_input_is_refused_cleanly(vault_dir: Path, tmp_path: Path,
                                      case: dict[str, int]) -> None:
    res = run_cli("report", vault_dir, "police", tmp_path / "p", "--part-mb", "0.001")
    assert res.code == 2 and "Traceback" not in res.err
    assert not any((tmp_path / "p").glob("*.zip"))
    res = run_cli("report", vault_dir, "kcsc", tmp_path / "k", "--items", f"{case['big']}")
    assert res.code == 2 and "None of the chosen items" in res.err
    res = run_cli("report", vault_dir, "kcsc", tmp_path / "k", "--items", "99")
    assert res.code != 0 and "Traceback" not in res.err
    res = run_cli("report", vault_dir, "nonsense", tmp_path / "k")
    assert res.code == 2
    (tmp_path / "file.txt").write_text("x")
    res = run_cli("report", vault_dir, "deletion", tmp_path / "file.txt")
    assert res.code == 2 and "is a file" in res.err


def test_english_list(vault_dir: Path, tmp_path: Path, case: dict[str, int]) -> None:
    out = tmp_path / "en"
    assert run_cli("report", vault_dir, "kcsc", out, "--list-lang", "en").code == 0
    header, _rows_ = _rows(out / "kcsc-url-list.xlsx")
    assert header[1] == "URL" and header[2] == "Platform"
    assert io.BytesIO((out / "kcsc-url-list.pdf").read_bytes()).getvalue().startswith(b"%PDF")
