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
import io
import json
import logging
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from glob import escape as glob_escape
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib.units import mm

from evidencekit.bundle import images
from evidencekit.bundle.attachments import (
    REL_DATA,
    REL_SOURCE,
    Attachment,
    assemble,
)
from evidencekit.bundle.layout import FRAME_HEIGHT, FRAME_WIDTH, LayoutInput, build_layout
from evidencekit.bundle.layout_chat import prepare_chat_section
from evidencekit.bundle.layout_items import PREVIEW_BOX, ItemView, PartView
from evidencekit.bundle.manifest import (
    CERT_NAME,
    LOCATION_EMBEDDED,
    LOCATION_OMITTED,
    LOCATION_SIDE,
    MANIFEST_NAME,
    BundleFile,
    NameAllocator,
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
from evidencekit.model import Item, Progress, local_zone_name, now_utc
from evidencekit.similar.bundle_view import copy_map
from evidencekit.vault.atomic import fsync_dir, track_temp, untrack_temp
from evidencekit.vault.custody import verify_chain, verify_head

__all__ = ["ExportResult", "export_bundle", "parse_item_ranges"]

log = logging.getLogger(__name__)

MB = 1024 * 1024
#: Parts up to this size are read back for a page image even when not embedded.
PREVIEW_READ_LIMIT = 64 * MB
TEXT_PREVIEW_LIMIT = 256 * 1024
LINK_SUMMARY_LIMIT = 4 * 1024 * 1024
MAX_PICTURES_PER_ITEM = 4
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


class _Bounded(io.BytesIO):
    """An in-memory sink that refuses to grow beyond ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._limit = limit

    def write(self, b: Any) -> int:
        if self.tell() + len(b) > self._limit:
            raise IntegrityError("bundle.part_oversize")
        return super().write(b)


class _HashingFile:
    """A write-only file wrapper hashing what passes through (for side files)."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, b: Any) -> int:
        self.hash.update(b)
        self.size += len(b)
        return self._fh.write(b)

    def flush(self) -> None:
        self._fh.flush()


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


def _wants_bytes(media_type: str) -> str | None:
    mt = media_type.lower().split(";", 1)[0].strip()
    if mt in images.IMAGE_TYPES:
        return "image"
    if mt == "application/pdf":
        return "pdf"
    if mt == "text/plain":
        return "text"
    return None


def _make_preview(kind: str, data: bytes, blur: bool) -> images.Preview:
    box_w, box_h = FRAME_WIDTH, PREVIEW_BOX[1]
    cont_h = FRAME_HEIGHT - 16 * mm
    if kind == "pdf":
        return images.preview_pdf(data, max_w_pt=box_w, max_h_pt=box_h, cont_h_pt=cont_h,
                                  blur=blur)
    return images.preview_image(data, max_w_pt=box_w, max_h_pt=box_h, cont_h_pt=cont_h,
                                blur=blur)


class _Export:
    """The state of one export run (so cleanup knows what to remove)."""

    def __init__(self, source: BundleSource, out_path: Path, *, blur: bool, originals: bool,
                 max_embed: int, progress: Progress | None, chat_all: bool = False) -> None:
        self.source = source
        self.chat_all = chat_all
        self.out_path = out_path
        self.blur = blur
        self.originals = originals
        self.max_embed = max_embed
        self.progress = progress
        self.side_dir_name = f"{out_path.stem}-files"
        self.side_dir = out_path.parent / self.side_dir_name
        self.side_created = False
        self.side_files: list[Path] = []
        self.temp_files: list[Path] = []
        self.names = NameAllocator()
        self.files: list[BundleFile] = []
        self.attachments: list[Attachment] = []
        self.tokens: dict[tuple[int, int], tuple[str, str | None]] = {}
        self._chains: dict[str, str] = {}
        # Page images are made in threads (Pillow releases the GIL); few, to bound memory.
        self.pool = ThreadPoolExecutor(max_workers=max(1, min(3, os.cpu_count() or 1)))

    # -- reading -------------------------------------------------------------------------
    def read_memory(self, item: Item, index: int, limit: int) -> bytes:
        part = item.parts[index]
        sink = _Bounded(limit)
        self.source.read_part(item, index, sink)
        data = sink.getvalue()
        if len(data) != part.size or hashlib.sha256(data).hexdigest() != part.sha256:
            raise IntegrityError("bundle.part_mismatch", item=item.number, part=part.name)
        return data

    def write_side(self, item: Item, index: int, name: str) -> Path:
        part = item.parts[index]
        if not self.side_dir.exists():
            self.side_dir.mkdir()
            self.side_created = True
        final = self.side_dir / name
        tmp = self.side_dir / f".{name}.{secrets.token_hex(4)}.tmp"
        self.temp_files.append(tmp)
        track_temp(tmp, final, self.side_dir)  # a kill leaves none: removed at next start
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)
        with os.fdopen(fd, "wb") as fh:
            sink = _HashingFile(fh)
            self.source.read_part(item, index, sink)  # type: ignore[arg-type]
            fh.flush()
            os.fsync(fh.fileno())
        if sink.size != part.size or sink.hash.hexdigest() != part.sha256:
            raise IntegrityError("bundle.part_mismatch", item=item.number, part=part.name)
        os.replace(tmp, final)
        self.temp_files.remove(tmp)
        self.side_files.append(final)
        fsync_dir(self.side_dir)
        return final

    def _token(self, item: Item, index: int, file_name: str) -> str | None:
        ts = item.parts[index].timestamp or {}
        raw = ts.get("token")
        if not raw:
            return None
        try:
            token = base64.b64decode(str(raw), validate=True)
        except (binascii.Error, ValueError):
            log.warning("item %d part %d: timestamp token is not base64; left out",
                        item.number, index)
            return None
        token_name = self.names.take(f"{file_name}.tsr")
        self._add(token_name, token, "application/timestamp-reply", "timestamp_token",
                  item.number, index, REL_DATA,
                  f"RFC 3161 timestamp token for {file_name}")
        chain_name = None
        chain_pem = ts.get("chain_pem")
        if chain_pem:
            data = str(chain_pem).encode("utf-8")
            digest = hashlib.sha256(data).hexdigest()
            chain_name = self._chains.get(digest)
            if chain_name is None:
                chain_name = self.names.take(f"tsa-chain-{digest[:12]}.pem")
                self._chains[digest] = chain_name
                self._add(chain_name, data, "application/pem-certificate-chain", "tsa_chain",
                          None, None, REL_DATA, "Time-stamp authority certificate chain")
        self.tokens[(item.number, index)] = (token_name, chain_name)
        return token_name

    def _add(self, name: str, data: bytes, media_type: str, role: str, item: int | None,
             part: int | None, rel: str, description: str) -> None:
        self.attachments.append(Attachment(name, data, media_type, description, rel))
        self.files.append(
            BundleFile(name, role, media_type, hashlib.sha256(data).hexdigest(), len(data),
                       LOCATION_EMBEDDED, None, item, part, description)
        )

    def _link_summary(self, item: Item, index: int, data: bytes | None
                      ) -> dict[str, Any] | None:
        """A link's ``summary.json`` (for the redirect chain on its page), or None."""
        if data is None and item.parts[index].size <= LINK_SUMMARY_LIMIT:
            data = self.read_memory(item, index, LINK_SUMMARY_LIMIT)
        try:
            summary = json.loads(data or b"")
        except ValueError:
            log.info("summary.json of item %d is not JSON; no redirect chain", item.number)
            return None
        return summary if isinstance(summary, dict) else None

    def collect(self, items: list[Item]) -> list[ItemView]:
        total = sum(len(i.parts) for i in items)
        done = 0
        views: list[ItemView] = []
        pending: list[tuple[ItemView, int, Future[images.Preview]]] = []
        copies = copy_map(self.source.items())
        for item in items:
            view = ItemView(item=item, parts=[], copies=copies.copies_of(item.number))
            pictures = 0
            for index, part in enumerate(item.parts):
                name = self.names.part_name(item.number, part.name, index)
                want = _wants_bytes(part.media_type) if item.kind != "chat" else None
                if want == "text" and part.size > TEXT_PREVIEW_LIMIT:
                    want = None
                if want in ("image", "pdf") and pictures >= MAX_PICTURES_PER_ITEM:
                    want = None
                data: bytes | None = None
                desc = f"Item {item.number}, part {index + 1}: {part.name}"
                if self.originals and part.size <= self.max_embed:
                    data = self.read_memory(item, index, self.max_embed)
                    location, rel_path = LOCATION_EMBEDDED, None
                    self.attachments.append(Attachment(name, data, part.media_type, desc,
                                                       REL_SOURCE))
                elif self.originals:
                    path = self.write_side(item, index, name)
                    location, rel_path = LOCATION_SIDE, f"{self.side_dir_name}/{name}"
                    if want and part.size <= PREVIEW_READ_LIMIT:
                        data = path.read_bytes()
                else:
                    location, rel_path = LOCATION_OMITTED, None
                    if want and part.size <= PREVIEW_READ_LIMIT:
                        data = self.read_memory(item, index, PREVIEW_READ_LIMIT)
                self.files.append(
                    BundleFile(name, "part", part.media_type, part.sha256, part.size, location,
                               rel_path, item.number, index, desc)
                )
                token_file = self._token(item, index, name)
                view.parts.append(PartView(index, part, name, location, rel_path, token_file))
                if item.kind == "link" and part.name == "summary.json":
                    view.link_summary = self._link_summary(item, index, data)
                if item.kind == "link" and part.name == "exchange.warc.gz":
                    view.link_warc = data  # pictures for previews (None when not read)
                if want and data is not None:
                    if want == "text":
                        view.texts.append((index, data.decode("utf-8", errors="replace")))
                    else:
                        pictures += 1
                        pending.append(
                            (view, index, self.pool.submit(_make_preview, want, data, self.blur))
                        )
                elif want in ("image", "pdf"):
                    pictures += 1
                    view.previews.append((index, images.Preview(problem="bundle.preview.big")))
                done += 1
                if self.progress is not None:
                    self.progress(done, total, "bundle.progress.read")
            if item.kind == "chat":
                view.chat = prepare_chat_section(item, self.read_memory, chat_all=self.chat_all)
            views.append(view)
        for view, index, fut in pending:
            view.previews.append((index, fut.result()))
        for view in views:
            view.previews.sort(key=lambda p: p[0])
        return views

    def cleanup(self) -> None:
        for path in self.temp_files + self.side_files:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("could not remove %s (%s)", path.name, exc.strerror)
        if self.side_created:
            try:
                self.side_dir.rmdir()
            except OSError:
                log.debug("side folder not removed (not empty)")


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
    key, cert = source.identity()
    fingerprint = certificate_sha256(cert)
    records, head = _check_custody(source, cert, chosen)
    run = _Export(source, out, blur=blur, originals=originals,
                  max_embed=int(max_embed_mb * MB), progress=progress, chat_all=chat_all)
    _remove_stale_temp(out, ".tmp")
    tmp = out.parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
    track_temp(tmp)  # a kill leaves no temp file: removed at the next start
    try:
        views = run.collect(chosen)
        exported_at = now_utc().replace(microsecond=0)
        local = exported_at.astimezone()
        zone = local_zone_name()
        layout_in = LayoutInput(
            title=title, prepared_by=prepared_by, lang=lang, exported_at=exported_at,
            exported_at_local=local, timezone=zone, vault_id=source.vault_id,
            fingerprint=display_fingerprint(fingerprint),
            signer_subject=cert.subject.rfc4514_string(),
            items=views, records=records, head=head, bundle_name=out.name,
            side_dir=run.side_dir_name if run.side_files else None, blur=blur,
            originals=originals,
        )
        layout_pdf, pages = build_layout(layout_in, progress)
        cert_pem = certificate_pem(cert).encode("ascii")
        run._add(CERT_NAME, cert_pem, "application/x-pem-file", "certificate", None, None,
                 REL_DATA, "Signer certificate (vault identity), PEM")
        manifest = build_manifest(
            vault_id=source.vault_id, exported_at=exported_at, exported_at_local=local,
            timezone=zone, title=title, prepared_by=prepared_by, cert=cert, items=chosen,
            files=run.files, tokens=run.tokens, records=records, head=head, pages=pages,
            options={"blur": blur, "originals": originals, "lang": lang,
                     "max_embed_mb": max_embed_mb,
                     "timestamp_requested": timestamper is not None},
        )
        run.attachments.append(
            Attachment(MANIFEST_NAME, manifest_bytes(manifest), "application/json",
                       "Machine-readable manifest (items, hashes, custody chain)", REL_DATA)
        )
        run.temp_files.append(tmp)
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "w+b") as fh:
            assemble(prepare_layout(layout_pdf, created=exported_at), run.attachments, fh,
                     modified=exported_at, progress=progress)
            run.attachments.clear()
            if progress is not None:
                progress(0, 1, "bundle.progress.sign")
            chain: tuple[Any, ...] = getattr(source, "identity_chain", tuple)()  # CA issuers
            outcome = sign_in_place(fh, key, cert, timestamper=timestamper, chain=chain)
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
