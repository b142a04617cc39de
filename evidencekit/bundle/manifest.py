"""The bundle's machine-readable ``manifest.json``: items, files, custody chain, signer.

The manifest is attached to the PDF before it is signed, so the signature covers it. It
lists every file of the bundle (except itself) with its SHA-256, size, media type and
where it is (embedded in the PDF, in the side folder beside the PDF, or not included), the
items' metadata, the custody chain as :class:`~evidencekit.vault.custody.ChainRecord`
entries (event bodies disclosed only for the exported items and for vault-level events,
every other event as its digest only) and the signed head of the custody log.

Shape (format ``evidencekit-bundle``, version 1)::

    {"format", "version", "program", "vault_id", "exported_at", "exported_at_local",
     "timezone", "title", "prepared_by", "pages", "options": {...},
     "signer": {"certificate_pem", "sha256_fingerprint", "subject"},
     "items": [Item.public() + per part "file", "location", "path", "timestamp"...],
     "files": [{"file", "role", "media_type", "sha256", "size", "location", "path",
                "item", "part"}],
     "custody": {"records": [{"seq", "prev_hash", "body_sha256", "hash", "body"?}],
                 "head": {"seq", "hash", "signature"}, "disclosed", "withheld"}}
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from evidencekit import FORMAT_PROGRAM, __version__
from evidencekit.errors import IntegrityError
from evidencekit.model import Event, Item, iso
from evidencekit.vault.custody import ChainRecord, body_digest
from evidencekit.vault.identity import fingerprint, format_fingerprint

__all__ = [
    "FORMAT",
    "VERSION",
    "MANIFEST_NAME",
    "CERT_NAME",
    "VAULT_EVENTS",
    "LOCATION_EMBEDDED",
    "LOCATION_SIDE",
    "LOCATION_OMITTED",
    "BundleFile",
    "safe_file_name",
    "NameAllocator",
    "certificate_fingerprint",
    "certificate_sha256",
    "display_fingerprint",
    "certificate_pem",
    "chain_records",
    "record_to_json",
    "record_from_json",
    "build_manifest",
    "manifest_bytes",
    "parse_manifest",
]

FORMAT = "evidencekit-bundle"
VERSION = 1
MANIFEST_NAME = "manifest.json"
CERT_NAME = "signer-certificate.pem"

LOCATION_EMBEDDED = "embedded"
LOCATION_SIDE = "side"
LOCATION_OMITTED = "omitted"

#: Custody events without an item whose bodies a bundle discloses.
VAULT_EVENTS = frozenset(
    {"vault_created", "passphrase_changed", "exported", "log_timestamped", "vault_checked",
     "identity_changed"}
)

_MAX_NAME = 80
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class BundleFile:
    """One file of the bundle besides the manifest (a part, a token, a certificate)."""

    file: str
    role: str  # part | timestamp_token | tsa_chain | certificate
    media_type: str
    sha256: str
    size: int
    location: str  # embedded | side | omitted
    path: str | None = None  # relative path for side files (``<stem>-files/<file>``)
    item: int | None = None
    part: int | None = None
    description: str = ""

    def public(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "role": self.role,
            "media_type": self.media_type,
            "sha256": self.sha256,
            "size": self.size,
            "location": self.location,
            "path": self.path,
            "item": self.item,
            "part": self.part,
        }


def safe_file_name(name: str, fallback: str = "part") -> str:
    """An ASCII-safe file name (letters, digits, ``._-``) keeping the extension."""
    base = os.path.basename(name.replace("\\", "/").replace("\x00", "_"))
    stem, ext = os.path.splitext(base)

    def fold(text: str) -> str:
        return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")

    stem = _SAFE.sub("_", fold(stem)).strip("._-")
    ext = _SAFE.sub("", fold(ext))[:12]
    if ext == ".":
        ext = ""
    if not stem:
        stem = fallback
    stem = stem[: _MAX_NAME - len(ext)]
    return stem + ext.lower()


class NameAllocator:
    """Hands out unique attachment names (``NNN-<partname>``, ``-2`` on collisions)."""

    def __init__(self, reserved: Iterable[str] = (MANIFEST_NAME, CERT_NAME)) -> None:
        self._taken = {n.lower() for n in reserved}

    def take(self, name: str) -> str:
        stem, ext = os.path.splitext(name)
        candidate = name
        n = 2
        while candidate.lower() in self._taken:
            candidate = f"{stem}-{n}{ext}"
            n += 1
        self._taken.add(candidate.lower())
        return candidate

    def part_name(self, number: int, part_name: str, index: int) -> str:
        return self.take(f"{number:03d}-{safe_file_name(part_name, f'part{index + 1}')}")


#: SHA-256 of the DER certificate, lower-case hex (the vault identity's fingerprint).
certificate_sha256 = fingerprint


def display_fingerprint(hex_digest: str) -> str:
    """``AB:CD:…``: colon-separated upper-case hex, as ``openssl x509 -fingerprint`` prints."""
    return format_fingerprint(hex_digest.replace(":", ""))


def certificate_fingerprint(cert: x509.Certificate) -> str:
    """The certificate's SHA-256 fingerprint in display form (``AB:CD:…``)."""
    return display_fingerprint(certificate_sha256(cert))


