"""The manifest-driven checks of bundle verification: attachments, side folder, the
certificate in the manifest, the page count, the fingerprint the cover prints; and
writing the attachments out.

Each check adds named :class:`~evidencekit.bundle.verify_report.Check` entries to the
report; none of them raises for bad content (a malformed manifest entry is a failed check).
The custody chain and the timestamp tokens are checked in
:mod:`evidencekit.bundle.verify_custody`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.reader import PdfFileReader

from evidencekit.bundle.attachments import EmbeddedFile
from evidencekit.bundle.manifest import (
    CERT_NAME,
    LOCATION_EMBEDDED,
    LOCATION_OMITTED,
    LOCATION_SIDE,
    MANIFEST_NAME,
    NameAllocator,
    certificate_fingerprint,
    display_fingerprint,
    safe_file_name,
)
from evidencekit.bundle.verify_report import Check, ItemResult, VerifyReport, short_list

__all__ = ["PARSE_ERRORS", "check_files", "check_certificate", "check_pages", "check_cover",
           "extract_files"]

log = logging.getLogger(__name__)


#: What parsing a hostile PDF can raise (pyHanko, asn1crypto and the standard library).
PARSE_ERRORS: tuple[type[BaseException], ...] = (
    misc.PdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    AssertionError,
    OSError,
    EOFError,
    RecursionError,
    OverflowError,
    UnicodeError,
    NotImplementedError,
    zlib.error,  # a damaged compressed stream
)
_HEX = frozenset("0123456789abcdef")


def _c(name: str, ok: bool | None, key: str, **params: Any) -> Check:
    return Check(name, ok, key, params)


def _is_sha256(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def _side_path(bundle: Path, rel: Any) -> Path | None:
    """The side file for a manifest path, refusing anything outside the side folder."""
    if not isinstance(rel, str) or not rel:
        return None
    pure = PurePosixPath(rel)
    if pure.is_absolute() or len(pure.parts) != 2 or ".." in pure.parts:
        return None
    if not pure.parts[0].endswith("-files"):
        return None
    return bundle.parent.joinpath(*pure.parts)


def _hash_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _file_check(bundle: Path, entry: dict[str, Any], files: dict[str, EmbeddedFile]) -> Check:
    name = str(entry.get("file"))
    loc = entry.get("location")
    sha, size = entry.get("sha256"), entry.get("size")
    if not _is_sha256(sha) or not isinstance(size, int):
        return _c("file", False, "bundle.verify.entry_bad", file=name)
    if loc == LOCATION_EMBEDDED:
        f = files.get(name)
        if f is None:
            return _c("file", False, "bundle.verify.file_missing", file=name)
        if f.data is None:
            return _c("file", False, "bundle.verify.file_unreadable", file=name)
        if len(f.data) != size or hashlib.sha256(f.data).hexdigest() != sha:
            return _c("file", False, "bundle.verify.file_mismatch", file=name)
        return _c("file", True, "bundle.verify.file_ok", file=name)
    if loc == LOCATION_SIDE:
        path = _side_path(bundle, entry.get("path"))
        if path is None:
            return _c("side", False, "bundle.verify.entry_bad", file=name)
        if not path.is_file():
            return _c("side", False, "verify_trust.side_absent", file=str(entry.get("path")),
                      item=entry.get("item"))
        try:
            actual, actual_size = _hash_file(path)
        except OSError:
            return _c("side", False, "bundle.verify.file_unreadable", file=name)
        if actual != sha or actual_size != size:
            return _c("side", False, "bundle.verify.side_mismatch", file=str(entry["path"]))
        return _c("side", True, "bundle.verify.side_ok", file=str(entry["path"]))
    if loc == LOCATION_OMITTED:
        return _c("file", None, "bundle.verify.file_omitted", file=name)
    return _c("file", False, "bundle.verify.entry_bad", file=name)


def check_files(bundle: Path, manifest: dict[str, Any], files: dict[str, EmbeddedFile],
                report: VerifyReport) -> None:
    """Attachments and side files against the manifest; per-item results."""
    entries = [e for e in manifest["files"] if isinstance(e, dict)]
    if len(entries) != len(manifest["files"]):
        report.add("attachments.hashes", False, "bundle.verify.manifest_unreadable")
        return
    results: dict[tuple[Any, Any], Check] = {}
    listed: set[str] = set()
    failed: list[str] = []
    missing: list[str] = []
    side: list[Check] = []
    embedded_ok = 0
    for entry in entries:
        check = _file_check(bundle, entry, files)
        listed.add(str(entry.get("file")))
        if entry.get("role") == "part":
            results[(entry.get("item"), entry.get("part"))] = check
        if check.name == "side":
            side.append(check)
        elif check.key == "bundle.verify.file_missing":
            missing.append(str(entry.get("file")))
        elif check.ok is False:
            failed.append(str(entry.get("file")))
        elif check.ok is True:
            embedded_ok += 1
    if failed:
        report.add("attachments.hashes", False, "bundle.verify.hashes_bad",
                   files=short_list(failed))
    else:
        report.add("attachments.hashes", True, "bundle.verify.hashes_ok", count=embedded_ok)
    if missing:
        report.add("attachments.complete", False, "bundle.verify.files_missing",
                   files=short_list(missing))
    else:
        report.add("attachments.complete", True, "bundle.verify.files_complete")
    unlisted = sorted(n for n in files if n not in listed and n != MANIFEST_NAME)
    if unlisted:
        report.add("attachments.unlisted", False, "bundle.verify.files_unlisted",
                   files=short_list(unlisted))
    if side:
        absent = [c.params["file"] for c in side if c.key == "verify_trust.side_absent"]
        bad = [c.params["file"] for c in side if c.ok is False and c.params["file"] not in absent]
        folders = sorted({str(PurePosixPath(f).parts[0]) for f in absent
                          if len(PurePosixPath(f).parts) == 2})
        if absent and folders and not any((bundle.parent / d).is_dir() for d in folders):
            report.add("side.files", False, "verify_trust.side_folder_missing",
                       folder=", ".join(folders), count=len(absent))
        elif absent:
            report.add("side.files", False, "verify_trust.side_files_missing",
                       files=short_list(absent))
        if bad:
            report.add("side.files", False, "bundle.verify.side_bad", files=short_list(bad))
        if not absent and not bad:
            report.add("side.files", True, "bundle.verify.side_all_ok", count=len(side))
    _item_results(manifest, results, report)


def _item_results(manifest: dict[str, Any], results: dict[tuple[Any, Any], Check],
                  report: VerifyReport) -> None:
    listed_sha = {(e.get("item"), e.get("part")): e.get("sha256") for e in manifest["files"]
                  if isinstance(e, dict) and e.get("role") == "part"}
    for item in manifest["items"]:
        if not isinstance(item, dict):
            continue
        number = item.get("number")
        checks: list[Check] = []
        for part in item.get("parts") or []:
            if not isinstance(part, dict):
                continue
            check = results.get((number, part.get("index")))
            if check is None:
                checks.append(_c("part", False, "bundle.verify.part_unlisted",
                                    file=str(part.get("name"))))
                continue
            if listed_sha.get((number, part.get("index"))) != part.get("sha256"):
                checks.append(_c("part", False, "bundle.verify.part_inconsistent",
                                    file=str(part.get("file"))))
            else:
                checks.append(check)
        verdicts = [c.ok for c in checks]
        ok: bool | None
        if False in verdicts:
            ok = False
        elif True in verdicts or not verdicts:
            ok = True
        else:
            ok = None
        report.items.append(
            ItemResult(number=int(number) if isinstance(number, int) else -1,
                       title=str(item.get("title") or ""), ok=ok, parts=checks)
        )


def check_certificate(manifest: dict[str, Any], files: dict[str, EmbeddedFile],
                      signer: x509.Certificate | None, report: VerifyReport
                      ) -> x509.Certificate | None:
    """The certificate in the manifest is the signer's, with the fingerprint it states."""
    try:
        pem = str(manifest["signer"]["certificate_pem"]).encode("ascii")
        cert = x509.load_pem_x509_certificate(pem)
    except (KeyError, TypeError, ValueError):
        report.add("certificate.match", False, "bundle.verify.cert_unreadable")
        return None
    der = cert.public_bytes(serialization.Encoding.DER)
    problems = []
    if signer is not None and signer.public_bytes(serialization.Encoding.DER) != der:
        problems.append("signature")
    if manifest["signer"].get("sha256_fingerprint") != certificate_fingerprint(cert):
        problems.append("fingerprint")
    attached = files.get(CERT_NAME)
    if attached is not None and attached.data is not None:
        try:
            att = x509.load_pem_x509_certificate(attached.data)
            if att.public_bytes(serialization.Encoding.DER) != der:
                problems.append(CERT_NAME)
        except ValueError:
            problems.append(CERT_NAME)
    if problems:
        report.add("certificate.match", False, "bundle.verify.cert_mismatch",
                   where=", ".join(problems))
    else:
        report.add("certificate.match", True, "bundle.verify.cert_ok")
    return cert


