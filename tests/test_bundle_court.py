"""A bundle a Korean court can take: hash certificate and statement, nothing hidden, times
with zones, location kept off the pages, page economy and fill, Korean-only text, item
records bound to the custody chain. Built from a real vault of 31 mixed items."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from evidencekit.bundle import export as export_mod
from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.export_options import Declaration, location_items, resolve_zone
from evidencekit.bundle.metadata_view import metadata_groups
from evidencekit.bundle.styles import Labels
from evidencekit.bundle.verify import verify_bundle
from evidencekit.errors import InputError
from evidencekit.item_record import EVENT_FIELD, bound_record_sha256
from evidencekit.model import Item
from tests.conftest import run_cli
from tests.support.bundle_fake import build_demo_vault
from tests.support.bundle_tools import manifest_of, need, pdftotext
from tests.support.court_vault import HOLDER, build_mixed_vault, open_mixed

CASE = "2024-서울-12345"
RECIPIENT = "서울경찰청 사이버수사대"
DECL = Declaration(case_number=CASE, recipient=RECIPIENT, role="상담사",
                   organisation="예시 상담소", contact="02-000-0000")
MAX_PAGES = 40


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The 31-item vault and two bundles: Korean-only (location hidden) and bilingual
    (blurred, location shown)."""
    folder = tmp_path_factory.mktemp("court")
    vault_dir = build_mixed_vault(folder / "vault", folder / "inputs")
    vault = open_mixed(vault_dir)
    try:
        ko = export_bundle(vault, folder / "ko.pdf", lang="ko", title="합성 사진 유포 사건",
                           prepared_by="박상담", declaration=DECL, hide_location=True)
        both = export_bundle(vault, folder / "both.pdf", lang="both", blur=True,
                             prepared_by="박상담", declaration=DECL)
    finally:
        vault.close()
    yield {"folder": folder, "vault": vault_dir, "ko": ko, "both": both}


def _page_texts(pdf: Path) -> list[str]:
    return pdftotext(pdf).split("\f")[:-1]


# -- page count and fill ------------------------------------------------------------------------

#: Page body between the top margin and the footer rule, as fractions of the page height.
_BODY = (18 / 297, (297 - 24) / 297)


def _fill(png: Path) -> float:
    """How far down the page body content reaches (0 = empty, 1 = to the footer)."""
    im = Image.open(png).convert("L")
    w, h = im.size
    top, bottom = int(_BODY[0] * h), int(_BODY[1] * h)
    body = im.crop((0, top, w, bottom))
    dark = body.point(lambda v: 255 if v < 235 else 0)
    box = dark.getbbox()
    return 0.0 if box is None else box[3] / body.size[1]


def _section_starts(texts: list[str], lang: str) -> set[int]:
    """0-based indexes of pages that begin a section (summary, certificate, items, custody,
    how to verify)."""
    markers = {"ko": ["증거 목록", "해시값 확인서 및 수집 기록", "증거 자료 #1 —",
                      "연계보관성 기록\n"],
               "both": ["증거 목록 / Summary", "해시값 확인서 및 수집 기록 /", "증거 자료 #1 —",
                        "연계보관성 기록 / Custody"]}[lang]
    starts = set()
    for n, text in enumerate(texts):
        head = text.lstrip()[:200]
        if any(head.startswith(m.rstrip("\n")) for m in markers):
            starts.add(n)
    starts.add(len(texts) - 1)  # the closing "how to verify" page
    return starts


