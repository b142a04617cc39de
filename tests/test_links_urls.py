"""Link checking and normalisation, Telegram parsing, the links message catalogue, and that
importing the link capture code does not load Qt."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evidencekit.capture.urls import MAX_URL_LENGTH, normalise_url, parse_telegram
from evidencekit.errors import InputError

ROOT = Path(__file__).resolve().parent.parent

ACCEPTED = [
    # (input, normalised URL)
    ("https://example.com", "https://example.com/"),
    ("  HTTPS://Example.COM:443/Path?q=1#frag  ", "https://example.com/Path?q=1#frag"),
    ("http://example.com:80/", "http://example.com/"),
    ("http://127.0.0.1:8080/a/b", "http://127.0.0.1:8080/a/b"),
    ("https://[::1]:8443/x", "https://[::1]:8443/x"),
    ("https://한국인터넷정보센터.한국/",
     "https://xn--3e0bx5euxnjje69i70af08bea817g.xn--3e0b707e/"),
    ("https://도메인.한국/경로?검색=딥페이크",
     "https://xn--hq1bm8jm9l.xn--3e0b707e/%EA%B2%BD%EB%A1%9C"
     "?%EA%B2%80%EC%83%89=%EB%94%A5%ED%8E%98%EC%9D%B4%ED%81%AC"),
    ("https://ÉXAMPLE.com/", "https://xn--xample-9ua.com/"),
    ("https://example.com/%ED%95%9C", "https://example.com/%ED%95%9C"),
    ("https://sub_domain.example.com/", "https://sub_domain.example.com/"),
    ("t.me/somechannel/45", "https://t.me/somechannel/45"),
    ("www.example.com", "https://www.example.com/"),
    ("example.com:8080/x", "https://example.com:8080/x"),
]

REFUSED = [
    # (input, message key)
    ("", "links.empty"),
    ("   ", "links.empty"),
    ("file:///etc/passwd", "links.file_scheme"),
    ("FILE://C:/Users/me/secret.jpg", "links.file_scheme"),
    ("javascript:alert(1)", "links.script_scheme"),
    ("JavaScript:void(0)", "links.script_scheme"),
    ("data:text/html;base64,PHNjcmlwdD4=", "links.script_scheme"),
    ("blob:https://example.com/uuid", "links.script_scheme"),
    ("ftp://example.com/file", "links.file_scheme"),
    ("mailto:someone@example.com", "links.bad_scheme"),
    ("chrome://settings", "links.bad_scheme"),
    ("https://", "links.no_host"),
    ("http:///path", "links.no_host"),
    ("https:example.com", "links.no_host"),
    ("https://exa mple.com/", "links.whitespace"),
    ("https://example.com/a b", "links.whitespace"),
    ("https://example.com/\x00", "links.whitespace"),
    ("https://example.com/\u200b", "links.whitespace"),
    ("https://example.com/\u202e", "links.whitespace"),
    ("https://user:pass@example.com/", "links.credentials"),
    ("https://google.com@evil.example/", "links.credentials"),
    ("https://example.com:99999/", "links.bad_port"),
    ("https://example.com:0/", "links.bad_port"),
    ("https://xn--zz.com/", "links.bad_host"),
    ("https://exa$mple.com/", "links.bad_host"),
    ("https://999.1.1.1/", "links.bad_host"),
    ("https://-bad-.com/", "links.bad_host"),
    ("https://[::zz]/", "links.malformed"),
    ("hello", "links.malformed"),
    ("localhost:8000/x", "links.malformed"),
    ("https://example.com/" + "a" * MAX_URL_LENGTH, "links.too_long"),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted_urls_are_normalised(text: str, expected: str) -> None:
    assert normalise_url(text).url == expected


@pytest.mark.parametrize(("text", "key"), REFUSED)
def test_refused_urls_name_the_reason(text: str, key: str) -> None:
    with pytest.raises(InputError) as info:
        normalise_url(text)
    assert info.value.key == key
    # The message is a real sentence in both languages, not the bare key.
    assert info.value.message("en") != key
    assert info.value.message("ko") != key


def test_idn_keeps_the_korean_form_for_display() -> None:
    checked = normalise_url("https://한국인터넷정보센터.한국/경로")
    assert checked.is_idn
    assert checked.host.startswith("xn--")
    assert checked.host_unicode == "한국인터넷정보센터.한국"
    assert checked.display == "https://한국인터넷정보센터.한국/경로"


def test_scheme_less_input_is_marked() -> None:
    assert normalise_url("t.me/chan").assumed_scheme
    assert not normalise_url("https://t.me/chan").assumed_scheme


TELEGRAM = [
    ("https://t.me/somechannel", ("public", "somechannel", None)),
    ("https://t.me/somechannel/45", ("public", "somechannel", 45)),
    ("t.me/s/somechannel/45", ("public", "somechannel", 45)),
    ("https://telegram.me/Some_Group/9", ("public", "Some_Group", 9)),
    ("https://t.me/c/1234567890/45", ("private", "1234567890", 45)),
    ("https://t.me/c/1234567890/7/45", ("private", "1234567890", 45)),
    ("https://t.me/chan/7/99?comment=3", ("public", "chan", 99)),
    ("https://t.me/+AbCdEf123", ("invite", None, None)),
    ("https://t.me/joinchat/AbCdEf123", ("invite", None, None)),
    ("https://t.me/addstickers/pack", ("other", None, None)),
]


@pytest.mark.parametrize(("url", "expected"), TELEGRAM)
def test_telegram_links_are_parsed(url: str, expected: tuple[str, str | None, int | None]
                                   ) -> None:
    ref = normalise_url(url).telegram
    assert ref is not None
    assert (ref.kind, ref.channel, ref.message) == expected


def test_telegram_details() -> None:
    ref = parse_telegram("https://t.me/c/1234567890/7/45")
    assert ref is not None and ref.channel_id == 1234567890 and ref.thread == 7
    ref = parse_telegram("https://t.me/s/somechannel/45")
    assert ref is not None and ref.preview
    assert ref.to_metadata() == {"kind": "public", "channel": "somechannel", "message": 45,
                                 "preview": True}
    ref = parse_telegram("https://t.me/chan/7/99?comment=3")
    assert ref is not None and ref.comment == 3 and ref.thread == 7
    # The invitation hash is not copied into the metadata.
    ref = parse_telegram("https://t.me/+SecretHash")
    assert ref is not None and "SecretHash" not in json.dumps(ref.to_metadata())


def test_non_telegram_links_have_no_telegram_info() -> None:
    assert normalise_url("https://example.com/t.me/chan/1").telegram is None
    assert parse_telegram("https://nott.me/chan/1") is None


def _catalogue(lang: str, area: str = "links") -> dict[str, str]:
    path = ROOT / "resources" / "i18n" / lang / f"{area}.json"
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("area", ["links", "webcapture"])
def test_catalogues_match_and_cover_every_key_used(area: str) -> None:
    en, ko = _catalogue("en", area), _catalogue("ko", area)
    assert set(en) == set(ko)
    assert all(k.startswith(f"{area}.") for k in en)
    for key in en:
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", ko[key])), key
        assert re.search(r"[가-힣]", ko[key]) or key.startswith("links.banner.url"), key
    used: set[str] = set()
    for path in sorted((ROOT / "evidencekit" / "capture").glob("*.py")) + [
            ROOT / "evidencekit" / "commands" / "capture.py"]:
        src = path.read_text(encoding="utf-8")
        used |= set(re.findall(rf'"({area}\.[a-z_.]+)"', src))
    missing = sorted(k for k in used if k not in en and not k.endswith((".", "_")))
    assert not missing, missing


def test_importing_link_capture_does_not_load_qt() -> None:
    code = (
        "import sys, evidencekit.capture.links, evidencekit.capture.render, "
        "evidencekit.capture.fetch, evidencekit.capture.warc, evidencekit.capture.urls; "
        "loaded = [m for m in sys.modules if m.startswith('PySide6')]; "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