def check_pages(reader: PdfFileReader, manifest: dict[str, Any], report: VerifyReport) -> None:
    """The PDF has the number of pages the manifest was made with."""
    expected = manifest.get("pages")
    try:
        actual = int(reader.root["/Pages"]["/Count"])
    except PARSE_ERRORS:
        actual = -1
    if isinstance(expected, int) and expected == actual:
        report.add("layout.pages", True, "bundle.verify.pages_ok", pages=actual)
    else:
        report.add("layout.pages", False, "bundle.verify.pages_bad", pages=actual,
                   expected=expected)


def extract_files(files: dict[str, EmbeddedFile], target: Path, report: VerifyReport) -> None:
    """Write every readable attachment to ``target`` under an ASCII-safe name."""
    target.mkdir(parents=True, exist_ok=True)
    names = NameAllocator(reserved=())
    for f in files.values():
        if f.data is None:
            continue
        name = names.take(safe_file_name(f.name, "attachment"))
        dest = target / name
        tmp = target / f".{name}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(f.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
        report.extracted.append(dest)


# -- the fingerprint the pages show ---------------------------------------------------------

_FINGERPRINT = re.compile(r"(?:[0-9A-F]{2}:){31}[0-9A-F]{2}")


def check_cover(reader: PdfFileReader, report: VerifyReport) -> None:
    """A warning when the fingerprint printed on the cover (or last page) is not the
    signer's. Never a pass: printed text proves nothing (anyone can draw any fingerprint,
    as text, as an image or as vector outlines); only the certificate inside the signature
    says who signed. A mismatch is shown as a warning next to the real fingerprint; text
    that cannot be read gives nothing at all.
    """
    if report.fingerprint is None:
        return
    actual = display_fingerprint(report.fingerprint)
    try:
        cover = _FINGERPRINT.findall(_page_text(reader, 0))
        rest = _FINGERPRINT.findall(_page_text(reader, -1))
    except PARSE_ERRORS as exc:
        log.info("the cover page cannot be read (%s)", type(exc).__name__)
        return
    wrong = sorted({f for f in cover + rest if f != actual})
    if wrong:
        report.add("signature.cover", None, "verify_trust.cover_fp_differs", printed=wrong[0],
                   fingerprint=actual)