@pytest.mark.parametrize("lang", ["ko", "both"])
def test_31_items_fit_40_pages_and_no_page_is_mostly_empty(mixed: dict[str, Any], lang: str,
                                                            tmp_path: Path) -> None:
    need("pdftoppm")
    pdf = mixed["folder"] / f"{lang}.pdf"
    result = mixed[lang]
    assert len(result.items) == 30  # 31 captured, item 12 deleted
    assert result.pages <= MAX_PAGES
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-gray", str(pdf), str(tmp_path / "p")],
                   check=True, timeout=300)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == result.pages
    texts = _page_texts(pdf)
    assert len(texts) == len(pngs)
    starts = _section_starts(texts, lang)
    assert len(starts) >= 5, starts
    fills = [_fill(p) for p in pngs]
    for n, fill in enumerate(fills):
        section_end = n + 1 in starts or n == len(fills) - 1 or n == 0
        if not section_end:
            assert fill >= 1 / 3, (n + 1, fill, texts[n][:120])
    # the items flow: fewer item pages than items
    first_item = min(i for i in starts if "증거 자료 #1 —" in texts[i][:200])
    custody = max(i for i in starts if i != len(texts) - 1)
    assert custody - first_item < 30


# -- Korean only, footers ------------------------------------------------------------------------

def test_korean_bundle_has_no_english_sentences(mixed: dict[str, Any]) -> None:
    text = pdftotext(mixed["folder"] / "ko.pdf")
    for english in ("How to verify", "Collection details", "Hash certificate", "Custody log",
                    "Statement of the preparer", "Deleted items", "page 1 of", "Captured",
                    "Item #", "looks like"):
        assert english not in text, english
    assert re.search(r"\b1/\d+쪽", text)


def test_every_footer_names_the_case_and_the_bundle(mixed: dict[str, Any]) -> None:
    manifest = manifest_of(mixed["folder"] / "ko.pdf", mixed["folder"] / "m-ko")
    bundle_id = manifest["bundle_id"]
    assert re.fullmatch(r"EK-\d{8}-[0-9A-F]{6}", bundle_id)
    texts = _page_texts(mixed["folder"] / "ko.pdf")
    for n, text in enumerate(texts, start=1):
        assert CASE in text and bundle_id in text, n
        assert f"{n}/{len(texts)}쪽" in text


# -- the hash certificate and the statement -------------------------------------------------------

def test_hash_certificate_lists_every_original(mixed: dict[str, Any]) -> None:
    pdf = mixed["folder"] / "ko.pdf"
    manifest = manifest_of(pdf, mixed["folder"] / "m-cert")
    text = pdftotext(pdf)
    start = text.index("해시값 확인서 및 수집 기록")
    cert = text[start:text.index("증거 자료 #1 —", start)]
    parts = [f for f in manifest["files"] if f["role"] == "part"]
    assert len(parts) > 30
    for f in parts:
        assert f["sha256"] in cert, f["file"]
        assert f["file"] in cert
    assert f"{HOLDER}(보관함 소유자)" in cert
    assert "SHA-256" in cert and manifest["build"] in cert
    assert re.search(r"EvidenceKit \d+\.\d+", cert)
    assert "프로그램으로 직접 화면 캡처" in cert
    assert "파일 가져오기 — 원본 이름 phone-photo-1.jpg, 마지막 수정 " in cert
    assert "링크 수집 — https://board.example.test/post/1004" in cert
    assert "해시값 계산: 2024-08-27 19:15:02 KST (10:15:02 UTC)" in cert  # link 4, fetch time
    for value in (CASE, RECIPIENT, "상담사", "예시 상담소", "02-000-0000", "박상담"):
        assert value in cert
    assert "수집한 뒤 변경되지 않았으며" in cert
    assert manifest["statement"] == DECL.public()
    assert manifest["holder"] == HOLDER


