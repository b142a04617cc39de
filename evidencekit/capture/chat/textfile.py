"""Reading the text files of KakaoTalk and LINE exports line by line, whatever their
encoding: UTF-8 with or without a byte-order mark, or CP949 (older Windows PC exports),
and files mixing both (each line decoded on its own, the mix reported)."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TextLines", "guess_encoding", "decode_head"]

_BOM = codecs.BOM_UTF8


def guess_encoding(head: bytes) -> str:
    """``utf-8-sig``, ``utf-8`` or ``cp949`` from the first bytes of a file."""
    if head.startswith(_BOM):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # cut inside the last character
            return "utf-8"
    try:
        head.decode("cp949")
        return "cp949"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 1:
            return "cp949"
    return "utf-8"


def decode_head(head: bytes) -> str:
    """The first bytes of a text file as text (for detection; bad bytes replaced)."""
    encoding = guess_encoding(head)
    return head.decode(encoding, errors="replace").removeprefix("\ufeff")


def _decode_line(raw: bytes, first: str, other: str) -> tuple[str, bool]:
    try:
        return raw.decode(first), False
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode(other), True
    except UnicodeDecodeError:
        return raw.decode(first, errors="replace"), True


@dataclass
class TextLines:
    """Iterate ``(line number, text)`` over a file; after iterating, ``encoding`` and
    ``odd_lines`` (lines that needed the other encoding or replacement) are known."""

    path: Path
    encoding: str = ""
    odd_lines: int = 0

    def __iter__(self) -> Iterator[tuple[int, str]]:
        with self.path.open("rb") as fh:
            head = fh.read(1 << 20)
            self.encoding = guess_encoding(head)
            fh.seek(0)
            first = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
            other = "cp949" if first == "utf-8" else "utf-8"
            for number, raw in enumerate(fh, start=1):
                if number == 1 and raw.startswith(_BOM):
                    raw = raw[len(_BOM):]
                text, odd = _decode_line(raw.rstrip(b"\r\n"), first, other)
                if odd:
                    self.odd_lines += 1
                yield number, text
