"""Korean follows ``/work/shared/KOREAN.md``: one term per idea and one tone per message.

Scans EVERY Korean catalogue file (every helper's), so a new file that says 타임스탬프 or
mixes 해요체 with 합니다체 fails here. Tone is decided by the key: keys the desktop program
shows (``gui.*`` and ``<area>.gui.*``) are 해요체; every other key (CLI, PDF bundle,
verification, errors) is 합니다체. The GUI shows an error in its own words through a
``gui.<error key>`` twin when one exists (see ``evidencekit.gui.messages``).
"""

from __future__ import annotations

import json
import re

from evidencekit.i18n import catalogue
from tests.conftest import ROOT

KO = ROOT / "resources" / "i18n" / "ko"

#: Terms KOREAN.md lists under "not", with the word to use instead.
FORBIDDEN = {
    "관리 연속성": "연계보관성 기록 / 보관 기록",
    "보관 연속성": "연계보관성 기록 / 보관 기록",
    "기록 내역": "보관 기록",
    "타임스탬프": "시점확인",
    "시각 인증": "시점확인",
    "신뢰 시점": "시점확인",
    "시점 확인": "시점확인",
    "제출자": "보관함 소유자 / 내 보관함",
    "보관한 사람": "보관함 소유자 / 내 보관함",
    "소유주": "보관함 소유자",
    "번들": "증거 묶음",
    "꾸러미": "증거 묶음",
    "금고": "보관함",
    "저장소": "보관함",
    "비밀번호": "암호",
    "패스워드": "암호",
    "스크린샷": "화면 캡처",
    "해쉬": "해시값",
    "체크섬": "해시값",
    "사건 기록": "피해 경위 기록",
    "지문(해시)": "지문(해시값)",
}

#: An evidence item is 자료 (PDF: 증거 자료); 항목 only in tables (항목 수).
ITEM_AS_항목 = re.compile(r"항목\s*(\{number\}|\{item\}|#|\d)")

#: Words the GUI never uses for the reader or the holder.
GUI_FORBIDDEN = ("당신", "소유자")

# Sentence endings. 해요체: …요 at the end of a clause (필요/중요 are nouns, not endings).
HAEYO = re.compile(r"(?<![필중니])요(?=[.!?…)\"”’'\s:]|$)")
HAPNIDA = re.compile(r"(니다|니까|십시오|하시오)(?=[.!?…)\"”’'\s:]|$)")
# A plain declarative ending (…한다. …없다.) is neither tone and never right in a message.
PLAIN = re.compile(r"[가-힣](?:는다|한다|된다|있다|없다|였다|했다)(?=[.!?]|$)")


VERIFY_SCREEN = ("gui.bundle.", "gui.verify.", "verify_trust.gui.", "verify_weak.gui.")


def _gui_key(key: str) -> bool:
    """Keys in the GUI's own voice. ``gui.bundle.*`` are the GUI's wording of verification
    results, which KOREAN.md keeps formal (합니다체) like the PDF; the verify screen shows
    those results, and one screen has one tone, so its own words (``gui.verify.*``,
    ``verify_trust.gui.*``, ``verify_weak.gui.*``) are formal too."""
    if key.startswith(VERIFY_SCREEN):
        return False
    return key.startswith("gui.") or ".gui." in key


def _files() -> dict[str, dict[str, str]]:
    out = {}
    for path in sorted(KO.glob("*.json")):
        out[path.name] = json.loads(path.read_text(encoding="utf-8"))
    return out


def test_catalogue_files_are_scanned() -> None:
    files = _files()
    # Every file of the folder, not a fixed list: new helpers' files are included.
    assert len(files) == len(list(KO.glob("*.json"))) >= 6
    assert sum(len(v) for v in files.values()) == len(catalogue("ko"))


def test_no_forbidden_term() -> None:
    bad = []
    for name, messages in _files().items():
        for key, text in messages.items():
            for term, use in FORBIDDEN.items():
                if term in text:
                    bad.append(f"{name}:{key}: {term!r} (use {use})")
            if ITEM_AS_항목.search(text):
                bad.append(f"{name}:{key}: 항목 for an item (use 자료 #N / 자료 N번)")
            if _gui_key(key):
                bad.extend(f"{name}:{key}: {w!r} in the GUI" for w in GUI_FORBIDDEN
                           if w in text)
    assert not bad, "\n".join(bad)


def test_one_tone_per_message() -> None:
    bad = []
    for name, messages in _files().items():
        for key, text in messages.items():
            haeyo, hapnida = HAEYO.search(text), HAPNIDA.search(text)
            if haeyo and hapnida:
                bad.append(f"{name}:{key}: mixes 해요체 and 합니다체: {text}")
            elif _gui_key(key) and hapnida:
                bad.append(f"{name}:{key}: 합니다체 in the GUI: {text}")
            elif not _gui_key(key) and haeyo:
                bad.append(f"{name}:{key}: 해요체 outside the GUI: {text}")
            if PLAIN.search(text):
                bad.append(f"{name}:{key}: plain -다 ending: {text}")
    assert not bad, "\n".join(bad)


def test_gui_never_mentions_command_line() -> None:
    bad = []
    for name, messages in _files().items():
        for key, text in messages.items():
            if _gui_key(key) and (re.search(r"(^|\s|\()--[a-z]", text)
                                  or re.search(r"\bevidencekit [a-z-]", text)):
                bad.append(f"{name}:{key}: {text}")
    assert not bad, "\n".join(bad)


def test_no_raw_english_sentence_in_korean() -> None:
    """A Korean message may name a file, a format or a standard (manifest.json, SHA-256,
    TLS), never carry an English sentence from a library."""
    words = re.compile(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{2,}){3,}")
    # quotes of what a tool prints (pdfsig), which the reader must find on the screen
    allowed = ("Signature is Valid", "Signer full Distinguished Name")
    bad = []
    for name, messages in _files().items():
        for key, text in messages.items():
            hit = words.search(text)
            if hit and not any(a in text for a in allowed):
                bad.append(f"{name}:{key}: {hit.group(0)!r}")
    assert not bad, "\n".join(bad)


def test_page_numbers_and_event_numbers() -> None:
    ko = catalogue("ko")
    assert ko["bundle.footer.page"] == "{page}/{total}쪽"
    bad = [k for k, v in ko.items() if re.search(r"(?<![자료\s])#\{(seq|event)\}", v)]
    assert not bad, bad


def test_style_checker_catches_what_it_should() -> None:
    """The checker itself: the example sentences of the issue are caught."""
    mixed = "암호가 틀렸습니다. 보관함은 잠긴 상태로 유지됩니다. 괜찮아요, 다시 해 보세요."
    assert HAEYO.search(mixed) and HAPNIDA.search(mixed)
    assert not HAEYO.search("보관함 불필요(필요 시 사용)")
    assert HAPNIDA.search("암호가 맞지 않습니다.")
    assert not HAPNIDA.search("암호가 맞지 않아요.")
    assert HAEYO.search("암호가 맞지 않아요.")
    assert PLAIN.search("이 파일은 변경된다.")
    assert ITEM_AS_항목.search("항목 {number}번을 삭제했습니다.")
    assert not ITEM_AS_항목.search("항목 수")