def test_empty_statement_fields_stay_blank(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    out = export_bundle(vault, tmp_path / "b.pdf", items=[1, 2], lang="ko",
                        declaration=Declaration(case_number="수원-77"))
    lines = [ln.strip() for ln in pdftotext(out.path).splitlines() if ln.strip()]
    at = lines.index("확인서")
    block = lines[at:at + 16]
    # no value was invented: each label is followed by the next label
    for label, following in (("성명", "직위 또는 역할"), ("직위 또는 역할", "소속 기관"),
                             ("소속 기관", "연락처"), ("연락처", "사건 번호")):
        assert block[block.index(label) + 1] == following, block
    assert block[block.index("사건 번호") + 1] == "수원-77"
    assert manifest_of(out.path, tmp_path)["statement"]["recipient"] == ""


# -- nothing hidden ------------------------------------------------------------------------------

def test_deletion_is_explained_and_in_the_manifest(mixed: dict[str, Any]) -> None:
    pdf = mixed["folder"] / "ko.pdf"
    manifest = manifest_of(pdf, mixed["folder"] / "m-del")
    (gone,) = manifest["deletions"]
    assert gone["number"] == 12 and gone["reason"].startswith("같은 화면을 두 번")
    assert re.fullmatch(r"[0-9a-f]{64}", gone["sha256"])
    bodies = {r["seq"]: r.get("body") for r in manifest["custody"]["records"]}
    assert bodies[gone["event_seq"]]["event"] == "item_deleted"
    assert bodies[gone["event_seq"]]["reason"] == gone["reason"]
    text = pdftotext(pdf)
    section = text[text.index("삭제된 자료"):]
    assert "자료 #12(화면 캡처" in section
    assert gone["reason"] in section and gone["sha256"] in section.replace("\n", "")
    assert f"연계보관성 기록 {gone['event_seq']}번" in section
    assert "사유: 같은 화면을" in section  # in the log table too


def test_deletions_outside_the_range_are_not_listed(mixed: dict[str, Any], tmp_path: Path
                                                     ) -> None:
    vault = open_mixed(mixed["vault"])
    try:
        out = export_bundle(vault, tmp_path / "b.pdf", items=[1, 2, 3], lang="ko")
    finally:
        vault.close()
    assert manifest_of(out.path, tmp_path)["deletions"] == []
    assert "내보낸 범위의 자료 중 보관함에서 삭제된 자료는 없습니다" in pdftotext(out.path)


# -- times ---------------------------------------------------------------------------------------

def test_times_carry_zones_in_summary_custody_and_items(mixed: dict[str, Any]) -> None:
    text = pdftotext(mixed["folder"] / "ko.pdf")
    summary = text[text.index("증거 목록"):text.index("해시값 확인서")]
    assert summary.count(" KST") >= 30 and summary.count(" UTC)") >= 30
    custody = text[text.index("기록 목록"):]
    assert custody.count(" KST") >= 30 and custody.count(" UTC)") >= 30
    # item 6 was captured on a computer set to UTC: shown in Korean time, zone recorded
    item6 = text[text.index("증거 자료 #6 —"):text.index("증거 자료 #7 —")]
    assert "2024-08-27 15:57:02 KST (06:57:02 UTC)" in item6
    assert "Etc/UTC(컴퓨터의 설정값입니다" in item6
    for line in summary.splitlines():  # no bare time anywhere in the table
        if re.search(r"\d\d:\d\d:\d\d", line):
            assert "KST" in line or "UTC" in line, line


def test_zone_option_and_defaults(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    out = export_bundle(vault, tmp_path / "b.pdf", items=[1], lang="en", zone="Europe/Berlin")
    text = pdftotext(out.path)
    assert re.search(r"\d\d:\d\d:\d\d CES?T \(", text)
    assert manifest_of(out.path, tmp_path)["options"]["zone"] == "Europe/Berlin"
    with pytest.raises(InputError):
        resolve_zone("Mars/Olympus", "ko", [])
    assert resolve_zone(None, "ko", []).key == "Asia/Seoul"
    assert resolve_zone(None, "both", []).key == "Asia/Seoul"
    items = vault.items()
    for item in items:
        item.timezone = "Asia/Seoul"
    assert resolve_zone(None, "en", items).key == "Asia/Seoul"


# -- location, warnings, guesses ------------------------------------------------------------------

def test_hide_location_keeps_gps_off_the_pages_only(mixed: dict[str, Any]) -> None:
    hidden = pdftotext(mixed["folder"] / "ko.pdf")
    shown = pdftotext(mixed["folder"] / "both.pdf")
    assert "37.55575" not in hidden and "126.97808" not in hidden
    assert "작성자가 쪽에서 뺐으며, 첨부된 원본 파일에는 그대로 들어 있음" in hidden
    assert "GPS 위치는 쪽에 인쇄하지 않았으며" in hidden  # said on the cover
    assert "37.55575" in shown
    vault = open_mixed(mixed["vault"], writable=False)
    try:
        assert location_items(vault.items()) == [1, 7, 13, 19, 25, 31]
    finally:
        vault.close()


def test_sensitive_warning_stays_when_blurred(mixed: dict[str, Any]) -> None:
    cover = _page_texts(mixed["folder"] / "both.pdf")[0].replace("\n", " ")
    assert "첨부된 원본 파일은 흐림 처리되지 않았으며" in cover
    assert "the attached original files are not" in cover


def test_content_sniffing_is_said_as_a_guess() -> None:
    item = Item(id="x", number=1, kind="file", title="chat.txt", source="chat.txt",
                captured_at="2024-08-27T15:15:02+09:00",
                captured_at_utc="2024-08-27T06:15:02+00:00", timezone="Asia/Seoul",
                metadata={"original_name": "chat.txt", "media_type": "text/plain",
                          "media_detail": "chat_export.whatsapp"},
                notes=[], tags=[], parts=[])

    def rows(lang: str) -> str:
        return " ".join(line.text for g in metadata_groups(item, Labels(lang))
                        for r in g.rows for line in r.lines)

    assert "내용으로 보아 WhatsApp 대화 내보내기 형식으로 보입니다" in rows("ko")
    assert "From its content, the file looks like a WhatsApp chat export" in rows("en")
    item.metadata["media_detail"] = "empty"  # a fact, not a guess
    assert "내용으로 보아" not in rows("ko")


# -- item records bound to the custody chain ----------------------------------------------

def test_events_carry_the_item_record_digest(mixed: dict[str, Any]) -> None:
    vault = open_mixed(mixed["vault"], writable=False)
    try:
        last: dict[str, dict[str, Any]] = {}
        for event in vault.events():
            if event.item_id and EVENT_FIELD in event.body:
                last[event.item_id] = event.body
        for item in vault.items():
            assert last[item.id][EVENT_FIELD] == bound_record_sha256(item.public())
    finally:
        vault.close()


def test_verify_recomputes_records_and_names_a_changed_title(mixed: dict[str, Any],
                                                            tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    report = verify_bundle(mixed["folder"] / "ko.pdf")
    checks = {c.name: c for c in report.checks}
    assert checks["custody.records"].ok is True, checks["custody.records"].detail
    assert "custody.records_old" not in checks

    real = export_mod.build_manifest

    def forged(**kwargs: Any) -> dict[str, Any]:
        manifest = real(**kwargs)
        entry = manifest["items"][2]  # item 3: one byte of the title changed
        entry["title"] = entry["title"][:-1] + chr(ord(entry["title"][-1]) ^ 1)
        return manifest

    monkeypatch.setattr(export_mod, "build_manifest", forged)
    vault = open_mixed(mixed["vault"])
    try:
        out = export_bundle(vault, tmp_path / "forged.pdf", items=[1, 2, 3, 4], lang="ko")
    finally:
        vault.close()
    report = verify_bundle(out.path)
    checks = {c.name: c for c in report.checks}
    assert checks["signature.intact"].ok is True  # signed as usual: only the record differs
    assert checks["custody.records"].ok is False
    assert checks["custody.records"].params["items"] == "#3"
    (item3,) = [i for i in report.items if i.number == 3]
    assert item3.ok is False and any(p.name == "record" for p in item3.parts)
    assert report.exit_code != 0


def test_older_events_are_reported_as_older_format(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)  # its events carry no record digest
    out = export_bundle(vault, tmp_path / "old.pdf", items=[1, 2])
    report = verify_bundle(out.path)
    checks = {c.name: c for c in report.checks}
    assert checks["custody.records_old"].ok is None
    assert "#1" in checks["custody.records_old"].params["items"]
    assert "custody.records" not in checks


# -- the command line ------------------------------------------------------------------------------

def test_cli_export_options(vault_dir: Path, tmp_path: Path) -> None:
    from tests.support.court_vault import gps_jpeg

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(gps_jpeg())
    assert run_cli("add", vault_dir, photo).code == 0
    out = tmp_path / "b.pdf"
    res = run_cli("export", vault_dir, out, "--case-number", "2024-77", "--recipient", "경찰서",
                  "--role", "상담사", "--organisation", "센터", "--contact", "010",
                  "--zone", "Asia/Tokyo", "--hide-location", "--lang", "ko")
    assert res.code == 0, res.err
    assert "#1" in res.err and "--hide-location" in res.err
    manifest = manifest_of(out, tmp_path)
    assert manifest["statement"] == {"case_number": "2024-77", "recipient": "경찰서",
                                     "role": "상담사", "organisation": "센터", "contact": "010"}
    assert manifest["options"]["zone"] == "Asia/Tokyo"
    assert manifest["options"]["hide_location"] is True
    text = pdftotext(out)
    assert " JST (" in text and "37.55575" not in text
    bad = run_cli("export", vault_dir, tmp_path / "c.pdf", "--zone", "Nowhere/Else")
    assert bad.code != 0 and "Nowhere/Else" in bad.err and "Traceback" not in bad.err
    assert not (tmp_path / "c.pdf").exists()


def test_build_id_reads_git_without_running_git(tmp_path: Path) -> None:
    from evidencekit.bundle.export_options import _git_commit

    commit = "0123456789abcdef0123456789abcdef01234567"
    main = tmp_path / "main"
    (main / ".git" / "refs" / "heads").mkdir(parents=True)
    (main / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (main / ".git" / "refs" / "heads" / "main").write_text(commit + "\n")
    assert _git_commit(main) == commit
    # a worktree: .git is a file pointing at .git/worktrees/<name>, refs in the common dir
    wt_git = main / ".git" / "worktrees" / "wt"
    wt_git.mkdir(parents=True)
    (wt_git / "HEAD").write_text("ref: refs/heads/feature\n")
    (wt_git / "commondir").write_text("../..\n")
    (main / ".git" / "packed-refs").write_text(f"# pack-refs\n{commit[::-1]} "
                                               "refs/heads/feature\n")
    wt = tmp_path / "wt"
    wt.mkdir()
    (wt / ".git").write_text(f"gitdir: {wt_git}\n")
    assert _git_commit(wt) == commit[::-1]
    assert _git_commit(tmp_path / "nowhere") is None


def test_statement_fields_refuse_control_characters() -> None:
    with pytest.raises(InputError) as err:
        Declaration(contact="010\x1b[31m")
    assert err.value.key == "court.bad_field"


def test_certificate_says_where_each_file_is(tmp_path: Path) -> None:
    vault = build_demo_vault(with_tokens=False)
    out = export_bundle(vault, tmp_path / "b.pdf", items=[1, 5], lang="ko",
                        max_embed_mb=0.01)  # the 40 kB dump goes to the side folder
    text = pdftotext(out.path)
    cert = text[text.index("해시값 확인서"):text.index("확인서\n", text.index("해시값 확인서") + 8)]
    assert "별도 폴더에 있음: b-files/005-dump.bin" in cert.replace("\n", "")
    none = export_bundle(vault, tmp_path / "n.pdf", items=[1], lang="ko", originals=False)
    assert "첨부하지 않음(해시값만 기재)" in pdftotext(none.path)
