"""Bundle verification against the custody chain and the time-stamp tokens it carries.

* the chain in ``manifest.json`` is unbroken and its head is signed by the vault identity;
* every exported item matches the disclosed event that recorded it (``item_captured`` /
  ``item_imported``, and ``link_fetched`` for a link recorded offline): item id, number,
  kind, SHA-256 and its parts (name, SHA-256, size);
* every ``log_timestamped`` event carries a token over the chain hash it names, and that
  hash is the chain's hash at that event;
* every part that claims a timestamp carries its token, the token covers the part, comes
  from a trusted time-stamp authority, states the time and authority the bundle prints,
  is not more than a day older than the capture, and is the token the disclosed
  ``timestamp_received`` event of the part names.

Trust in a time-stamp authority comes from the trust store of
:mod:`evidencekit.timestamps.trust` (public CA roots plus roots the recipient passes),
never from certificates inside the bundle. Nothing here raises for bad content.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509

from evidencekit.bundle.attachments import EmbeddedFile
from evidencekit.bundle.manifest import record_from_json
from evidencekit.bundle.verify_report import Check, VerifyReport, short_list
from evidencekit.timestamps.verify import UNTRUSTED_CHAIN, TokenCheck, verify_token
from evidencekit.vault.custody import ChainRecord, verify_chain, verify_head

__all__ = ["check_custody", "check_items_custody", "check_log_timestamps", "check_tokens"]

log = logging.getLogger(__name__)

_CREATION_EVENTS = ("item_captured", "item_imported")
#: A token may be older than the capture time by this much (the capture time comes from
#: the holder's clock); more than that means the token was not made for this capture.
CAPTURE_SLACK = timedelta(days=1)

# problem codes of this module (stable English, shown in reports next to token problems)
NO_TOKEN = "no token attached"
TOKEN_FILE_MISSING = "token file missing"
NO_CUSTODY_EVENT = "no custody event"
TIME_DIFFERS = "time differs from the token"
TSA_DIFFERS = "authority differs from the token"
BEFORE_CAPTURE = "token more than a day before capture"


def _b64(value: Any) -> bytes | None:
    try:
        return base64.b64decode(str(value), validate=True) if value else None
    except (binascii.Error, ValueError):
        return None


def _sha256_bytes(value: Any) -> bytes | None:
    if not isinstance(value, str) or len(value) != 64:
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def _time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _fail_item(report: VerifyReport, number: Any, check: Check) -> None:
    for res in report.items:
        if res.number == number:
            res.parts.append(check)
            res.ok = False


# -- the chain and its signed head ----------------------------------------------------------


def check_custody(manifest: dict[str, Any], cert: x509.Certificate,
                  report: VerifyReport) -> list[ChainRecord] | None:
    """The custody chain in the manifest and the signature on its head; returns the
    parsed records (``None`` when they cannot be read) for the checks below."""
    custody = manifest["custody"]
    try:
        records = [record_from_json(r) for r in custody.get("records") or []]
    except ValueError:
        report.add("custody.chain", False, "bundle.verify.chain_malformed")
        return None
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
        return records
    seq, head_hash = head.get("seq"), head.get("hash")
    signature = _b64(head.get("signature")) or b""
    matches = seq == records[-1].seq and head_hash == records[-1].hash
    signed = isinstance(seq, int) and verify_head(
        cert, str(manifest.get("vault_id")), seq, str(head_hash), signature
    )
    if matches and signed:
        report.add("custody.head", True, "bundle.verify.head_ok", seq=seq)
    else:
        report.add("custody.head", False, "bundle.verify.head_bad")
    return records


# -- items against the events that recorded them ---------------------------------------------


def _events_of(records: Sequence[ChainRecord], item_id: Any) -> list[dict[str, Any]]:
    return [r.body for r in records
            if r.body is not None and item_id is not None and r.body.get("item_id") == item_id]


def _parts_key(parts: Any) -> list[tuple[Any, Any, Any]] | None:
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        return None
    return [(p.get("name"), p.get("sha256"), p.get("size")) for p in parts]


def _item_problems(item: dict[str, Any], events: list[dict[str, Any]]) -> list[str]:
    created = [b for b in events if b.get("event") in _CREATION_EVENTS]
    if not created:
        return ["no creation event"]
    problems = ["several creation events"] if len(created) > 1 else []
    first = created[0]
    if first.get("item_number") != item.get("number"):
        problems.append("number differs")
    if first.get("kind") != item.get("kind"):
        problems.append("kind differs")
    recorded = first
    fetched = [b for b in events if b.get("event") == "link_fetched"]
    if first.get("pending") and item.get("parts"):
        if not fetched:
            return [*problems, "no fetch event"]
        if len(fetched) > 1:
            problems.append("several fetch events")
        recorded = fetched[0]
    elif fetched:
        problems.append("unexpected fetch event")
    if recorded.get("sha256") != item.get("sha256"):
        problems.append("hash differs")
    parts = _parts_key(item.get("parts"))
    if parts is None or _parts_key(recorded.get("parts")) != parts:
        problems.append("parts differ")
    return problems


def check_items_custody(manifest: dict[str, Any], records: Sequence[ChainRecord],
                        report: VerifyReport) -> None:
    """Each exported item against its disclosed creation (and fetch) event."""
    bad: list[str] = []
    count = 0
    for item in manifest["items"]:
        if not isinstance(item, dict):
            continue
        count += 1
        problems = _item_problems(item, _events_of(records, item.get("id")))
        if problems:
            number = item.get("number")
            bad.append(f"#{number} ({', '.join(problems)})")
            _fail_item(report, number, Check("custody", False, "bundle.verify.item_custody_bad",
                                             {"problems": ", ".join(problems)}))
    if bad:
        report.add("custody.items", False, "bundle.verify.items_custody_bad", items=short_list(bad))
    elif count:
        report.add("custody.items", True, "bundle.verify.items_custody_ok", count=count)


# -- the custody log's own timestamps -----------------------------------------------------------


def _log_stamp_problems(
    rec: ChainRecord, by_seq: dict[int, ChainRecord], roots: Sequence[asn1_x509.Certificate]
) -> tuple[list[str], TokenCheck | None]:
    body = rec.body or {}
    problems: list[str] = []
    head_seq, head_hash = body.get("head_seq"), body.get("head_hash")
    target = by_seq.get(head_seq) if isinstance(head_seq, int) else None
    if target is None or not isinstance(head_seq, int) or head_seq >= rec.seq:
        problems.append("no such event")
    elif target.hash != head_hash:
        problems.append("head hash differs")
    token = _b64(body.get("token"))
    digest = _sha256_bytes(head_hash)
    if token is None:
        return [*problems, NO_TOKEN], None
    if body.get("token_sha256") != hashlib.sha256(token).hexdigest():
        problems.append("token hash differs")
    if digest is None:
        return [*problems, "head hash malformed"], None
    chain = str(body.get("chain_pem") or "").encode("ascii", "replace") or None
    check = verify_token(token, digest, roots=roots, intermediates_pem=chain)
    problems.extend(p for p in check.problems if p not in problems)
    return problems, check


def check_log_timestamps(records: Sequence[ChainRecord], report: VerifyReport,
                         roots: Sequence[asn1_x509.Certificate]) -> None:
    """Every disclosed ``log_timestamped`` event: its token is over the chain hash at the
    event it names, intact and from a trusted time-stamp authority."""
    stamps = [r for r in records if r.body is not None and r.body.get("event") == "log_timestamped"]
    if not stamps:
        return
    by_seq = {r.seq: r for r in records}
    bad: list[str] = []
    last: tuple[ChainRecord, TokenCheck] | None = None
    for rec in stamps:
        problems, check = _log_stamp_problems(rec, by_seq, roots)
        if problems:
            bad.append(f"{rec.seq} ({', '.join(problems)})")
        elif check is not None:
            last = (rec, check)
    if bad:
        report.add("custody.timestamps", False, "bundle.verify.log_ts_bad", events=short_list(bad))
    elif last is not None:
        rec, check = last
        report.add("custody.timestamps", True, "bundle.verify.log_ts_ok", count=len(stamps),
                   seq=(rec.body or {}).get("head_seq"), tsa=check.tsa or "?",
                   time=check.time.isoformat() if check.time else "?")


# -- the parts' tokens --------------------------------------------------------------------------


def _token_problems(item: dict[str, Any], part: dict[str, Any], ts: dict[str, Any],
                    files: dict[str, EmbeddedFile], records: Sequence[ChainRecord] | None,
                    roots: Sequence[asn1_x509.Certificate]) -> list[str]:
    if not ts.get("token_file"):
        return [NO_TOKEN]
    token_file = files.get(str(ts["token_file"]))
    if token_file is None or token_file.data is None:
        return [TOKEN_FILE_MISSING]
    token = token_file.data
    digest = _sha256_bytes(part.get("sha256"))
    if digest is None:
        return ["malformed token"]
    chain_file = files.get(str(ts.get("chain_file"))) if ts.get("chain_file") else None
    check = verify_token(token, digest, roots=roots,
                         intermediates_pem=chain_file.data if chain_file else None)
    problems = list(check.problems)
    if check.time is not None:
        printed = _time(ts.get("time"))
        if printed is None or abs(printed - check.time) >= timedelta(seconds=1):
            problems.append(TIME_DIFFERS)
        if check.tsa is not None and ts.get("tsa") != check.tsa:
            problems.append(TSA_DIFFERS)
        captured = _time(item.get("captured_at_utc"))
        if captured is not None and check.time < captured - CAPTURE_SLACK:
            problems.append(BEFORE_CAPTURE)
    if records is not None:
        token_sha = hashlib.sha256(token).hexdigest()
        received = [b for b in _events_of(records, item.get("id"))
                    if b.get("event") == "timestamp_received"
                    and b.get("token_sha256") == token_sha
                    and b.get("sha256") == part.get("sha256")
                    and b.get("part") == part.get("name")]
        if not received:
            problems.append(NO_CUSTODY_EVENT)
    return problems


def check_tokens(manifest: dict[str, Any], files: dict[str, EmbeddedFile],
                 report: VerifyReport, *, roots: Sequence[asn1_x509.Certificate],
                 records: Sequence[ChainRecord] | None = None) -> None:
    """Every part that claims a timestamp: its RFC 3161 token (see the module docstring).

    ``roots``: the trust store (:func:`evidencekit.timestamps.trust.trust_roots`).
    ``records``: the parsed custody chain, for the ``timestamp_received`` events.
    """
    claimed = 0
    bad: list[str] = []
    untrusted: list[str] = []
    problems: list[str] = []
    for item in manifest["items"]:
        parts = item.get("parts") if isinstance(item, dict) else None
        for part in parts if isinstance(parts, list) else []:
            ts = part.get("timestamp") if isinstance(part, dict) else None
            if not isinstance(ts, dict) or not ts:
                continue
            claimed += 1
            file_name = str(part.get("file") or part.get("name"))
            found = _token_problems(item, part, ts, files, records, roots)
            if not found:
                continue
            if found == [UNTRUSTED_CHAIN]:
                untrusted.append(file_name)
                check = Check("timestamp", False, "bundle.verify.token_untrusted",
                              {"file": file_name, "tsa": str(ts.get("tsa") or "?")})
            else:
                bad.append(file_name)
                problems.extend(p for p in found if p not in problems)
                key = "bundle.verify.token_missing" if found == [NO_TOKEN] \
                    else "bundle.verify.token_bad"
                check = Check("timestamp", False, key,
                              {"file": file_name, "problems": ", ".join(found),
                               "tsa": str(ts.get("tsa") or "?"), "time": str(ts.get("time"))})
            log.info("timestamp of %s does not hold: %s", file_name, ", ".join(found))
            _fail_item(report, item.get("number"), check)
    if not claimed:
        return
    if bad:
        if untrusted and UNTRUSTED_CHAIN not in problems:
            problems.append(UNTRUSTED_CHAIN)
        report.add("timestamps.tokens", False, "bundle.verify.tokens_bad",
                   files=short_list(bad + untrusted), problems=", ".join(problems))
    elif untrusted:
        report.add("timestamps.tokens", False, "bundle.verify.tokens_untrusted",
                   files=short_list(untrusted))
    else:
        report.add("timestamps.tokens", True, "bundle.verify.tokens_ok", count=claimed)