# -- reading the text a page shows (for the printed fingerprint) -----------------------------

_MAX_CONTENT = 8 * 1024 * 1024
_WHITE = b" \t\r\n\f\x00"
_SPECIAL = _WHITE + b"()<>[]{}/%"
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b",
            ord("f"): b"\f"}
_INLINE_END = re.compile(rb"\sEI(?=[\s]|$)")


def _literal(data: bytes, i: int) -> tuple[bytes, int]:
    """The literal string starting after ``(`` at ``i``; returns (bytes, next index)."""
    out = bytearray()
    depth = 1
    while i < len(data):
        c = data[i]
        i += 1
        if c == 0x5C and i < len(data):  # backslash
            e = data[i]
            i += 1
            if e in _ESCAPES:
                out += _ESCAPES[e]
            elif 0x30 <= e <= 0x37:
                digits = bytes([e])
                while len(digits) < 3 and i < len(data) and 0x30 <= data[i] <= 0x37:
                    digits += data[i : i + 1]
                    i += 1
                out.append(int(digits, 8) & 0xFF)
            elif e not in b"\r\n":
                out.append(e)
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), i
        out.append(c)
    return bytes(out), i


def _tokens(data: bytes) -> Iterator[tuple[str, Any]]:
    """Content-stream tokens: ("str", bytes), ("name", str), ("op", str), ("num", str)."""
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c in _WHITE:
            i += 1
        elif c == 0x25:  # comment
            while i < n and data[i] not in b"\r\n":
                i += 1
        elif c == 0x28:
            value, i = _literal(data, i + 1)
            yield "str", value
        elif data.startswith(b"<<", i) or data.startswith(b">>", i):
            yield "op", data[i : i + 2].decode()
            i += 2
        elif c == 0x3C:
            end = data.find(b">", i)
            end = n if end < 0 else end
            digits = re.sub(rb"[^0-9A-Fa-f]", b"", data[i + 1 : end])
            yield "str", bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())
            i = end + 1
        elif c in b"[]{}>)":
            yield "op", chr(c)
            i += 1
        else:
            j = i + 1
            while j < n and data[j] not in _SPECIAL:
                j += 1
            word = data[i:j].decode("latin-1")
            i = j
            if word.startswith("/"):
                yield "name", word
            elif word == "BI":  # inline image: skip its data
                found = _INLINE_END.search(data, i)
                i = found.end() if found else n
            else:
                yield ("num" if re.fullmatch(r"[+-]?[\d.]+", word) else "op"), word


