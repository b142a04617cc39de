"""Exporting a signed PDF evidence bundle from a vault (or any :class:`BundleSource`).

:func:`export_bundle` reads the chosen items' parts once each (checking every hash), makes
the page images in memory, lays out the PDF, attaches the originals, the manifest and the
signer certificate, signs the file with the vault identity and moves it into place
atomically. Parts larger than ``max_embed_mb`` are streamed straight into a side folder
``<bundle stem>-files/`` beside the PDF. Finally a custody event ``exported`` naming the
bundle's SHA-256 is logged in the vault.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

from cryptography.x509.oid import NameOID

from evidencekit.bundle.attachments import (
    REL_DATA,
    Attachment,
    assemble,
)
from evidencekit.bundle.export_options import (
    Declaration,
    build_id,
    declaration_fields,
    resolve_zone,
)
from evidencekit.bundle.export_run import ExportRun
from evidencekit.bundle.layout import LayoutInput, build_layout
from evidencekit.bundle.layout_custody import deletions_in_range, deletions_public
from evidencekit.bundle.manifest import (
    CERT_NAME,
    MANIFEST_NAME,
    build_manifest,
    certificate_pem,
    certificate_sha256,
    chain_records,
    display_fingerprint,
    manifest_bytes,
)
from evidencekit.bundle.pdfa import prepare_layout
from evidencekit.bundle.signing import sign_in_place
from evidencekit.bundle.source import BundleSource
from evidencekit.bundle.styles import LANG_CHOICES
from evidencekit.errors import InputError, IntegrityError, StorageError
from evidencekit.model import Item, Progress, now_utc
from evidencekit.vault.atomic import fsync_dir, track_temp, untrack_temp
from evidencekit.vault.custody import verify_chain, verify_head

__all__ = ["ExportResult", "export_bundle", "parse_item_ranges"]

log = logging.getLogger(__name__)

MB = 1024 * 1024
_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")
_MAX_RANGE = 1_000_000


@dataclass(frozen=True)
class ExportResult:
    """The written bundle: path, SHA-256 (hex), signer fingerprint (SHA-256 of the
    certificate, lower-case hex like ``vault.identity.fingerprint``), pages, side files."""

    path: Path
    sha256: str
    fingerprint: str
    pages: int
    side_files: list[Path] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    size: int = 0
    signature_timestamp: bool = False
    document_timestamp: bool = False


def parse_item_ranges(text: str) -> list[int]:
    """``"1,3-7"`` → ``[1, 3, 4, 5, 6, 7]`` (sorted, unique). Raises :class:`InputError`."""
    numbers: set[int] = set()
    if not text or not text.strip():
        raise InputError("bundle.bad_items", text=text)
    for chunk in text.split(","):
        m = _RANGE.match(chunk)
        if m is None:
            raise InputError("bundle.bad_items", text=text)
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) else first
        if first < 1 or last < first or last - first > _MAX_RANGE:
            raise InputError("bundle.bad_items", text=text)
        numbers.update(range(first, last + 1))
    return sorted(numbers)


def _remove_stale_temp(out: Path, suffix: str) -> None:
    """Delete hidden temp files a killed export of this same bundle left beside it (they
    may hold evidence in the clear)."""
    for stale in out.parent.glob(f".{glob_escape(out.name)}.*{suffix}"):
        try:
            stale.unlink()
            log.info("removed a temp file left by an interrupted export")
        except OSError:
            log.warning("could not remove a temp file left by an interrupted export")


def _select(source: BundleSource, numbers: Sequence[int] | None) -> list[Item]:
    if numbers is None:
        chosen = [i for i in source.items() if i.state != "deleted"]
    else:
        chosen = []
        for n in sorted(set(numbers)):
            item = source.item(n)
            if item.state == "deleted":
                raise InputError("bundle.item_deleted", number=n)
            chosen.append(item)
    if not chosen:
        raise InputError("bundle.no_items")
    return sorted(chosen, key=lambda i: i.number)


def _check_custody(source: BundleSource, cert: Any, items: Iterable[Item]) -> tuple[
    list[Any], dict[str, Any]
]:
    """The chain with the bodies of ``items``' events disclosed, checked against the
    signed head (``items`` include the deleted ones within the exported range)."""
    events = source.events()
    head = source.log_head()
    records = chain_records(events, [i.id for i in items])
    problems: list[str] = list(verify_chain(records))
    if records and (head.get("seq") != records[-1].seq or head.get("hash") != records[-1].hash):
        problems.append("head does not match the last event")
    try:
        signature = base64.b64decode(str(head.get("signature", "")), validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    if not records or not verify_head(
        cert, source.vault_id, int(head.get("seq", 0)), str(head.get("hash")), signature
    ):
        problems.append("head signature does not verify")
    if problems:
        log.error("custody log check failed before export: %s", problems[0])
        raise IntegrityError("bundle.custody_broken", detail=problems[0])
    return records, head


def chain_records_subset(records: list[Any], item_ids: set[str]) -> list[Any]:
    """``records`` with the bodies of events about items outside ``item_ids`` withheld."""
    out = []
    for rec in records:
        body = rec.body
        if body is not None and body.get("item_id") is not None and (
                str(body.get("item_id")) not in item_ids):
            rec = replace(rec, body=None)
        out.append(rec)
    return out


def _holder_name(cert: Any) -> str:
    """The vault owner's name or pseudonym as the identity certificate states it."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def export_bundle(
    source: BundleSource,
    out_path: str | os.PathLike[str],
    *,
    items: list[int] | None = None,
    title: str = "",
    prepared_by: str = "",
    blur: bool = False,
    originals: bool = True,
    lang: str = "both",
    max_embed_mb: float = 200,
    timestamper: Any = None,
    progress: Progress | None = None,
    chat_all: bool = False,
    declaration: Declaration | None = None,
    zone: str | None = None,
    hide_location: bool = False,
) -> ExportResult:
    """Export a signed PDF evidence bundle to ``out_path``.

    :param source: the open vault (anything implementing :class:`BundleSource`).
    :param out_path: the PDF to write; replaced atomically, never left half-written.
    :param items: item numbers to export (default: every item not deleted).
    :param title: case title printed on the cover.
    :param prepared_by: the person or centre preparing the bundle.
    :param blur: print images strongly blurred (originals stay exact unless ``originals``
        is false).
    :param originals: attach the original files (else only hashes are listed).
    :param lang: ``ko``, ``en`` or ``both`` for the printed pages.
    :param max_embed_mb: parts larger than this go to ``<stem>-files/`` beside the PDF.
    :param timestamper: a pyHanko ``TimeStamper`` for a B-T signature and a document
        timestamp; when unreachable the bundle is signed without (see the result).
    :param progress: ``progress(done, total, message_key)`` callback.
    :param chat_all: print every message of chat items (default: the key messages).
    :param declaration: the preparer's statement fields (case number, recipient, role,
        organisation, contact); empty ones are printed as blank lines to fill in by hand.
    :param zone: IANA zone every time is printed in (default: Korea for a Korean bundle,
        see :func:`~evidencekit.bundle.export_options.resolve_zone`); UTC is printed beside.
    :param hide_location: keep GPS positions off the pages (the originals keep them).
    :raises InputError: bad options or item numbers.
    :raises IntegrityError: a part or the custody log failed its check (nothing written).
    :raises StorageError: the bundle could not be written (nothing left behind).

    Runs pyHanko through ``asyncio.run``: call it from a worker thread, never from a thread
    that is running an asyncio event loop.
    """
    if lang not in LANG_CHOICES:
        raise InputError("bundle.bad_lang", lang=lang)
    if not max_embed_mb or max_embed_mb <= 0:
        raise InputError("bundle.bad_max_embed", value=max_embed_mb)
    out = Path(out_path)
    if out.is_dir():
        raise InputError("bundle.out_is_dir", path=str(out))
    if not out.parent.is_dir():
        raise InputError("bundle.out_dir_missing", path=str(out.parent))
    chosen = _select(source, items)
    tz = resolve_zone(zone, lang, chosen)
    decl = declaration or Declaration()
    key, cert = source.identity()
    fingerprint = certificate_sha256(cert)
    all_items = source.items(include_deleted=True)
    deleted_ids = [i for i in all_items if i.state == "deleted"]
    records, head = _check_custody(source, cert, [*chosen, *deleted_ids])
    deletions = deletions_in_range(all_items, [i.number for i in chosen], items is None,
                                   records)
    wanted = {i.id for i in chosen} | {d.item_id for d in deletions}
    records = chain_records_subset(records, wanted)
    run = ExportRun(source, out, blur=blur, originals=originals,
                  max_embed=int(max_embed_mb * MB), progress=progress, chat_all=chat_all)
    _remove_stale_temp(out, ".tmp")
    tmp = out.parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
    track_temp(tmp)  # a kill leaves no temp file: removed at the next start
    try:
        views = run.collect(chosen)
        exported_at = now_utc().replace(microsecond=0)
        local = exported_at.astimezone(tz)
        zone_name = getattr(tz, "key", str(tz))
        bundle_id = f"EK-{local:%Y%m%d}-{secrets.token_hex(3).upper()}"
        layout_in = LayoutInput(
            title=title, prepared_by=prepared_by, lang=lang, exported_at=exported_at,
            exported_at_local=local, timezone=zone_name, vault_id=source.vault_id,
            fingerprint=display_fingerprint(fingerprint),
            signer_subject=cert.subject.rfc4514_string(),
            items=views, records=records, head=head, bundle_name=out.name,
            side_dir=run.side_dir_name if run.side_files else None, blur=blur,
            originals=originals, zone=tz, declaration=decl, bundle_id=bundle_id,
            holder=_holder_name(cert), build=build_id(), deletions=deletions,
            hide_location=hide_location, self_signed=cert.issuer == cert.subject,
        )
        layout_pdf, pages = build_layout(layout_in, progress)
        cert_pem = certificate_pem(cert).encode("ascii")
        run._add(CERT_NAME, cert_pem, "application/x-pem-file", "certificate", None, None,
                 REL_DATA, "Signer certificate (vault identity), PEM")
        run.temp_files.append(tmp)
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        # the signed manifest declares the timestamps the bundle carries (verify fails a
        # bundle missing one); when the authority fails, the bundle is made again declaring
        # what it could get
        declared = {"signature": timestamper is not None, "document": timestamper is not None}
        with os.fdopen(fd, "w+b") as fh:
            chain: tuple[Any, ...] = getattr(source, "identity_chain", tuple)()  # CA issuers
            prepared = prepare_layout(layout_pdf, created=exported_at)
            while True:
                manifest = build_manifest(
                    vault_id=source.vault_id, exported_at=exported_at,
                    exported_at_local=local, timezone=zone_name, title=title,
                    prepared_by=prepared_by, cert=cert, items=chosen, files=run.files,
                    tokens=run.tokens, records=records, head=head, pages=pages,
                    options={"blur": blur, "originals": originals, "lang": lang,
                             "max_embed_mb": max_embed_mb,
                             "timestamp_requested": timestamper is not None,
                             "timestamps": dict(declared),
                             "zone": zone_name, "hide_location": hide_location},
                    court={"bundle_id": bundle_id, "statement": declaration_fields(decl),
                           "build": build_id(), "holder": _holder_name(cert),
                           "deletions": deletions_public(deletions)},
                )
                attachments = [*run.attachments, Attachment(
                    MANIFEST_NAME, manifest_bytes(manifest), "application/json",
                    "Machine-readable manifest (items, hashes, custody chain)", REL_DATA)]
                fh.seek(0)
                fh.truncate()
                assemble(prepared, attachments, fh, modified=exported_at, progress=progress)
                if progress is not None:
                    progress(0, 1, "bundle.progress.sign")
                outcome = sign_in_place(
                    fh, key, cert, timestamper=timestamper if declared["signature"] else None,
                    document_timestamp=declared["document"], chain=chain)
                got = {"signature": outcome.signature_timestamp,
                       "document": outcome.document_timestamp}
                if got == declared:
                    break
                log.warning("time-stamp authority failed during export; signing again "
                            "without the missing timestamp")
                declared = {"signature": got["signature"],
                            "document": got["signature"] and got["document"]}
            run.attachments.clear()
            fh.flush()
            os.fsync(fh.fileno())
            fh.seek(0)
            digest = hashlib.sha256()
            size = 0
            while chunk := fh.read(4 * MB):
                digest.update(chunk)
                size += len(chunk)
        os.replace(tmp, out)
        run.temp_files.remove(tmp)
        fsync_dir(out.parent)
    except OSError as exc:
        run.cleanup()
        log.error("bundle could not be written (%s)", exc.strerror or type(exc).__name__)
        raise StorageError("bundle.write_failed", path=str(out),
                           reason=exc.strerror or str(exc)) from exc
    except BaseException:
        run.cleanup()
        raise
    finally:
        run.pool.shutdown(wait=True, cancel_futures=True)
        untrack_temp(tmp, run.side_dir, *run.side_files, *run.temp_files)
    sha = digest.hexdigest()
    numbers = [i.number for i in chosen]
    source.log_event("exported", bundle_sha256=sha, items=numbers, file_name=out.name)
    if progress is not None:
        progress(1, 1, "bundle.progress.done")
    log.info("bundle exported: %d items, %d pages", len(numbers), pages)
    return ExportResult(
        path=out, sha256=sha, fingerprint=fingerprint, pages=pages,
        side_files=list(run.side_files), items=numbers, size=size,
        signature_timestamp=outcome.signature_timestamp,
        document_timestamp=outcome.document_timestamp,
    )
