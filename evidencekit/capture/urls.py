"""Checking and normalising the links a person gives us, and reading Telegram links.

Only ``http`` and ``https`` links are accepted. Everything else (``file:``,
``javascript:``, ``data:``, ``mailto:`` ...), links without a host, with spaces or
control characters, with a user name or password, or that are otherwise malformed is
refused with an :class:`~evidencekit.errors.InputError` whose key starts with
``links.``. International domain names (for example Korean ``.한국`` domains) are
accepted and converted to their ASCII form with the ``idna`` package (IDNA 2008 with
UTS #46 mapping, the same codec httpx uses), so the normalised URL is what goes on the
wire; the Unicode form is kept for display.

Leading and trailing white space (common when copying from a chat) is removed. A link
typed without a scheme (``t.me/somechannel/45``, ``www.example.com``) is taken as
``https://`` when its host contains a dot; this is said in :attr:`CheckedUrl.assumed_scheme`.

Nothing here touches the network.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

import idna

from evidencekit.errors import InputError

__all__ = [
    "MAX_URL_LENGTH",
    "CheckedUrl",
    "TelegramRef",
    "normalise_url",
    "parse_telegram",
]

log = logging.getLogger(__name__)

#: Longest link accepted (browsers and servers commonly stop around 8 KB).
MAX_URL_LENGTH = 8192

_ALLOWED_SCHEMES = ("http", "https")
_FILE_SCHEMES = ("file", "smb", "ftp", "ftps", "sftp")
_SCRIPT_SCHEMES = ("javascript", "vbscript", "data", "blob", "about", "view-source")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_HOST_PORT_RE = re.compile(r"^[^/:?#@\s]+:\d{1,5}(?:[/?#]|$)")
_ASCII_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?$")
# Characters kept as they are in the path, query and fragment; everything else (non-ASCII,
# quotes, angle brackets ...) is percent-encoded as UTF-8. Existing %XX escapes are kept.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"

_TELEGRAM_HOSTS = ("t.me", "telegram.me", "telegram.dog", "www.t.me", "www.telegram.me")
_TG_NAME_RE = re.compile(r"^[A-Za-z0-9_]{3,64}$")
_TG_RESERVED = {"joinchat", "addstickers", "addemoji", "share", "proxy", "socks", "login",
                "setlanguage", "addtheme", "invoice", "boost", "iv", "contact", "addlist"}


@dataclass(frozen=True)
class TelegramRef:
    """What a ``t.me`` link points at.

    ``kind`` is ``public`` (a channel or group with a user name), ``private`` (a
    ``t.me/c/<id>/...`` link that only members can open), ``invite`` (an invitation
    link) or ``other``. ``channel`` is the user name, or the numeric id as text for
    private links; ``message`` the message number when the link points at one post.
    """

    kind: str
    channel: str | None = None
    message: int | None = None
    thread: int | None = None
    comment: int | None = None
    channel_id: int | None = None
    preview: bool = False  # t.me/s/... (the public web preview)

    def to_metadata(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "channel": self.channel, "message": self.message}
        if self.channel_id is not None:
            d["channel_id"] = self.channel_id
        if self.thread is not None:
            d["thread"] = self.thread
        if self.comment is not None:
            d["comment"] = self.comment
        if self.preview:
            d["preview"] = True
        return d


@dataclass(frozen=True)
class CheckedUrl:
    """A link that passed the checks, in normalised ASCII form (``url``) and for display."""

    url: str
    display: str
    scheme: str
    host: str  # ASCII (punycode) host, lower case, IPv6 without brackets
    host_unicode: str
    port: int | None
    assumed_scheme: bool = False
    telegram: TelegramRef | None = None

    @property
    def is_idn(self) -> bool:
        return self.host != self.host_unicode


def _reject_scheme(scheme: str) -> None:
    if scheme in _FILE_SCHEMES:
        raise InputError("links.file_scheme", scheme=scheme)
    if scheme in _SCRIPT_SCHEMES:
        raise InputError("links.script_scheme", scheme=scheme)
    raise InputError("links.bad_scheme", scheme=scheme)


def _check_text(text: str) -> str:
    if not isinstance(text, str):
        raise InputError("links.empty")
    text = text.strip()
    if not text:
        raise InputError("links.empty")
    if len(text) > MAX_URL_LENGTH:
        raise InputError("links.too_long", length=len(text), limit=MAX_URL_LENGTH)
    for ch in text:
        cat = unicodedata.category(ch)
        # Cc: control characters, Zs/Zl/Zp: spaces of every kind, Cf: invisible format
        # characters such as zero-width spaces and bidi overrides (used to disguise links).
        if ch.isspace() or cat in ("Cc", "Zs", "Zl", "Zp", "Cf"):
            raise InputError("links.whitespace")
    return text


def _ascii_host(host: str, shown: str) -> str:
    """The ASCII form of a host name, or InputError."""
    if host.endswith("."):
        host = host[:-1]
    if not host or len(host) > 253:
        raise InputError("links.bad_host", host=shown)
    if host.isascii():
        host = host.lower()
        labels = host.split(".")
        for label in labels:
            if not _ASCII_LABEL_RE.match(label):
                raise InputError("links.bad_host", host=shown)
            if label.startswith("xn--"):
                try:
                    idna.decode(label)
                except idna.IDNAError as exc:
                    raise InputError("links.bad_host", host=shown) from exc
        if labels[-1].isdigit():
            # All-numeric last label that is not a valid IPv4 address (e.g. 999.1.1.1).
            raise InputError("links.bad_host", host=shown)
        return host
    try:
        encoded = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        raise InputError("links.bad_host", host=shown) from exc
    if len(encoded) > 253:
        raise InputError("links.bad_host", host=shown)
    return encoded


def _unicode_host(host: str) -> str:
    try:
        return idna.decode(host)
    except (idna.IDNAError, UnicodeError, ValueError):
        return host


def normalise_url(text: str) -> CheckedUrl:
    """Check ``text`` and return it normalised, or raise :class:`InputError`.

    The normalised URL has a lower-case scheme and host, an ASCII (punycode) host, no
    default port, ``/`` as path when empty, and non-ASCII characters of the path, query
    and fragment percent-encoded as UTF-8. The fragment is kept (it is not sent to the
    server, but it is part of what the person saw).
    """
    text = _check_text(text)
    assumed = False
    m = _SCHEME_RE.match(text)
    if m and not _HOST_PORT_RE.match(text):
        scheme = m.group(1).lower()
        if scheme not in _ALLOWED_SCHEMES:
            _reject_scheme(scheme)
        if not text[m.end():].startswith("//"):
            raise InputError("links.no_host")
    else:
        # No scheme: accept "t.me/chan/1" or "www.example.com" as https when the host
        # part has a dot (or is an IP address with a port); anything else is malformed.
        candidate = re.split(r"[/?#]", text, maxsplit=1)[0]
        hostpart = candidate.rsplit("@", 1)[-1].split(":", 1)[0]
        if "." not in hostpart and not hostpart.startswith("["):
            raise InputError("links.malformed", url=text)
        text = "https://" + text
        assumed = True
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        if "port" in str(exc).lower():
            raise InputError("links.bad_port") from exc
        raise InputError("links.malformed", url=text) from exc
    scheme = parts.scheme.lower()
    netloc = parts.netloc
    if not netloc:
        raise InputError("links.no_host")
    if "@" in netloc:
        raise InputError("links.credentials")
    raw_host = parts.hostname  # lower-cased, brackets removed
    if not raw_host:
        raise InputError("links.no_host")
    if port == 0:
        raise InputError("links.bad_port")
    if "\\" in netloc or "%" in netloc:
        raise InputError("links.bad_host", host=raw_host)

    is_ipv6 = netloc.split("@")[-1].startswith("[")
    if is_ipv6:
        try:
            addr6 = ipaddress.IPv6Address(raw_host.split("%", 1)[0])
        except ValueError as exc:
            raise InputError("links.bad_host", host=raw_host) from exc
        host = str(addr6)
        host_in_url = f"[{host}]"
        host_unicode = host
    else:
        try:
            host = str(ipaddress.IPv4Address(raw_host))
        except ValueError:
            host = _ascii_host(raw_host, raw_host)
        host_in_url = host
        host_unicode = _unicode_host(host)

    default_port = 443 if scheme == "https" else 80
    netloc_out = host_in_url if port in (None, default_port) else f"{host_in_url}:{port}"
    path = quote(parts.path, safe=_PATH_SAFE) or "/"
    query = quote(parts.query, safe=_QUERY_SAFE)
    fragment = quote(parts.fragment, safe=_QUERY_SAFE + "#")
    url = urlunsplit((scheme, netloc_out, path, query, fragment))
    if len(url) > MAX_URL_LENGTH:
        raise InputError("links.too_long", length=len(url), limit=MAX_URL_LENGTH)
    display_netloc = (
        host_unicode if port in (None, default_port) else f"{host_unicode}:{port}"
    ) if not is_ipv6 else netloc_out
    display = urlunsplit((scheme, display_netloc, parts.path or "/", parts.query,
                          parts.fragment))
    checked = CheckedUrl(
        url=url,
        display=display,
        scheme=scheme,
        host=host,
        host_unicode=host_unicode,
        port=port if port not in (None, default_port) else None,
        assumed_scheme=assumed,
    )
    tg = parse_telegram(checked)
    if tg is not None:
        checked = replace(checked, telegram=tg)
    return checked


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 19 else None


def _thread_and_message(segs: list[str]) -> tuple[int | None, int | None]:
    """``(thread, message)`` from the path segments after the channel (``[msg]`` or
    ``[thread, msg]``)."""
    nums = [_int_or_none(s) for s in segs]
    if len(nums) == 2:
        return nums[0], nums[1]
    return None, (nums[0] if nums else None)


def parse_telegram(url: CheckedUrl | str) -> TelegramRef | None:
    """Read a ``t.me`` / ``telegram.me`` link; ``None`` when it is not a Telegram link.

    Understood forms: ``t.me/<name>``, ``t.me/<name>/<msg>``, ``t.me/<name>/<thread>/<msg>``,
    ``t.me/s/<name>[/<msg>]`` (web preview), ``t.me/c/<id>/<msg>`` and
    ``t.me/c/<id>/<thread>/<msg>`` (private), ``t.me/+<hash>`` and ``t.me/joinchat/<hash>``
    (invitations, the hash itself is not copied into the metadata). ``?comment=N`` is read.
    """
    checked = url if isinstance(url, CheckedUrl) else normalise_url(url)
    if checked.host not in _TELEGRAM_HOSTS:
        return None
    parts = urlsplit(checked.url)
    segs = [s for s in parts.path.split("/") if s]
    query = parse_qs(parts.query)
    comment = _int_or_none(query.get("comment", [""])[0])
    thread_q = _int_or_none(query.get("thread", [""])[0])
    if not segs:
        return TelegramRef(kind="other")
    preview = False
    if segs[0] == "s" and len(segs) >= 2:
        preview = True
        segs = segs[1:]
    first = segs[0]
    if first.startswith("+") or first.startswith("%2B") or first == "joinchat":
        return TelegramRef(kind="invite")
    if first == "c" and len(segs) >= 2:
        chan_id = _int_or_none(segs[1])
        if chan_id is None:
            return TelegramRef(kind="other")
        thread, message = _thread_and_message(segs[2:4])
        return TelegramRef(kind="private", channel=str(chan_id), channel_id=chan_id,
                           message=message, thread=thread or thread_q, comment=comment,
                           preview=preview)
    if first.lower() in _TG_RESERVED or not _TG_NAME_RE.match(first):
        return TelegramRef(kind="other")
    thread, message = _thread_and_message(segs[1:3])
    return TelegramRef(kind="public", channel=first, message=message,
                       thread=thread or thread_q, comment=comment, preview=preview)
