"""Verifying a WACZ written by :func:`evidencekit.bundle.wacz.export_wacz` (or any WACZ
with an anonymous signature), for ``evidencekit verify FILE.wacz``.

Checks, each named in the report: the ZIP opens and has no entry outside the package;
``datapackage-digest.json`` holds the SHA-256 of ``datapackage.json``; every file the
package lists is present with its SHA-256 and size, and no other file is there; every
WARC record's block and payload digests match (warcio); the ECDSA signature of the hash
verifies with ``publicKey``; the included certificate holds that public key (its SHA-256
is the signer fingerprint); the fingerprint equals ``expect_fingerprint`` when given; an
RFC 3161 ``timeSignature`` covers the signature (when present).

Verdict (:attr:`WaczReport.exit_code`), as for bundles: 0 intact and signer confirmed,
10 intact but the signer not confirmed (no ``--expect-fingerprint``, or no certificate),
3 anything failed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from evidencekit.i18n import tr
from evidencekit.timefmt import formal_time

__all__ = ["WaczCheck", "WaczReport", "verify_wacz", "format_wacz_report"]

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 3
EXIT_UNCONFIRMED = 10
_MAX_ENTRY = 4 * 1024 * 1024 * 1024
_SPECIAL = ("datapackage.json", "datapackage-digest.json")


@dataclass
class WaczCheck:
    name: str
    ok: bool | None
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        return tr(self.key, lang, **self.params)


@dataclass
class WaczReport:
    path: Path
    checks: list[WaczCheck] = field(default_factory=list)
    fingerprint: str | None = None
    confirmed: bool = False

    def add(self, name: str, ok: bool | None, key: str, **params: Any) -> None:
        self.checks.append(WaczCheck(name, ok, key, params))

    @property
    def failed(self) -> list[WaczCheck]:
        return [c for c in self.checks if c.ok is False]

    @property
    def exit_code(self) -> int:
        if self.failed or not any(c.name == "signature" and c.ok for c in self.checks):
            return EXIT_FAILED
        return EXIT_OK if self.confirmed else EXIT_UNCONFIRMED

    def public(self, lang: str | None = None) -> dict[str, Any]:
        return {"path": str(self.path), "exit_code": self.exit_code,
                "fingerprint": self.fingerprint, "confirmed": self.confirmed,
                "checks": [{"name": c.name, "ok": c.ok, "message": c.message(lang)}
                           for c in self.checks]}


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _warc_digests(name: str, data: bytes, report: WaczReport) -> None:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    records = 0
    try:
        for record in ArchiveIterator(io.BytesIO(data), check_digests="raise"):
            record.content_stream().read()
            records += 1
    except (ArchiveLoadFailed, ValueError, OSError, EOFError, AttributeError,
            TypeError, KeyError, IndexError) as exc:
        log.warning("WARC %s: %s", name, exc)
        report.add("warc", False, "webcapture.verify.warc_bad", file=name)
        return
    report.add("warc", True, "webcapture.verify.warc_ok", file=name, records=records)


def _signature(signed: dict[str, Any], digest: str, report: WaczReport) -> None:
    try:
        public = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
        raw = base64.b64decode(signed["signature"])
    except (KeyError, ValueError, TypeError):
        report.add("signature", False, "webcapture.verify.sig_missing")
        return
    if not isinstance(public, ec.EllipticCurvePublicKey) or len(raw) != 64 \
            or signed.get("hash") != digest:
        report.add("signature", False, "webcapture.verify.sig_bad")
        return
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, digest.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        report.add("signature", False, "webcapture.verify.sig_bad")
        return
    report.add("signature", True, "webcapture.verify.sig_ok")
    pem = signed.get("evidencekitCertificate")
    if not isinstance(pem, str):
        report.add("signer", None, "webcapture.verify.no_certificate")
        return
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError:
        report.add("signer", False, "webcapture.verify.cert_bad")
        return
    same = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == base64.b64decode(signed["publicKey"])
    if not same:
        report.add("signer", False, "webcapture.verify.cert_mismatch")
        return
    report.fingerprint = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _time_signature(signed: dict[str, Any], report: WaczReport,
                    trust_roots_pem: bytes | None) -> None:
    token = signed.get("timeSignature")
    if not token:
        report.add("time_signature", None, "webcapture.verify.no_time_signature")
        return
    from evidencekit.timestamps.verify import verify_token

    try:
        digest = hashlib.sha256(base64.b64decode(signed["signature"])).digest()
        check = verify_token(base64.b64decode(token), digest, trust_roots_pem=trust_roots_pem,
                             intermediates_pem=str(signed.get("timestampCert") or "").encode())
    except (ValueError, TypeError):
        report.add("time_signature", False, "webcapture.verify.time_bad", problems="unreadable")
        return
    if check.ok and check.time is not None:
        report.add("time_signature", True, "webcapture.verify.time_ok",
                   time=formal_time(check.time), tsa=check.tsa or "?")
    else:
        report.add("time_signature", False, "webcapture.verify.time_bad",
                   problems=", ".join(check.problems))


def verify_wacz(path: str | Path, *, expect_fingerprint: str | None = None,
                trust_roots_pem: bytes | None = None) -> WaczReport:
    """Check the WACZ at ``path`` (see the module docstring). Never raises on bad input."""
    report = WaczReport(Path(path))
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        log.warning("not a WACZ: %s", exc)
        report.add("zip", False, "webcapture.verify.not_zip")
        return report
    with z:
        infos = {i.filename: i for i in z.infolist()}
        bad = [n for n in infos if n.startswith("/") or ".." in n.split("/")]
        if bad or any(i.file_size > _MAX_ENTRY for i in infos.values()):
            report.add("zip", False, "webcapture.verify.bad_entries", names=", ".join(bad[:5]))
            return report
        try:
            package_bytes = z.read("datapackage.json")
            digest_doc = json.loads(z.read("datapackage-digest.json"))
            package = json.loads(package_bytes)
            resources = package["resources"]
        except (KeyError, ValueError, TypeError):
            report.add("package", False, "webcapture.verify.no_package")
            return report
        digest = _sha(package_bytes)
        if not isinstance(digest_doc, dict) or digest_doc.get("hash") != digest:
            report.add("package", False, "webcapture.verify.package_changed")
        else:
            report.add("package", True, "webcapture.verify.package_ok")
        listed: set[str] = set()
        for res in resources if isinstance(resources, list) else []:
            p = str(res.get("path")) if isinstance(res, dict) else "?"
            listed.add(p)
            if p not in infos:
                report.add("file", False, "webcapture.verify.file_missing", file=p)
                continue
            data = z.read(p)
            if res.get("hash") != _sha(data) or res.get("bytes") != len(data):
                report.add("file", False, "webcapture.verify.file_changed", file=p)
                continue
            report.add("file", True, "webcapture.verify.file_ok", file=p)
            if p.startswith("archive/"):
                _warc_digests(p, data, report)
        extra = sorted(n for n in infos if n not in listed and n not in _SPECIAL
                       and not n.endswith("/"))
        if extra:
            report.add("file", False, "webcapture.verify.file_extra", files=", ".join(extra[:5]))
        signed = digest_doc.get("signedData") if isinstance(digest_doc, dict) else None
        if not isinstance(signed, dict):
            report.add("signature", False, "webcapture.verify.sig_missing")
            return report
        _signature(signed, digest, report)
        _time_signature(signed, report, trust_roots_pem)
    _confirm(report, expect_fingerprint)
    return report


def _confirm(report: WaczReport, expect: str | None) -> None:
    from evidencekit.bundle.verify import normalize_fingerprint
    from evidencekit.vault.identity import format_fingerprint, short_fingerprint

    if report.fingerprint is None:
        return
    shown = f"{format_fingerprint(report.fingerprint)} ({short_fingerprint(report.fingerprint)})"
    if expect is None:
        report.add("signer", None, "webcapture.verify.fp_compare", fingerprint=shown)
        return
    if normalize_fingerprint(expect) == report.fingerprint or _short_matches(
            report.fingerprint, expect):
        report.confirmed = True
        report.add("signer", True, "webcapture.verify.fp_match", fingerprint=shown)
    else:
        report.add("signer", False, "webcapture.verify.fp_mismatch", fingerprint=shown)


def _short_matches(fp: str, typed: str) -> bool:
    """Whether ``typed`` is the short (12 groups of 5 digits) form of ``fp``."""
    from evidencekit.vault.identity import fingerprint_matches

    try:
        return fingerprint_matches(fp, typed)
    except (ValueError, TypeError):
        return False


def format_wacz_report(report: WaczReport, lang: str | None = None) -> str:
    """The report as text for the command line."""
    marks = {True: "✓", False: "✗", None: "·"}
    lines = [tr("webcapture.verify.heading", lang, path=str(report.path))]
    lines += [f"{marks[c.ok]} {c.message(lang)}" for c in report.checks]
    verdict = {EXIT_OK: "webcapture.verify.verdict_ok",
               EXIT_UNCONFIRMED: "webcapture.verify.verdict_unconfirmed",
               EXIT_FAILED: "webcapture.verify.verdict_failed"}[report.exit_code]
    lines.append(tr(verdict, lang))
    return "\n".join(lines)
