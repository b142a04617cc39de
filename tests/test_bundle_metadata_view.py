"""The "Collection details" of an item: labelled, ordered, translated, nothing dropped.

Items are made by the real capture code (a link fetched from a local HTTPS server through
a redirect chain, a phone photo with EXIF and GPS, a screenshot from a fake screen
backend, an incident note), then exported or laid out, and the page text is read back
with pdftotext.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate

from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.layout_items import ItemView, item_section
from evidencekit.bundle.metadata_view import Group, metadata_groups
from evidencekit.bundle.styles import PAGE_MARGIN, Labels, make_styles
from evidencekit.capture.files import import_file
from evidencekit.capture.incident import incident_item
from evidencekit.capture.links import capture_link, pending_link
from evidencekit.capture.screen import ScreenTarget, grab, screenshot_item
from evidencekit.i18n import catalogue
from evidencekit.model import Item, NewItem
from tests.support.bundle_fake import FakeVault
from tests.support.bundle_tools import pdftotext, render
from tests.support.capture_fakes import FakeBackend, screen
from tests.support.capture_files import camera_exif, jpeg_bytes
from tests.support.links_servers import LinkServers

VIEW_SOURCES = [Path(__file__).resolve().parents[1] / "evidencekit/bundle" / name for name in
                ("metadata_view.py", "metadata_rows.py", "link_metadata_view.py",
                 "file_metadata_view.py", "screenshot_metadata_view.py")]


def _parts(new: NewItem) -> list[tuple[str, str, bytes]]:
    return [(p.name, p.media_type,
             p.data if p.data is not None else Path(str(p.path)).read_bytes())
            for p in new.parts]


def _add(vault: FakeVault, new: NewItem, metadata: dict[str, Any] | None = None) -> Item:
    return vault.add(str(new.kind), new.title, new.source, _parts(new),
                     metadata=new.metadata if metadata is None else metadata, notes=new.notes)


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, NewItem]]:
    folder = tmp_path_factory.mktemp("captures")
    items: dict[str, NewItem] = {}
    with LinkServers(folder) as servers:
        items["link"] = capture_link(servers.https.url("/r1"), ca_file=servers.ca_file,
                                     render=False, timeout=10)
        items["http"] = capture_link(servers.http.url("/missing"), render=False, timeout=10)
    items["telegram"] = pending_link("https://t.me/some_channel/1234?comment=5")
    photo = folder / "IMG_20240801_211542.jpg"
    photo.write_bytes(jpeg_bytes(640, 480, exif=camera_exif()))
    items["photo"] = import_file(photo)
    mislabelled = folder / "사진.png"
    mislabelled.write_bytes(jpeg_bytes(320, 200))
    items["mismatch"] = import_file(mislabelled)
    fake = FakeBackend([(screen(0, 0, 0, 1920, 1080), Image.new("RGB", (1920, 1080), "navy")),
                        (screen(1, 1920, 0, 1280, 800, 2.0),
                         Image.new("RGB", (2560, 1600), "teal"))])
    shot = grab(ScreenTarget.rect(100, 100, 800, 600), backend=fake)
    items["screenshot"] = screenshot_item(shot, title="영역 캡처")
    items["incident"] = incident_item("어제 밤 단체방에 사진이 올라왔습니다.",
                                      when="2024-08-01T21:00:00+09:00", where="텔레그램 '예시방'",
                                      who="익명_01")
    yield items


def _summary(new: NewItem) -> dict[str, Any]:
    (data,) = [d for name, _, d in _parts(new) if name == "summary.json"]
    summary: dict[str, Any] = json.loads(data)
    return summary


def _rows(groups: list[Group]) -> list[tuple[str, str]]:
    return [(row.label, "\n".join(f"{ln.prefix or ''} {ln.text}".strip() for ln in row.lines))
            for g in groups for row in g.rows]


def _layout_text(item: Item, lang: str, path: Path, summary: dict[str, Any] | None) -> str:
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=PAGE_MARGIN,
                            rightMargin=PAGE_MARGIN, topMargin=PAGE_MARGIN,
                            bottomMargin=PAGE_MARGIN)
    view = ItemView(item=item, parts=[], link_summary=summary)
    doc.build(item_section(view, Labels(lang), make_styles(), doc.width))
    return pdftotext(path)


def test_link_rows_come_labelled_and_in_order(captured: dict[str, NewItem]) -> None:
    vault = FakeVault()
    item = _add(vault, captured["link"])
    rows = _rows(metadata_groups(item, Labels("en"), _summary(captured["link"])))
    labels = [label for label, _ in rows]
    assert labels[:5] == ["Requested URL", "Final URL (after redirects)", "Page title",
                          "HTTP status", "Server IP address"]
    values = dict(rows)
    assert values["HTTP status"] == "200 OK"
    assert values["Final URL (after redirects)"].endswith("/ko")
    assert re.fullmatch(r"[-\d]+ [:\d]+ KST \(([-\d]+ )?[:\d]+ UTC\)", values["Fetched at"])
    assert values["TLS version"].startswith("TLSv1.")
    chain = values["Redirect chain"].splitlines()
    assert [line.split()[1] for line in chain] == ["302", "301", "307"]
    assert chain[0].endswith("/r2") and chain[2].endswith("/ko")
    leaf = item.metadata["tls"]["certificates"][0]
    assert leaf["sha256"] in values["Server certificate"]
    assert f"Subject {leaf['subject']}" in values["Server certificate"]
    assert "CA certificate 1" in values
    # internals stay off the page: url_display (same as url), the fingerprints listed again
    assert "url_display" not in labels and "cert_fingerprints" not in labels
    assert not any(label.startswith(("Other", "rendering")) for label in labels)


def test_link_page_text_has_labels_and_redirect_chain(captured: dict[str, NewItem],
                                                      tmp_path: Path) -> None:
    vault = FakeVault()
    item = _add(vault, captured["link"])
    summary = _summary(captured["link"])
    ko = _layout_text(item, "ko", tmp_path / "ko.pdf", summary)
    for label in ("요청 URL", "최종 URL(리디렉션 후)", "HTTP 상태 코드", "서버 IP 주소",
                  "리디렉션 경로", "보안 연결(TLS)", "서버 인증서", "인증서 검증"):
        assert label in ko, label
    assert re.search(r"1\.\s+302 → https://127\.0\.0\.1:\d+/r2", ko)
    assert re.search(r"3\.\s+307 → https://127\.0\.0\.1:\d+/ko", ko)
    both = _layout_text(item, "both", tmp_path / "both.pdf", summary)
    assert "리디렉션 경로 / Redirect chain" in both and "CA 인증서 1 / CA certificate 1" in both
    # without summary.json the count is given, never a bare number
    en = _layout_text(item, "en", tmp_path / "en.pdf", None)
    assert "3 redirect(s)" in en


def test_plain_http_and_pending_telegram_links(captured: dict[str, NewItem]) -> None:
    vault = FakeVault()
    rows = dict(_rows(metadata_groups(_add(vault, captured["http"]), Labels("en"))))
    assert rows["HTTP status"] == "404 Not Found"
    assert rows["Secure connection (TLS)"].startswith("Not used")
    assert rows["Redirect chain"].startswith("None")
    assert rows["Final URL (after redirects)"].startswith("Same as the requested URL")
    rows = dict(_rows(metadata_groups(_add(vault, captured["telegram"]), Labels("ko"))))
    assert rows["페이지 내용"].startswith("아직 수집되지 않았습니다")
    assert rows["채널 또는 그룹"] == "some_channel"
    assert rows["메시지 번호"] == "1234" and rows["댓글 번호"] == "5"
    assert rows["텔레그램 링크 유형"] == "공개 채널 또는 그룹"


def test_photo_rows_translate_exif_gps_and_warnings(captured: dict[str, NewItem]) -> None:
    vault = FakeVault()
    item = _add(vault, captured["photo"])
    rows = _rows(metadata_groups(item, Labels("en")))
    labels = [label for label, _ in rows]
    assert labels.index("Original file name") < labels.index("Image size") < labels.index(
        "Camera (EXIF)") < labels.index("GPS location") < labels.index("Warnings at import")
    values = dict(rows)
    assert values["Image size"] == "640 × 480 px · JPEG · RGB"
    assert values["Camera (EXIF)"] == "Samsung SM-S918N"
    assert values["Taken (EXIF, camera clock)"] == "2024-08-01 21:15:42 +09:00"
    assert values["GPS location"] == "Present: 37.5663889° N, 126.9777778° E"
    assert "GPS location" in values["Warnings at import"]
    assert "capture.warn" not in values["Warnings at import"]
    rows = dict(_rows(metadata_groups(_add(vault, captured["mismatch"]), Labels("ko"))))
    assert rows["확장자상 형식"] == "image/png" and rows["파일 형식(내용으로 판별)"] == "image/jpeg"
    assert "확장자와 실제 내용의 형식이 일치하지 않으며" in rows["가져오기 시 경고"]


def test_screenshot_and_incident_rows(captured: dict[str, NewItem]) -> None:
    vault = FakeVault()
    shot = captured["screenshot"]
    item = _add(vault, shot, {**shot.metadata, "captured_at_utc": None,
                              "captured_at_local": None, "timezone": "Asia/Seoul"})
    rows = dict(_rows(metadata_groups(item, Labels("en"))))
    assert rows["Area captured"] == "Selected area x=100, y=100, 800 × 600 px"
    assert rows["Screen 2"] == "FAKE-1 · x=1920, y=0, 1280 × 800 px · pixel ratio 2.0"
    assert rows["Capture method"] == "Direct screen grab (Qt)"
    assert rows["Program"].startswith("EvidenceKit ")
    assert "Other details" not in {g.title for g in metadata_groups(item, Labels("en"))}
    rows = dict(_rows(metadata_groups(_add(vault, captured["incident"]), Labels("ko"))))
    assert rows == {"발생 일시(진술)": "2024-08-01 21:00:00 +09:00",
                    "발생 장소(진술)": "텔레그램 '예시방'", "관련자(진술)": "익명_01"}


def test_unknown_keys_at_any_depth_are_kept_under_other(captured: dict[str, NewItem]) -> None:
    vault = FakeVault()
    meta = copy.deepcopy(captured["link"].metadata)
    meta["tls"]["alpn"] = "h2"
    meta["tls"]["certificates"][0]["serial"] = "1f2e3d"
    meta["future_field"] = {"nested": {"a": 1, "b": [1, 2]}, "flag": True}
    meta["notes_list"] = ["first", "second"]
    meta["demo"] = True
    meta["empty_list"] = []
    meta["status"] = "teapot"  # an unexpected type is still shown, as it is
    groups = metadata_groups(_add(vault, captured["link"], meta), Labels("en"))
    assert groups[-1].title == "Other details"
    other = dict(_rows([groups[-1]]))
    assert other == {"tls.alpn": "h2", "tls.certificates[1].serial": "1f2e3d",
                     "future_field": "nested.a: 1\nnested.b: 1, 2\nflag: yes",
                     "notes_list": "first\nsecond"}
    assert dict(_rows(groups))["HTTP status"] == "teapot OK"
    labels = [label for label, _ in _rows(groups)]
    assert "demo" not in labels and "empty_list" not in labels


def test_long_values_are_cut_and_say_so() -> None:
    vault = FakeVault()
    item = vault.add("file", "x", "x.bin", [("x.bin", "application/octet-stream", b"x")],
                     metadata={"original_name": "a" * 5000, "blob": {"k": "b" * 5000}})
    groups = metadata_groups(item, Labels("en"))
    rows = {row.label: row for g in groups for row in g.rows}
    assert rows["Original file name"].cut and len(rows["Original file name"].lines[0].text) < 2000
    assert rows["blob"].cut


@pytest.fixture(scope="module")
def exported(captured: dict[str, NewItem], tmp_path_factory: pytest.TempPathFactory
             ) -> dict[str, Path]:
    vault = FakeVault()
    for new in captured.values():
        _add(vault, new)
    folder = tmp_path_factory.mktemp("metadata-view")
    out = {}
    for lang in ("ko", "en", "both"):
        out[lang] = folder / f"bundle-{lang}.pdf"
        export_bundle(vault, out[lang], title="시험 사건", prepared_by="검토자", lang=lang)
    return out


@pytest.mark.parametrize("lang", ["ko", "en", "both"])
def test_exported_pages_have_no_raw_keys_or_json(exported: dict[str, Path], lang: str,
                                                 artifacts: Path) -> None:
    text = pdftotext(exported[lang])
    for raw in ("capture.warn.", "capture.image.", "bundle.meta", "links.render",
                "url_display", "cert_fingerprints", "body_sha256", '{"', "[]"):
        assert raw not in text, raw
    flat = " ".join(text.split())  # labels may wrap in their column
    if lang != "en":
        assert "수집 정보" in flat and "요청 URL" in flat and "가져오기 시 경고" in flat
    if lang != "ko":
        assert "Collection details" in flat and "Warnings at import" in flat
    first = next(n for n, page in enumerate(text.split("\f"), start=1)
                 if "Web page and server" in page or "웹페이지 및 서버" in page)
    render(exported[lang], first, artifacts / f"metadata-view-{lang}-link.png")


def test_every_message_key_of_the_view_exists() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in VIEW_SOURCES)
    en, ko = catalogue("en"), catalogue("ko")
    literal = set(re.findall(r"[\"'](bundle\.meta[a-z]*\.[a-z0-9_.]+)[\"']", source))
    labels = {f"bundle.meta.{name}" for name in
              re.findall(r"(?:(?:self|view)\.add|simple)\([^\"]*\"([a-z_]+)(?:=[a-z_]+)?\"",
                          source)}
    missing = sorted(k for k in literal | labels if k not in en or k not in ko)
    assert not missing, missing
    assert len(labels) > 40


def test_window_target_and_translated_state() -> None:
    vault = FakeVault()
    meta = {"target": {"kind": "window", "window_title": "텔레그램"},
            "window": {"id": "0x3a", "title": "텔레그램", "geometry": [40, 60, 1200, 800]}}
    item = vault.add("screenshot", "창", "window: 텔레그램",
                     [("screenshot.png", "image/png", b"png")], metadata=meta)
    rows = dict(_rows(metadata_groups(item, Labels("ko"))))
    assert rows["캡처 범위"] == "창" and rows["창 제목"] == "텔레그램"
    assert rows["창 위치 및 크기"] == "x=40, y=60, 1200 × 800 px"
    meta["target"]["window_title"] = "텔레"  # asked for part of the title: both are shown
    rows = dict(_rows(metadata_groups(item, Labels("en"))))
    assert rows["Area captured"] == "Window “텔레”" and rows["Window title"] == "텔레그램"


def test_markup_in_values_is_printed_as_text(tmp_path: Path) -> None:
    vault = FakeVault()
    item = vault.add("link", "x", "https://example.test/", [],
                     metadata={"url": "https://example.test/?a=<b>&c=</i>",
                               "page_title": "<font size=40>제목 & co</b>",
                               "odd": {"<k>": "&amp;"}})
    text = _layout_text(item, "en", tmp_path / "markup.pdf", None)
    assert "<font size=40>제목 & co</b>" in text and "<k>: &amp;" in text
    assert "a=<b>&c=</i>" in text
