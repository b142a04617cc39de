"""Exporting the vault's web captures as one signed WACZ file (Web Archive Collection Zipped).

:func:`export_wacz` writes, for the chosen link items (default: every captured link that
is not deleted), a ZIP with every entry *stored* (not deflated), as the WACZ
specification asks:

* ``archive/item-<n>.warc.gz``: the item's ``exchange.warc.gz`` exactly as stored;
* ``indexes/index.cdxj``: a sorted CDXJ index of every record (``cdxj-indexer``);
* ``pages/pages.jsonl``: one page per item (URL, capture time, title);
* ``datapackage.json``: the Frictionless data package listing every file with its
  SHA-256 and size, plus ``evidencekit`` details (vault id, items, their SHA-256);
* ``datapackage-digest.json``: the SHA-256 of ``datapackage.json`` and ``signedData``
  made the WACZ signing way (anonymous signature): an ECDSA P-256 / SHA-256 signature of
  the ``hash`` string (raw ``r||s``, base64) with the vault's identity key, its public key
  (base64 DER SubjectPublicKeyInfo), and, beyond the WACZ fields, the vault's certificate
  (``evidencekitCertificate``, PEM) so a recipient can compare its fingerprint. When a
  time-stamp authority answers, ``timeSignature`` holds an RFC 3161 token (base64) over
  the SHA-256 of the signature bytes and ``timestampCert`` the TSA's chain.

``wacz_version`` is ``1.1.1``: the structure follows WACZ 1.2.0, which kept that version
string in its manifest examples, and py-wacz's ``wacz validate`` accepts only it.
:mod:`evidencekit.bundle.verify_wacz` checks such a file. The output is written to a
temporary file beside ``out`` and renamed into place; the WARCs hold the captured pages
in clear, like the bundle's attachments: the export is the holder's deliberate act.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from evidencekit import __version__
from evidencekit.errors import InputError, StorageError
from evidencekit.model import Item, Progress, now_utc

__all__ = ["WACZ_VERSION", "WaczResult", "export_wacz", "sign_hash"]

log = logging.getLogger(__name__)

WACZ_VERSION = "1.1.1"
SOFTWARE = f"EvidenceKit {__version__}"
_WARC_PART = "exchange.warc.gz"


@dataclass
class WaczResult:
    path: Path
    items: list[int]
    sha256: str
    fingerprint: str
    time_signature: bool
    files: list[str] = field(default_factory=list)


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _created() -> str:
    return now_utc().strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_hash(key: ec.EllipticCurvePrivateKey, hash_text: str) -> bytes:
    """The WACZ anonymous signature of ``hash_text``: ECDSA P-256/SHA-256, raw ``r||s``."""
    der = key.sign(hash_text.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _read_part(source: Any, item: Item, index: int) -> bytes:
    buf = io.BytesIO()
    source.read_part(item, index, buf)
    return buf.getvalue()


def _cdxj_lines(name: str, warc: bytes) -> list[str]:
    from cdxj_indexer.main import CDXJIndexer

    out = io.StringIO()
    CDXJIndexer(out, [io.BytesIO(warc)], filename=name, records="all").process_all()
    return [line for line in out.getvalue().splitlines() if line.strip()]


def _select(source: Any, numbers: Sequence[int] | None) -> list[tuple[Item, int]]:
    chosen: list[tuple[Item, int]] = []
    items = ([source.item(n) for n in sorted(set(numbers))] if numbers is not None
             else [i for i in source.items() if i.kind == "link" and i.state != "deleted"])
    for item in items:
        index = next((k for k, p in enumerate(item.parts) if p.name == _WARC_PART), None)
        if item.state == "deleted":
            raise InputError("bundle.item_deleted", number=item.number)
        if index is None:
            if numbers is not None:
                raise InputError("webcapture.wacz.not_a_capture", number=item.number)
            continue
        chosen.append((item, index))
    if not chosen:
        raise InputError("webcapture.wacz.nothing")
    return chosen


def _page(item: Item) -> dict[str, Any]:
    meta = item.metadata if isinstance(item.metadata, dict) else {}
    ts = str(meta.get("fetched_at") or item.captured_at_utc)
    when = ts.replace("+00:00", "Z")
    return {"id": item.id, "url": str(meta.get("final_url") or meta.get("url") or item.source),
            "ts": when, "title": item.title}


def _time_signature(signature: bytes, tsa_urls: Sequence[str], ca_file: str | None
                    ) -> dict[str, str]:
    """``timeSignature``/``timestampCert`` from the first TSA that answers, or nothing."""
    if not tsa_urls:
        return {}
    from evidencekit.errors import TimestampError
    from evidencekit.timestamps.client import request_token

    digest = hashlib.sha256(signature).digest()
    for url in tsa_urls:
        try:
            got = request_token(digest, url, ca_file=ca_file)
        except TimestampError as exc:
            log.warning("no timestamp for the WACZ signature from %s: %s", url, exc.key)
            continue
        return {"timeSignature": base64.b64encode(got.token).decode("ascii"),
                "timestampCert": got.chain_pem.decode("ascii", "replace"),
                "timestampAuthority": url}
    return {}


def export_wacz(
    source: Any,
    out_path: str | os.PathLike[str],
    *,
    items: Sequence[int] | None = None,
    title: str = "",
    tsa_urls: Sequence[str] = (),
    tsa_ca_file: str | None = None,
    progress: Progress | None = None,
) -> WaczResult:
    """Write the link items of ``source`` (an open vault) as a signed WACZ to ``out_path``.

    Raises :class:`InputError` (no capture to export, a deleted item, an item without a
    WARC, a bad output folder) and :class:`StorageError` when the file cannot be written
    (nothing is left behind). ``tsa_urls``: time-stamp authorities to try for the
    signature's RFC 3161 token (none reachable: the WACZ is signed without it).
    """
    out = Path(out_path)
    if out.is_dir():
        raise InputError("bundle.out_is_dir", path=str(out))
    if not out.parent.is_dir():
        raise InputError("bundle.out_dir_missing", path=str(out.parent))
    chosen = _select(source, items)
    key, cert = source.identity()
    files: dict[str, bytes] = {}
    cdxj: list[str] = []
    pages = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
    described: list[dict[str, Any]] = []
    for n, (item, index) in enumerate(chosen):
        if progress:
            progress(n, len(chosen) + 1, "webcapture.wacz.progress")
        name = f"item-{item.number}.warc.gz"
        warc = _read_part(source, item, index)  # re-hashed by the vault on reading
        files[f"archive/{name}"] = warc
        cdxj.extend(_cdxj_lines(name, warc))
        page = _page(item)
        pages.append(json.dumps(page, ensure_ascii=False))
        described.append({"number": item.number, "id": item.id, "url": page["url"],
                          "captured_at": page["ts"], "warc": f"archive/{name}",
                          "warc_sha256": item.parts[index].sha256,
                          "item_sha256": item.sha256})
    files["indexes/index.cdxj"] = ("\n".join(sorted(cdxj)) + "\n").encode("utf-8")
    files["pages/pages.jsonl"] = ("\n".join(pages) + "\n").encode("utf-8")
    created = _created()
    fingerprint = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    package = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": title or "EvidenceKit web captures",
        "created": created,
        "software": SOFTWARE,
        "mainPageUrl": described[0]["url"],
        "mainPageDate": described[0]["captured_at"],
        "resources": [
            {"name": Path(path).name, "path": path, "hash": _sha(data), "bytes": len(data)}
            for path, data in files.items()
        ],
        "evidencekit": {
            "format": "evidencekit.wacz/1",
            "vault_id": str(getattr(source, "vault_id", "") or ""),
            "signer_sha256": fingerprint,
            "items": described,
        },
    }
    package_bytes = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
    digest = _sha(package_bytes)
    signature = sign_hash(key, digest)
    public = cert.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    signed: dict[str, Any] = {
        "hash": digest,
        "created": created,
        "software": SOFTWARE,
        "version": __version__,
        "signature": base64.b64encode(signature).decode("ascii"),
        "publicKey": base64.b64encode(public).decode("ascii"),
        "evidencekitCertificate": cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    }
    signed.update(_time_signature(signature, tsa_urls, tsa_ca_file))
    digest_file = {"path": "datapackage.json", "hash": digest, "signedData": signed}
    files["datapackage.json"] = package_bytes
    files["datapackage-digest.json"] = json.dumps(digest_file, indent=2).encode("utf-8")
    sha = _write_zip(out, files)
    if progress:
        progress(len(chosen) + 1, len(chosen) + 1, "webcapture.wacz.progress")
    log.info("WACZ written: %d items", len(chosen))
    return WaczResult(path=out, items=[i.number for i, _ in chosen], sha256=sha,
                      fingerprint=fingerprint, time_signature="timeSignature" in signed,
                      files=sorted(files))


def _write_zip(out: Path, files: dict[str, bytes]) -> str:
    """Write the ZIP atomically (temp file, fsync, rename); its SHA-256."""
    fd, tmp = tempfile.mkstemp(prefix=".wacz-", dir=str(out.parent))
    try:
        with os.fdopen(fd, "w+b") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as z:
                for path, data in files.items():
                    info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_STORED
                    z.writestr(info, data)
            fh.flush()
            os.fsync(fh.fileno())
            fh.seek(0)
            sha = hashlib.sha256(fh.read()).hexdigest()
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StorageError("webcapture.wacz.write_failed", path=str(out),
                           reason=exc.strerror or str(exc)) from exc
    return sha
