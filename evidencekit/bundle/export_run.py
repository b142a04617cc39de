"""One export run's working state: reading each item's parts once, choosing what is
embedded and what goes to the side folder, previews, timestamp tokens and the item views
the layout draws. :func:`evidencekit.bundle.export.export_bundle` drives it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import logging
import os
import secrets
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib.units import mm

from evidencekit.bundle import images
from evidencekit.bundle.attachments import (
    REL_DATA,
    REL_SOURCE,
    Attachment,
)
from evidencekit.bundle.layout import FRAME_HEIGHT, FRAME_WIDTH
from evidencekit.bundle.layout_chat import prepare_chat_section
from evidencekit.bundle.layout_items import PREVIEW_BOX, ItemView, PartView
from evidencekit.bundle.manifest import (
    LOCATION_EMBEDDED,
    LOCATION_OMITTED,
    LOCATION_SIDE,
    BundleFile,
    NameAllocator,
)
from evidencekit.bundle.media_previews import VideoFacts, text_page_preview, video_page_preview
from evidencekit.bundle.source import BundleSource
from evidencekit.errors import IntegrityError
from evidencekit.model import Item, Progress
from evidencekit.previews import MAX_PREVIEW_BYTES, preview_kind
from evidencekit.similar.bundle_view import copy_map
from evidencekit.vault.atomic import fsync_dir, track_temp

__all__ = ["ExportRun", "HashingFile"]

log = logging.getLogger(__name__)

MB = 1024 * 1024
#: Originals embedded in the PDF in all, at most (the exporter holds them in memory until
#: the PDF is written); the rest go to the side folder, like a single part larger than
#: ``max_embed_mb``. Never below ``max_embed_mb``, so one part that may be embedded is.
EMBED_BUDGET = 256 * MB
#: Parts up to this size are read back for a page image even when not embedded.
PREVIEW_READ_LIMIT = 64 * MB
TEXT_PREVIEW_LIMIT = 256 * 1024
LINK_SUMMARY_LIMIT = 4 * 1024 * 1024
MAX_PICTURES_PER_ITEM = 4


class _Bounded(io.BytesIO):
    """An in-memory sink that refuses to grow beyond ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._limit = limit

    def write(self, b: Any) -> int:
        if self.tell() + len(b) > self._limit:
            raise IntegrityError("bundle.part_oversize")
        return super().write(b)


class HashingFile:
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


def _wants_bytes(media_type: str, name: str = "", item_kind: str = "file") -> str | None:
    mt = media_type.lower().split(";", 1)[0].strip()
    if mt in images.IMAGE_TYPES:
        return "image"
    if mt == "application/pdf":
        return "pdf"
    if mt == "text/plain":
        return "text"
    if item_kind == "file":  # a file the person added: its video or text gets a preview too
        kind = preview_kind(mt, name)
        if kind in ("video", "text"):
            return kind
    return None


def _make_preview(kind: str, data: bytes, blur: bool
                  ) -> tuple[images.Preview, VideoFacts | None]:
    """A part's page image (and a video's facts); runs in the export's thread pool."""
    box_w, box_h = FRAME_WIDTH, PREVIEW_BOX[1]
    cont_h = FRAME_HEIGHT - 16 * mm
    if kind == "video":
        return video_page_preview(data, max_w_pt=box_w, max_h_pt=box_h, blur=blur)
    if kind == "text":
        return text_page_preview(data, max_w_pt=box_w, max_h_pt=box_h, blur=blur), None
    if kind == "pdf":
        return images.preview_pdf(data, max_w_pt=box_w, max_h_pt=box_h, cont_h_pt=cont_h,
                                  blur=blur), None
    return images.preview_image(data, max_w_pt=box_w, max_h_pt=box_h, cont_h_pt=cont_h,
                                blur=blur), None


class ExportRun:
    """The state of one export run (so cleanup knows what to remove)."""

    def __init__(self, source: BundleSource, out_path: Path, *, blur: bool, originals: bool,
                 max_embed: int, progress: Progress | None, chat_all: bool = False) -> None:
        self.source = source
        self.chat_all = chat_all
        self.out_path = out_path
        self.blur = blur
        self.originals = originals
        self.max_embed = max_embed
        self.embed_left = max(EMBED_BUDGET, max_embed)
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
            sink = HashingFile(fh)
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
        pending: list[tuple[ItemView, int,
                            Future[tuple[images.Preview, VideoFacts | None]]]] = []
        copies = copy_map(self.source.items())
        for item in items:
            view = ItemView(item=item, parts=[], copies=copies.copies_of(item.number))
            pictures = 0
            # A blurred bundle blurs a file's text like its pictures (drawn, then blurred);
            # an incident account or a page's text stays printed as text.
            text_picture = self.blur and item.kind == "file"
            for index, part in enumerate(item.parts):
                name = self.names.part_name(item.number, part.name, index)
                want = (_wants_bytes(part.media_type, part.name, item.kind)
                        if item.kind != "chat" else None)
                if want == "text" and part.size > TEXT_PREVIEW_LIMIT and not text_picture:
                    want = None
                if want == "video" and part.size > min(PREVIEW_READ_LIMIT, MAX_PREVIEW_BYTES):
                    want = None
                if want in ("image", "pdf", "video") and pictures >= MAX_PICTURES_PER_ITEM:
                    want = None
                data: bytes | None = None
                desc = f"Item {item.number}, part {index + 1}: {part.name}"
                if self.originals and part.size <= min(self.max_embed, self.embed_left):
                    self.embed_left -= part.size
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
                    if want == "text" and not text_picture:
                        view.texts.append((index, data.decode("utf-8", errors="replace")))
                    else:
                        pictures += 1
                        pending.append(
                            (view, index, self.pool.submit(_make_preview, want, data, self.blur))
                        )
                elif want in ("image", "pdf", "video"):
                    pictures += 1
                    view.previews.append((index, images.Preview(problem="bundle.preview.big")))
                done += 1
                if self.progress is not None:
                    self.progress(done, total, "bundle.progress.read")
            if item.kind == "chat":
                view.chat = prepare_chat_section(item, self.read_memory, chat_all=self.chat_all)
            views.append(view)
        for view, index, fut in pending:
            preview, video = fut.result()
            view.previews.append((index, preview))
            if video is not None:
                view.videos[index] = video
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
