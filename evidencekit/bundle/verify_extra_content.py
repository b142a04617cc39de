"""Checks an adversarial examiner asked for on what the signatures and attachments
carry (the update checks are in :mod:`.verify_extra`, which re-exports these):

* **what a signer's certificate is for** - a certificate that says it is not for signing
  documents (a CA certificate, key usage without digital signature or non-repudiation, or
  extended key usages that leave out every document-signing one, e.g. a web server's
  certificate) signs no bundle, even when it chains to a root the recipient trusts; the
  same rule as ``identity import``
  (:data:`evidencekit.vault.identity_import.DOCUMENT_SIGNING_EKUS`).
  A trusted signature timestamp outside the certificate's validity fails too;
* **attachments that decompress to far more than the file** (a compression bomb: a few
  megabytes that inflate to many gigabytes) are refused before they are decoded, so a
  hostile bundle cannot exhaust the recipient's memory;
* **the side folder** holds only the files the manifest lists (besides files operating
  systems leave, such as ``.DS_Store``).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from evidencekit.bundle.manifest import LOCATION_SIDE
from evidencekit.bundle.verify_cms import signer_certificate
from evidencekit.bundle.verify_files import PARSE_ERRORS
from evidencekit.bundle.verify_report import VerifyReport, short_list

__all__ = ["certificate_purpose_problem", "check_signer_certificates", "level_check",
           "attachments_fit", "check_side_folder"]

log = logging.getLogger(__name__)

_OS_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
_MAX_FILES = 100_000
#: Attachments may decode to at most this much in total, or ``_INFLATE`` times the file.
_MIN_DECODED = 1 << 30
_INFLATE = 20
_CHUNK = 1 << 20


def _get(d: Any, key: str) -> Any:
    """``d[key]`` resolved, or None (``DictionaryObject.get`` leaves references as they
    are)."""
    if not isinstance(d, generic.DictionaryObject) or key not in d:
        return None
    value = d.get(key)
    return value.get_object() if isinstance(value, generic.IndirectObject) else value


def certificate_purpose_problem(cert: x509.Certificate) -> str | None:
    """Why ``cert`` may not sign a document (``"ca"``, ``"key_usage"``,
    ``"extended_key_usage"``), or None."""
    from evidencekit.vault.identity_import import DOCUMENT_SIGNING_EKUS

    exts = cert.extensions
    try:
        if exts.get_extension_for_class(x509.BasicConstraints).value.ca and \
                cert.issuer != cert.subject:
            return "ca"
    except x509.ExtensionNotFound:
        pass
    try:
        usage = exts.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            return "key_usage"
    except x509.ExtensionNotFound:
        pass
    try:
        if not set(exts.get_extension_for_class(x509.ExtendedKeyUsage).value) & \
                DOCUMENT_SIGNING_EKUS:
            return "extended_key_usage"
    except x509.ExtensionNotFound:
        pass
    return None


def check_signer_certificates(reader: PdfFileReader, report: VerifyReport) -> None:
    """Every signature's certificate (the one inside its CMS) is one for signing documents,
    valid when a trusted signature timestamp says the signature was made."""
    from datetime import datetime

    try:
        sigs = [s for s in reader.embedded_signatures if s.sig_object_type == "/Sig"]
        stamps = {s.field: s.timestamp for s in report.signers}
        for sig in sigs:
            der = signer_certificate(sig.pkcs7_content)
            if der is None:
                continue  # the signature checks already failed it
            cert = x509.load_der_x509_certificate(der)
            name = str(sig.field_name)
            why = certificate_purpose_problem(cert)
            if why is not None:
                report.add("signature.intact", False, "verify_extra.signer_" + why, field=name)
            stamp = stamps.get(name)
            if stamp is None:
                continue
            moment = datetime.fromisoformat(stamp)
            if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
                report.add("signature.intact", False, "verify_extra.signer_not_valid_then",
                           field=name, time=stamp,
                           start=cert.not_valid_before_utc.isoformat(),
                           end=cert.not_valid_after_utc.isoformat())
    except PARSE_ERRORS as exc:
        log.info("signer certificates could not be examined (%s)", type(exc).__name__)


def level_check(reader: PdfFileReader, report: VerifyReport,
                add: Callable[[PdfFileReader, VerifyReport], object]) -> None:
    """Run the PAdES level check ``add``; a damaged file it cannot read costs only that
    line (the signature checks have already failed it), not the rest of the report."""
    try:
        add(reader, report)
    except PARSE_ERRORS as exc:
        log.info("the PAdES level cannot be determined (%s)", type(exc).__name__)


def _embedded_streams(reader: PdfFileReader) -> list[generic.StreamObject]:
    """The streams of the ``/EmbeddedFiles`` name tree (depth and count bounded)."""
    tree = _get(_get(reader.root, "/Names"), "/EmbeddedFiles")
    streams: list[generic.StreamObject] = []
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack and len(streams) < _MAX_FILES:
        node, depth = stack.pop()
        if not isinstance(node, generic.DictionaryObject) or depth > 32:
            continue
        kids = _get(node, "/Kids")
        if isinstance(kids, generic.ArrayObject):
            stack.extend((kids[i], depth + 1) for i in range(min(len(kids), _MAX_FILES)))
        pairs = _get(node, "/Names")
        if not isinstance(pairs, generic.ArrayObject):
            continue
        for i in range(1, min(len(pairs), 2 * _MAX_FILES), 2):
            ef = _get(pairs[i], "/EF")
            for key in ("/F", "/UF"):
                stream = _get(ef, key)
                if isinstance(stream, generic.StreamObject):
                    streams.append(stream)
                    break
    return streams


def _inflated_size(stream: generic.StreamObject, budget: int) -> int:
    """How many bytes a Flate-encoded stream decodes to, counting at most ``budget + 1``
    (nothing is kept); other encodings count as their encoded size."""
    filters = _get(stream, "/Filter")
    if isinstance(filters, generic.ArrayObject) and len(filters) == 1:
        filters = filters[0]
    encoded = stream.encoded_data
    if filters != "/FlateDecode":
        return len(encoded)
    inflater = zlib.decompressobj()
    total, pos = 0, 0
    pending = b""
    while total <= budget:
        if inflater.unconsumed_tail:
            pending = inflater.unconsumed_tail
        elif pos < len(encoded):
            pending = encoded[pos : pos + _CHUNK]
            pos += _CHUNK
        else:
            break
        total += len(inflater.decompress(pending, _CHUNK))
        if inflater.eof:
            break
    return total


def attachments_fit(reader: PdfFileReader, path: Path, report: VerifyReport) -> bool:
    """False (and a failed ``attachments.readable`` check) when the attachments would
    decode to more than the larger of 1 GiB and 20 times the file's size."""
    try:
        budget = max(_MIN_DECODED, _INFLATE * path.stat().st_size)
        used = 0
        for stream in _embedded_streams(reader):
            used += _inflated_size(stream, budget - used)
            if used > budget:
                report.add("attachments.readable", False, "verify_extra.attachments_bomb",
                           limit=budget // (1 << 20))
                return False
    except PARSE_ERRORS as exc:
        log.info("attachment sizes could not be read (%s)", type(exc).__name__)
    return True


def _is_os_file(name: str) -> bool:
    return name.lower() in _OS_FILES or name.startswith("._")


def check_side_folder(bundle: Path, manifest: dict[str, Any], report: VerifyReport) -> None:
    """Files in the side folder that the signed manifest does not list fail: they are not
    part of the bundle and nothing vouches for them, yet a reader may take them for
    evidence."""
    listed: set[str] = set()
    folders: set[str] = {f"{bundle.stem}-files"}
    for entry in manifest.get("files") or []:
        if not isinstance(entry, dict) or entry.get("location") != LOCATION_SIDE:
            continue
        rel = PurePosixPath(str(entry.get("path") or ""))
        if len(rel.parts) == 2:
            folders.add(rel.parts[0])
            listed.add(str(rel))
    extra: list[str] = []
    for folder in sorted(folders):
        directory = bundle.parent / folder
        if "/" in folder or folder in ("", ".", "..") or not directory.is_dir():
            continue
        try:
            names = sorted(p.name for p in directory.iterdir())
        except OSError:
            continue
        extra.extend(f"{folder}/{n}" for n in names
                     if f"{folder}/{n}" not in listed and not _is_os_file(n))
    if extra:
        report.add("side.files", False, "verify_extra.side_unlisted", files=short_list(extra))