def _to_unicode(font: Any) -> tuple[dict[bytes, str], int]:
    """The font's ToUnicode map (code bytes -> text) and its code length in bytes."""
    if not isinstance(font, generic.DictionaryObject) or "/ToUnicode" not in font:
        return {}, 1
    cmap = font["/ToUnicode"].data[: 1 << 20]
    table: dict[bytes, str] = {}

    def text(hexa: bytes) -> str:
        return bytes.fromhex(hexa.decode()).decode("utf-16-be", "replace")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            table[bytes.fromhex(src.decode())] = text(dst)
    budget = 0x20000  # a hostile map cannot make this loop long
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>",
                                      block):
            start, end, width = int(lo, 16), int(hi, 16), len(lo) // 2
            first = int(dst, 16)
            for k in range(start, min(end, start + budget - 1) + 1):
                table[k.to_bytes(width, "big")] = chr(min(first + k - start, 0x10FFFF))
                budget -= 1
            if budget <= 0:
                raise ValueError("character map too large")
    width = max((len(k) for k in table), default=1)
    return table, width


def _decode(raw: bytes, cmap: tuple[dict[bytes, str], int]) -> str:
    table, width = cmap
    if not table:
        return raw.decode("latin-1")
    return "".join(table.get(raw[i : i + width], "\ufffd") for i in range(0, len(raw), width))


def _page(reader: PdfFileReader, index: int) -> tuple[Any, Any]:
    """The first (``0``) or last (``-1``) page and its (inherited) resources."""
    node: Any = reader.root["/Pages"]
    resources: Any = None
    for _ in range(32):
        if "/Resources" in node:
            resources = node["/Resources"]
        if "/Kids" not in node:
            return node, resources
        node = node["/Kids"][index]
    raise ValueError("page tree too deep")


def _page_text(reader: PdfFileReader, index: int) -> str:
    """The visible text of a page, runs joined so that wrapped hex stays together."""
    page, resources = _page(reader, index)
    contents = page["/Contents"] if "/Contents" in page else None
    if isinstance(contents, generic.ArrayObject):
        data = b"\n".join(contents[k].data for k in range(min(len(contents), 1000)))
    else:
        data = contents.data if isinstance(contents, generic.StreamObject) else b""
    if len(data) > _MAX_CONTENT:
        raise ValueError("page content too large")
    fonts = resources["/Font"] if isinstance(resources, generic.DictionaryObject) \
        and "/Font" in resources else None
    maps: dict[str, tuple[dict[bytes, str], int]] = {}
    runs: list[str] = []
    operands: list[Any] = []
    arrays: list[list[Any]] = []
    font, render, saved = "", 0, []
    for kind, value in _tokens(data):
        if kind == "op" and value == "[":
            arrays.append([])
            continue
        if kind == "op" and value == "]" and arrays:
            done = arrays.pop()
            (arrays[-1] if arrays else operands).append(done)
            continue
        if kind != "op":
            (arrays[-1] if arrays else operands).append(value)
            continue
        if value == "Tf" and len(operands) >= 2 and isinstance(operands[-2], str):
            font = operands[-2]
            if font not in maps:
                maps[font] = _to_unicode(fonts[font] if isinstance(fonts, generic.DictionaryObject)
                                         and font in fonts else None)
        elif value == "Tr" and operands:
            render = int(float(operands[-1]))
        elif value == "q":
            saved.append(render)
        elif value == "Q" and saved:
            render = saved.pop()
        elif value in ("Tj", "'", '"', "TJ") and operands and render not in (3, 7):
            last = operands[-1]
            parts = last if isinstance(last, list) else [last]
            text = "".join(_decode(p, maps.get(font, ({}, 1))) for p in parts
                           if isinstance(p, bytes))
            runs.append(text)
        operands = []
    joined = "\x00".join(runs)
    joined = re.sub(r"(?<=[0-9A-F:])\x00(?=[0-9A-F:])", "", joined)
    return joined.replace("\x00", " ")
