"""Korean particles after filled-in values are chosen as the value is read: 자료 #4로,
자료 #3으로, 자료 #10으로, 서명이 / 서명자가; after a path or a Latin name the combined form
stays."""

from __future__ import annotations

import pytest

from evidencekit.i18n import catalogue, tr
from evidencekit.josa import resolve_particles


@pytest.mark.parametrize(("text", "expected"), [
    ("자료 #4(으)로 저장했어요.", "자료 #4로 저장했어요."),     # 사
    ("자료 #3(으)로 저장했어요.", "자료 #3으로 저장했어요."),   # 삼
    ("자료 #1(으)로 저장했어요.", "자료 #1로 저장했어요."),     # 일: ㄹ takes 로
    ("자료 #10(으)로 저장했어요.", "자료 #10으로 저장했어요."),  # 십
    ("자료 #12이(가) 없어요.", "자료 #12가 없어요."),           # 십이
    ("자료 #100은(는) 이미 삭제한 자료예요.", "자료 #100은 이미 삭제한 자료예요."),  # 백
    ("자료 #2000을(를)", "자료 #2000을"),                       # 이천
    ("자료 #0이(가)", "자료 #0이"),                             # 영
    ("보관함이(가) 잠겼어요", "보관함이 잠겼어요"),
    ("사진와(과) 영상", "사진과 영상"),
    ("서버와(과) 연결", "서버와 연결"),
    ("경찰(이)라고", "경찰이라고"),
    ("보고서(이)라고", "보고서라고"),
    ("report.pdf을(를) 읽을 수 없습니다", "report.pdf을(를) 읽을 수 없습니다"),
    ("example.com이(가) 응답하지 않았습니다", "example.com이(가) 응답하지 않았습니다"),
    ("변화 없음", "변화 없음"),
])
def test_particles(text: str, expected: str) -> None:
    assert resolve_particles(text) == expected


def test_messages_resolve_after_numbers_and_keep_english_untouched() -> None:
    assert tr("gui.capture.saved", "ko", number=7) == "자료 #7로 저장했어요."
    assert tr("gui.capture.saved", "ko", number=3) == "자료 #3으로 저장했어요."
    assert "(" not in tr("gui.error.no_such_item", "ko", number=12)
    en = tr("gui.capture.saved", "en", number=3)
    assert en == catalogue("en")["gui.capture.saved"].format(number=3)


def test_every_korean_pair_after_a_number_is_resolved() -> None:
    """Each message whose combined particle follows a number placeholder reads cleanly."""
    pairs = ("이(가)", "은(는)", "을(를)", "와(과)", "(으)로")
    for key, text in catalogue("ko").items():
        for pair in pairs:
            if "}" + pair in text and ("{number" in text or "{revision" in text):
                params = {name: 3 for name in ("number", "revision", "count", "messages",
                                               "gaps", "seconds", "status", "limit")}
                out = tr(key, "ko", **params, **{
                    k: "x" for k in ("path", "file", "host", "url", "error", "reason",
                                     "detail", "field", "signer", "name", "tsa", "value",
                                     "region", "size", "text", "fingerprint", "short",
                                     "font", "time", "minimum", "zone", "how", "signers")})
                assert f"3{pair}" not in out, (key, out)
