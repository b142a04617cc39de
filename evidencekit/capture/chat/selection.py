"""Key messages of a chat item: ranges the user chose, each with a note.

Selections live in the item's metadata (``chat_key``: a list of ``{"ids", "note", "at"}``)
and every change is a custody event (``chat_messages_selected`` naming the message ids and
the note, or ``chat_selection_cleared``), written in the same transaction as the record.
"""

from __future__ import annotations

import re
from typing import Any

from evidencekit.capture.chat.transcript import Transcript
from evidencekit.errors import InputError
from evidencekit.model import Item, iso, now_utc

__all__ = ["KEY_FIELD", "parse_selection", "key_ids", "select_messages", "clear_selection"]

KEY_FIELD = "chat_key"
_PIECE = re.compile(r"^\s*(?:(\d+)\s*:)?\s*(-?\d+)\s*(?:-\s*(-?\d+)\s*)?$")
MAX_SELECTED = 100_000


def parse_selection(text: str, transcript: Transcript) -> list[str]:
    """Message ids picked by ``"12,40-45"`` (``"1:12-20"`` picks in the second chat of a
    whole-account export). Ranges take every message whose numeric id lies inside.
    Raises :class:`InputError` for bad text or when nothing matches."""
    wanted: list[tuple[int | None, int, int]] = []
    for chunk in (text or "").split(","):
        m = _PIECE.match(chunk)
        if m is None:
            raise InputError("chat.bad_selection", text=text)
        chat = int(m.group(1)) if m.group(1) is not None else None
        first = int(m.group(2))
        last = int(m.group(3)) if m.group(3) is not None else first
        if last < first:
            raise InputError("chat.bad_selection", text=text)
        wanted.append((chat, first, last))
    ids: list[str] = []
    for msg in transcript.messages:
        n = msg.number
        if n is None:
            continue
        for chat, first, last in wanted:
            if (chat is None or msg.chat == chat) and first <= n <= last:
                ids.append(msg.id)
                break
    if not ids:
        raise InputError("chat.nothing_selected", text=text)
    if len(ids) > MAX_SELECTED:
        raise InputError("chat.bad_selection", text=text)
    return ids


def key_ids(item: Item) -> dict[str, str]:
    """Selected message id → the note of the (last) selection that chose it."""
    out: dict[str, str] = {}
    selections = item.metadata.get(KEY_FIELD) if isinstance(item.metadata, dict) else None
    for sel in selections or []:
        if isinstance(sel, dict):
            for mid in sel.get("ids") or []:
                out[str(mid)] = str(sel.get("note") or "")
    return out


def select_messages(vault: Any, number: int, ids: list[str], note: str = "") -> Item:
    """Add a key-message selection to chat item ``number`` and log it."""
    if not ids:
        raise InputError("chat.nothing_selected", text="")
    item = vault.item(number)
    current = list(item.metadata.get(KEY_FIELD) or [])
    current.append({"ids": ids, "note": note, "at": iso(now_utc())})
    result: Item = vault.update_metadata(
        number, {KEY_FIELD: current}, "chat_messages_selected",
        {"messages": ids, "count": len(ids), "note": note})
    return result


def clear_selection(vault: Any, number: int) -> Item:
    """Remove every key-message selection of chat item ``number`` (logged)."""
    item = vault.item(number)
    before = sum(len(s.get("ids") or []) for s in item.metadata.get(KEY_FIELD) or []
                 if isinstance(s, dict))
    result: Item = vault.update_metadata(number, {KEY_FIELD: []}, "chat_selection_cleared",
                                         {"count": before})
    return result
