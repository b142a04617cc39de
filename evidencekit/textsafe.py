"""Text made safe to show: credentials taken out of URLs, and control characters (ESC,
CR, LF, bidi overrides …) turned into visible escapes before anything reaches a terminal
or a dialog.

Use :func:`redact_credentials` on any message that may quote a URL (a redirect chain, a
network error), and :func:`terminal_safe` on every file name or message printed to a
terminal — a name holding ``ESC [ 2 J`` must not clear the screen of the person reading
it, and one holding ``\\r`` must not overwrite what came before.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["redact_credentials", "escape_controls", "terminal_safe"]

_INVISIBLE = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)
# scheme://userinfo@ — userinfo is anything up to '@' without '/', whitespace or another '@'
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@?#]*@")


def redact_credentials(text: str) -> str:
    """``https://user:secret@host/`` → ``https://***@host/`` wherever a URL appears."""
    return _USERINFO.sub(r"\1***@", text)


def escape_controls(text: str) -> str:
    """Control, bidi-override and undecodable characters as visible escapes (``\\x1b``,
    ``\\u202e``, ``\\xff`` for a byte kept by surrogateescape); Korean, emoji and every
    other printable character kept as they are."""
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in _INVISIBLE:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def terminal_safe(text: str) -> str:
    """Both of the above: what every line printed to a terminal goes through."""
    return escape_controls(redact_credentials(text))
