"""Korean particles after a value filled into a message: ``자료 #4(으)로`` → ``자료 #4로``.

A Korean message template cannot know whether the value before a particle ends in a final
consonant (받침), so templates write both forms, ``이(가)``, ``은(는)``, ``을(를)``,
``와(과)``, ``(으)로``, ``(이)``. After formatting, every such pair that follows a Hangul
syllable or a number is resolved the way a reader says it (``#12`` is read 십이, ``#10``
십, ``#3`` 삼). After anything else (a path, a Latin name, a URL), the combined form stays:
how a reader pronounces ``report.pdf`` is not ours to guess, and the combined form is the
usual written convention there.
"""

from __future__ import annotations

import re

__all__ = ["resolve_particles"]

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
#: Final consonant of a digit as it is read: 영 일 이 삼 사 오 육 칠 팔 구 (ㄹ for 1, 7, 8).
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "",
                "6": "ㄱ", "7": "ㄹ", "8": "ㄹ", "9": ""}
#: Numbers ending in zeros are read by their unit: 십 백 천 만 (…십만, 백만 and so on
#: end in 만's ㄴ, 억 in ㄱ).
_ZEROS_FINAL = {1: "ㅂ", 2: "ㄱ", 3: "ㄴ", 4: "ㄴ", 5: "ㄴ", 6: "ㄴ", 7: "ㄴ", 8: "ㄱ"}
_FINALS = ["", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ",
           "ㄿ", "ㅀ", "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ"]

_PAIR = re.compile(r"(\d+|[\uac00-\ud7a3])(이\(가\)|은\(는\)|을\(를\)|와\(과\)|\(으\)로|\(이\))")
#: With and without a final consonant; (으)로 also takes 로 after ㄹ.
_FORMS = {"이(가)": ("이", "가"), "은(는)": ("은", "는"), "을(를)": ("을", "를"),
          "와(과)": ("과", "와"), "(으)로": ("으로", "로"), "(이)": ("이", "")}


def _final(token: str) -> str | None:
    """The final consonant ('' for none) of a Hangul syllable or a number as read."""
    if token.isdigit():
        stripped = token.rstrip("0")
        zeros = len(token) - len(stripped)
        if not stripped:
            return "ㅇ"  # 영
        if zeros:
            return _ZEROS_FINAL.get(zeros)
        return _DIGIT_FINAL[stripped[-1]]
    code = ord(token)
    if _HANGUL_FIRST <= code <= _HANGUL_LAST:
        return _FINALS[(code - _HANGUL_FIRST) % 28]
    return None


def resolve_particles(text: str) -> str:
    """Every combined particle after a Hangul syllable or a number, resolved."""
    if "(" not in text:
        return text

    def choose(m: re.Match[str]) -> str:
        final = _final(m.group(1))
        if final is None:
            return m.group(0)
        with_final, without = _FORMS[m.group(2)]
        if m.group(2) == "(으)로" and final == "ㄹ":
            return m.group(1) + "로"
        return m.group(1) + (with_final if final else without)

    return _PAIR.sub(choose, text)
