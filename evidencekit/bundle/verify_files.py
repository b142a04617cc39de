"""The manifest-driven checks of bundle verification: files, side folder, custody, tokens.

Each function adds named :class:`~evidencekit.bundle.verify_report.Check` entries to the
report; none of them raises for bad content (a malformed manifest entry is a failed check).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography import x509

from evidencekit.bundle.attachments import EmbeddedFile
from evidencekit.bundle.manifest import (
    LOCATION_EMBEDDED,
    LOCATION_OMITTED,
    LOCATION_SIDE,
    MANIFEST_NAME,
    record_from_json,
)
from evidencekit.bundle.verify_report import Check, ItemResult, VerifyReport
from evidencekit.errors import EvidenceKitError
from evidencekit.vault.custody import verify_chain, verify_head

__all__ = ["check_files", "check_custody", "check_tokens"]

log = logging.getLogger(__name__)

_MAX_LISTED = 5
_HEX = frozenset("0123456789abcdef")


def _c(name: str, ok: bool | None, key: str, **params: Any) -> Check:
    return Check(name, ok, key, params)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (f" (+{len(names) - _MAX_LISTED})" if len(names) > _MAX_LISTED else "")


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
            return _c("side", None, "bundle.verify.side_absent", file=str(entry.get("path")))
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
        report.add("attachments.hashes", False, "bundle.verify.hashes_bad", files=_names(failed))
    else:
        report.add("attachments.hashes", True, "bundle.verify.hashes_ok", count=embedded_ok)
    if missing:
        report.add("attachments.complete", False, "bundle.verify.files_missing",
                   files=_names(missing))
    else:
        report.add("attachments.complete", True, "bundle.verify.files_complete")
    unlisted = sorted(n for n in files if n not in listed and n != MANIFEST_NAME)
    if unlisted:
        report.add("attachments.unlisted", False, "bundle.verify.files_unlisted",
                   files=_names(unlisted))
    if side:
        bad = [c.params["file"] for c in side if c.ok is False]
        absent = [c.params["file"] for c in side if c.ok is None]
        if bad:
            report.add("side.files", False, "bundle.verify.side_bad", files=_names(bad))
        elif absent:
            report.add("side.files", None, "bundle.verify.side_missing", count=len(absent))
        else:
            report.add("side.files", True, "bundle.verify.side_all_ok", count=len(side))
    _item_results(manifest, results, report)


def _item_results(manifest: dict[str, Any], results: dict[tuple[Any, Any], Check],
                  report: VerifyReport) -> None:
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
            entry_sha = None
            for e in manifest["files"]:
                if (isinstance(e, dict) and e.get("role") == "part" and e.get("item") == number
                        and e.get("part") == part.get("index")):
                    entry_sha = e.get("sha256")
            if entry_sha != part.get("sha256"):
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


def check_custody(manifest: dict[str, Any], cert: x509.Certificate,
                  report: VerifyReport) -> None:
    """The custody chain in the manifest and the signature on its head."""
    custody = manifest["custody"]
    try:
        records = [record_from_json(r) for r in custody.get("records") or []]
    except ValueError:
        report.add("custody.chain", False, "bundle.verify.chain_malformed")
        return
    problems = verify_chain(records) if records else ["empty"]
    if problems:
        report.add("custody.chain", False, "bundle.verify.chain_broken",
                   problems="; ".join(problems[:3]))
    else:
        report.add("custody.chain", True, "bundle.verify.chain_ok", count=len(records),
                   disclosed=sum(1 for r in records if r.body is not None))
    head = custody.get("head")
    if not isinstance(head, dict) or not records:
        report.add("custody.head", False, "bundle.verify.head_bad")
        return
    seq, head_hash = head.get("seq"), head.get("hash")
    try:
        signature = base64.b64decode(str(head.get("signature")), validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    matches = seq == records[-1].seq and head_hash == records[-1].hash
    signed = isinstance(seq, int) and verify_head(
        cert, str(manifest.get("vault_id")), seq, str(head_hash), signature
    )
    if matches and signed:
        report.add("custody.head", True, "bundle.verify.head_ok", seq=seq)
    else:
        report.add("custody.head", False, "bundle.verify.head_bad")


def _token_verifier() -> Any:
    """``evidencekit.timestamps.verify.verify_token`` when that module exists, else None.

    Expected: ``verify_token(token, digest, *, trust_roots_pem=None) -> TokenCheck`` with
    ``ok``, ``time``, ``tsa`` and ``problems``.
    """
    try:
        from evidencekit.timestamps import verify as ts_verify
    except ImportError:
        return None
    return getattr(ts_verify, "verify_token", None)


def check_tokens(manifest: dict[str, Any], files: dict[str, EmbeddedFile],
                 report: VerifyReport) -> None:
    """RFC 3161 tokens of the parts (verified when a token verifier is available).

    The TSA chain attached with a token is used as its trust roots: this shows the token
    chains to the authority recorded at capture; whether that authority is one the reader
    trusts is for the reader to judge from its name.
    """
    tokens: list[tuple[Any, str, str, bytes, bytes | None]] = []
    for item in manifest["items"]:
        for part in (item.get("parts") or []) if isinstance(item, dict) else []:
            ts = part.get("timestamp") if isinstance(part, dict) else None
            if not isinstance(ts, dict) or not ts.get("token_file"):
                continue
            token_file = files.get(str(ts["token_file"]))
            chain_file = files.get(str(ts.get("chain_file"))) if ts.get("chain_file") else None
            if token_file is None or token_file.data is None:
                continue  # reported as a missing file already
            tokens.append((item.get("number"), str(part.get("file")), str(part.get("sha256")),
                           token_file.data, chain_file.data if chain_file else None))
    if not tokens:
        return
    verifier = _token_verifier()
    if verifier is None:
        report.add("timestamps.tokens", None, "bundle.verify.tokens_not_checked",
                   count=len(tokens))
        return
    bad: list[str] = []
    problems: list[str] = []
    for number, file_name, sha, token, chain in tokens:
        try:
            digest = bytes.fromhex(sha)
            result = verifier(token, digest, trust_roots_pem=chain)
            ok = bool(result.ok)
            found = [str(p) for p in getattr(result, "problems", [])]
        except ValueError:
            ok, found = False, ["malformed token"]
        except EvidenceKitError as exc:
            log.info("timestamp token for %s rejected (%s)", file_name, exc.key)
            ok, found = False, [exc.key]
        if ok:
            continue
        bad.append(file_name)
        problems.extend(p for p in found if p not in problems)
        for res in report.items:
            if res.number == number:
                res.parts.append(_c("timestamp", False, "bundle.verify.token_bad",
                                    file=file_name, problems=", ".join(found)))
                res.ok = False
    if bad:
        report.add("timestamps.tokens", False, "bundle.verify.tokens_bad", files=_names(bad),
                   problems=", ".join(problems))
    else:
        report.add("timestamps.tokens", True, "bundle.verify.tokens_ok", count=len(tokens))
