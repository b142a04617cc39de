"""Hostile pictures (audit finding 8): the GUI thumbnailer obeys the importer's bomb flag
and decodes with a size bound, so a 687 KB PNG of 13300 × 13300 pixels neither takes
gigabytes nor seconds."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

from evidencekit.model import Item, Part
from tests.conftest import ROOT


def bomb_png(side: int = 13300) -> bytes:
    """A valid greyscale PNG of side × side zero pixels, made without ever holding the
    pixels (rows streamed through zlib)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    comp = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    idat = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) +
            chunk(b"IEND", b""))


_PROBE = """
import resource, sys, time
from evidencekit.gui.thumbnails import make_pictures
data = open(sys.argv[1], 'rb').read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
pics = make_pictures(data, sharp=True)
took = time.monotonic() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(pics is not None, (after - before) // 1024, round(took, 2))
"""


def _probe(path: Path) -> tuple[bool, int, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", _PROBE, str(path)], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    made, mb, took = out.stdout.split()
    return made == "True", int(mb), float(took)


def test_bomb_png_is_not_decoded(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png())
    assert path.stat().st_size < 1_000_000
    made, grown_mb, took = _probe(path)
    assert not made
    assert grown_mb < 200, f"decoding took {grown_mb} MB"
    assert took < 3


def test_large_legit_jpeg_is_decoded_within_the_bound(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "photo.jpg"
    Image.new("RGB", (8000, 6000), (120, 30, 200)).save(path, quality=80)
    made, grown_mb, _took = _probe(path)
    assert made
    assert grown_mb < 200, f"decoding took {grown_mb} MB"


def _item(metadata: dict) -> Item:
    return Item(id="x", number=1, kind="file", title="", source="a.png",
                captured_at="2024-01-01T00:00:00+09:00",
                captured_at_utc="2023-12-31T15:00:00+00:00", timezone="Asia/Seoul",
                metadata=metadata, notes=[], tags=[],
                parts=[Part(name="a.png", media_type="image/png", sha256="0" * 64, size=700_000,
                            blob="b" * 32)])


def test_importer_bomb_flag_is_obeyed() -> None:
    from evidencekit.gui.thumbnails import picture_part

    assert picture_part(_item({})) == 0
    assert picture_part(_item({"image": {"bomb": True, "preview": False}})) is None
    assert picture_part(_item({"image": {"preview": False}})) is None


def test_importer_flags_the_bomb(tmp_path: Path) -> None:
    """The end of the chain: importing the bomb sets the flag the thumbnailer obeys."""
    from evidencekit.capture.files import iter_import
    from evidencekit.gui.thumbnails import picture_part
    from tests.support.vault_util import open_vault

    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png())
    (outcome,) = list(iter_import([path], progress=None))
    assert outcome.item is not None
    from evidencekit.vault import Vault
    from tests.conftest import PASSPHRASE

    vault, _ = Vault.create(tmp_path / "v", PASSPHRASE, "x")
    item = vault.add_item(outcome.item)
    vault.close()
    with open_vault(tmp_path / "v", writable=False) as v:
        assert picture_part(v.item(item.number)) is None
