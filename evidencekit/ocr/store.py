"""Which items get their text read, and how the text is kept: in the item's encrypted
metadata under ``"ocr"`` (never anywhere else)::

    "ocr": {"version": 1, "engine": "tesseract 5.5.4", "langs": "kor+eng",
            "confidence": 82, "parts": ["screenshot.png"], "text": "…",
            "links": ["t.me/…", "https://…"], "handles": ["@…"], "failed": []}

Storing it is one ``text_read`` custody event (with the text's SHA-256, not the text).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from evidencekit.model import Item, Progress
from evidencekit.ocr.engine import engine_version, read_bytes
from evidencekit.ocr.links import find_handles, find_links

__all__ = ["META_KEY", "wants_text", "read_item_text", "store_text", "read_texts",
           "TextRun", "links_seen"]

log = logging.getLogger(__name__)

META_KEY = "ocr"
VERSION = 1
MAX_TEXT = 100_000
MAX_PARTS = 3
MAX_BYTES = 64 * 1024 * 1024
_KINDS = ("screenshot", "link", "file")


def _picture_parts(item: Item) -> list[int]:
    return [i for i, p in enumerate(item.parts)
            if p.media_type.startswith("image/") and p.size <= MAX_BYTES][:MAX_PARTS]


def wants_text(item: Item, force: bool = False) -> bool:
    """A live screenshot, page rendering or picture file whose text was not read yet."""
    if item.state != "active" or item.kind not in _KINDS or not _picture_parts(item):
        return False
    return force or not isinstance(item.metadata.get(META_KEY), dict)


def links_seen(item: Item) -> tuple[list[str], list[str]]:
    """The links and handles read from the item's pictures."""
    data = item.metadata.get(META_KEY)
    if not isinstance(data, dict):
        return [], []
    return ([str(x) for x in data.get("links") or []],
            [str(x) for x in data.get("handles") or []])


def read_item_text(item: Item, read: Callable[[int], bytes]) -> dict[str, Any]:
    """OCR of the item's picture parts (read through ``read(index)``, which re-hashes)."""
    texts: list[str] = []
    names: list[str] = []
    failed: list[str] = []
    confidence: list[int] = []
    indices = _picture_parts(item)
    for index in indices:
        name = item.parts[index].name
        try:
            result = read_bytes(read(index))
        except ValueError as exc:
            log.info("no text read from a part: %s", exc)
            failed.append(name)
            continue
        names.append(name)
        confidence.append(result.confidence)
        texts.append(result.text if len(indices) == 1 else f"[{name}]\n{result.text}")
    text = "\n\n".join(t for t in texts if t.strip())[:MAX_TEXT]
    return {"version": VERSION, "engine": engine_version(), "langs": "kor+eng",
            "confidence": min(confidence) if confidence else 0, "parts": names,
            "text": text, "links": find_links(text), "handles": find_handles(text),
            "failed": failed}


class _Vault(Protocol):
    def items(self, include_deleted: bool = False) -> list[Item]: ...
    def read_part_bytes(self, item: Item, index: int = 0) -> bytes: ...
    def update_metadata(self, number: int, updates: dict[str, Any], event: str,
                        details: dict[str, Any] | None = None) -> Item: ...


def store_text(vault: _Vault, item: Item, data: dict[str, Any]) -> Item:
    """Keep the text with the item (one ``text_read`` custody event)."""
    text = str(data.get("text", ""))
    return vault.update_metadata(item.number, {META_KEY: data}, "text_read", {
        "engine": data.get("engine"), "langs": data.get("langs"), "chars": len(text),
        "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "links": len(data.get("links") or []), "parts": data.get("parts"),
        "failed": data.get("failed")})


@dataclass
class TextRun:
    read: list[int] = field(default_factory=list)
    with_links: list[int] = field(default_factory=list)


def read_texts(vault: _Vault, *, force: bool = False, numbers: Iterable[int] | None = None,
               progress: Progress | None = None,
               cancelled: Callable[[], bool] | None = None) -> TextRun:
    """Read and keep the text of every item that wants it (``rehash --text``)."""
    wanted = set(numbers) if numbers is not None else None
    todo = [i for i in vault.items() if wants_text(i, force)
            and (wanted is None or i.number in wanted)]
    run = TextRun()
    for done, item in enumerate(todo):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(done, len(todo), "ocr.progress.reading")
        data = read_item_text(item, functools.partial(vault.read_part_bytes, item))
        store_text(vault, item, data)
        run.read.append(item.number)
        if data["links"] or data["handles"]:
            run.with_links.append(item.number)
    if progress is not None:
        progress(len(todo), len(todo), "ocr.progress.reading")
    return run
