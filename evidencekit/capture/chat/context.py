"""What a chat parser is given and fills: the export's files, the user's zone, a resolver
from the export's relative paths to item parts, the transcript writer, and per-file
warnings (shown to the user and kept in the item's metadata)."""

from __future__ import annotations

import logging
import posixpath
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from evidencekit.capture.chat.transcript import ChatInfo, Media, Message, TranscriptWriter
from evidencekit.model import Progress

__all__ = ["ParseContext", "Warning_", "localize"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Warning_:
    """A problem with one file of the export: message key, the file, parameters."""

    key: str
    file: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "file": self.file, **self.params}


def localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time of ``zone`` as an aware datetime (the first of two on a fold)."""
    return naive.replace(tzinfo=zone)


def _norm(path: str) -> str:
    return unicodedata.normalize("NFC", posixpath.normpath(path.replace("\\", "/")))


class ParseContext:
    """State shared by the importer and one parser run."""

    def __init__(self, root: Path, files: list[str], zone: str,
                 progress: Progress | None = None, *, on_demand: bool = False) -> None:
        self.root = root
        self.zone_name = zone
        self.zone = ZoneInfo(zone)
        self.writer = TranscriptWriter()
        self.warnings: list[Warning_] = []
        self.chats: list[ChatInfo] = []
        self.export: dict[str, Any] = {}  # the export's own metadata (saved date, …)
        self.variant = ""
        self.zone_used = False  # a time of the export was read in the user's zone
        self.progress = progress
        self.files = files
        self.on_demand = on_demand  # a single file was given: add the media it names
        self._parts = {_norm(f): i for i, f in enumerate(files)}
        self.referenced: set[int] = set()

    def warn(self, key: str, file: str, **params: Any) -> None:
        if len(self.warnings) < 1000:
            self.warnings.append(Warning_(key, file, params))
        log.info("chat import warning %s", key)

    def part_for(self, relative: str, base: str = "") -> int | None:
        """The part index of a file the export refers to (relative to ``base``)."""
        joined = posixpath.join(posixpath.dirname(base), relative) if base else relative
        key = _norm(joined)
        index = self._parts.get(key)
        if index is None and self.on_demand:
            index = self._add_file(key)
        if index is not None:
            self.referenced.add(index)
        return index

    def _add_file(self, rel: str) -> int | None:
        """A file under the root named by the export (never outside it, never a link)."""
        if rel.startswith(("../", "/")) or rel == ".." or "/../" in rel:
            return None
        path = self.root / rel
        try:
            if path.is_symlink() or not path.is_file():
                return None
        except OSError:
            return None
        self.files.append(rel)
        self._parts[rel] = len(self.files) - 1
        return len(self.files) - 1

    def media(self, kind: str, ref: str | None, base: str = "",
              mime_type: str | None = None) -> Media:
        """A media entry for a path or placeholder string the export wrote."""
        if not ref:
            return Media(kind=kind, gap="no_file", mime_type=mime_type)
        text = ref.strip()
        if text.startswith("(") and text.endswith(")") or "not included" in text.lower():
            return Media(kind=kind, gap=text, mime_type=mime_type)
        if "://" in text or text.startswith(("#", "javascript:", "data:")):
            return Media(kind=kind, gap=text, mime_type=mime_type)
        index = self.part_for(text, base)
        if index is None:
            return Media(kind=kind, path=text, gap="missing_file", mime_type=mime_type)
        return Media(kind=kind, path=text, part=index, mime_type=mime_type)

    def emit(self, m: Message) -> None:
        self.writer.add(m)
        n = len(self.writer)
        if self.progress is not None and n % 5000 == 0:
            self.progress(n, 0, "chat.progress.parsing")
