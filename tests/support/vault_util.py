"""Helpers for vault tests: open the test vault, add bytes as an item, flip bytes."""

from __future__ import annotations

import io
from pathlib import Path

from evidencekit.model import Item, NewItem, PartInput
from evidencekit.vault import Vault

PASSPHRASE = "correct horse battery"


def open_vault(path: Path, writable: bool = True) -> Vault:
    return Vault.open(path, passphrase=PASSPHRASE, writable=writable)


def add_bytes(vault: Vault, data: bytes, name: str = "original.bin", *, title: str = "",
              source: str = "file.bin", notes: list[str] | None = None,
              kind: str = "file") -> Item:
    return vault.add_item(NewItem(kind=kind, title=title, source=source,
                                  parts=[PartInput(name=name, media_type="application/octet-stream",
                                                   data=data)],
                                  notes=notes or []))


def read_back(vault: Vault, number: int, part: int = 0) -> bytes:
    buf = io.BytesIO()
    vault.read_part(vault.item(number), part, buf)
    return buf.getvalue()


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0x5A
    path.write_bytes(bytes(data))


def blob_files(vault_dir: Path) -> list[Path]:
    return sorted(p for p in (vault_dir / "blobs").rglob("*") if p.is_file())