def certificate_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _discloses(body: dict[str, Any], item_ids: set[str]) -> bool:
    item_id = body.get("item_id")
    if item_id is not None:
        return str(item_id) in item_ids
    return body.get("event") in VAULT_EVENTS


def chain_records(events: Sequence[Event], item_ids: Iterable[str]) -> list[ChainRecord]:
    """The whole chain, bodies kept only for exported items and vault-level events."""
    ids = set(item_ids)
    return [
        ChainRecord(
            seq=e.seq,
            prev_hash=e.prev_hash,
            body_sha256=body_digest(e.body),
            hash=e.hash,
            body=e.body if _discloses(e.body, ids) else None,
        )
        for e in events
    ]


def record_to_json(rec: ChainRecord) -> dict[str, Any]:
    d: dict[str, Any] = {
        "seq": rec.seq,
        "prev_hash": rec.prev_hash,
        "body_sha256": rec.body_sha256,
        "hash": rec.hash,
    }
    if rec.body is not None:
        d["body"] = rec.body
    return d


def record_from_json(d: Any) -> ChainRecord:
    """Parse one record; raises ``ValueError`` on a malformed entry."""
    if not isinstance(d, dict):
        raise ValueError("custody record is not an object")
    body = d.get("body")
    if body is not None and not isinstance(body, dict):
        raise ValueError("custody record body is not an object")
    seq = d.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise ValueError("custody record without a sequence number")
    fields = [d.get(k) for k in ("prev_hash", "body_sha256", "hash")]
    if not all(isinstance(f, str) and re.fullmatch(r"[0-9a-f]{64}", f) for f in fields):
        raise ValueError("custody record with a malformed hash")
    return ChainRecord(
        seq=seq,
        prev_hash=str(fields[0]),
        body_sha256=str(fields[1]),
        hash=str(fields[2]),
        body=body,
    )


def _part_entries(
    item: Item,
    files_by_part: dict[tuple[int, int], BundleFile],
    tokens: dict[tuple[int, int], tuple[str, str | None]],
) -> list[dict[str, Any]]:
    out = []
    for index, part in enumerate(item.parts):
        entry = part.public()
        entry["index"] = index
        bf = files_by_part.get((item.number, index))
        entry["file"] = bf.file if bf else None
        entry["location"] = bf.location if bf else LOCATION_OMITTED
        entry["path"] = bf.path if bf else None
        token = tokens.get((item.number, index))
        if token is not None and "timestamp" in entry:
            entry["timestamp"]["token_file"] = token[0]
            entry["timestamp"]["chain_file"] = token[1]
        out.append(entry)
    return out


def build_manifest(
    *,
    vault_id: str,
    exported_at: datetime,
    exported_at_local: datetime,
    timezone: str,
    title: str,
    prepared_by: str,
    cert: x509.Certificate,
    items: Sequence[Item],
    files: Sequence[BundleFile],
    tokens: dict[tuple[int, int], tuple[str, str | None]],
    records: Sequence[ChainRecord],
    head: dict[str, Any],
    pages: int,
    options: dict[str, Any],
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict (see the module docstring for its shape)."""
    files_by_part: dict[tuple[int, int], BundleFile] = {}
    for f in files:
        if f.role == "part" and f.item is not None and f.part is not None:
            files_by_part[(f.item, f.part)] = f
    item_entries = []
    for item in items:
        d = item.public()
        d["parts"] = _part_entries(item, files_by_part, tokens)
        item_entries.append(d)
    disclosed = sum(1 for r in records if r.body is not None)
    return {
        "format": FORMAT,
        "version": VERSION,
        "program": f"{FORMAT_PROGRAM} {__version__}",
        "vault_id": vault_id,
        "exported_at": iso(exported_at),
        "exported_at_local": iso(exported_at_local),
        "timezone": timezone,
        "title": title,
        "prepared_by": prepared_by,
        "pages": pages,
        "options": options,
        "signer": {
            "certificate_pem": certificate_pem(cert),
            "sha256_fingerprint": certificate_fingerprint(cert),
            "subject": cert.subject.rfc4514_string(),
        },
        "items": item_entries,
        "files": [f.public() for f in files],
        "custody": {
            "records": [record_to_json(r) for r in records],
            "head": {
                "seq": head.get("seq"),
                "hash": head.get("hash"),
                "signature": head.get("signature"),
            },
            "disclosed": disclosed,
            "withheld": len(records) - disclosed,
        },
    }


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """UTF-8 JSON, indented for people, Korean kept readable."""
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode(
        "utf-8"
    )


def parse_manifest(data: bytes) -> dict[str, Any]:
    """Parse and sanity-check a manifest; raises :class:`IntegrityError` when unusable."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise IntegrityError("bundle.verify.manifest_unreadable") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IntegrityError("bundle.verify.manifest_unreadable")
    if manifest.get("version") != VERSION:
        raise IntegrityError("bundle.verify.manifest_version", version=manifest.get("version"))
    for key, kind in (("items", list), ("files", list), ("custody", dict), ("signer", dict)):
        if not isinstance(manifest.get(key), kind):
            raise IntegrityError("bundle.verify.manifest_unreadable")
    return manifest
