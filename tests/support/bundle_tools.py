"""Helpers for the bundle tests: poppler tools, tampering, image energy, artefacts folder."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageFilter, ImageStat

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def need(tool: str) -> str:
    exe = shutil.which(tool)
    if exe is None:
        message = f"{tool} is not installed (scripts/install-system-deps.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return exe


def run(*args: str | Path, cwd: Path | None = None, check: bool = False
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          check=check, timeout=120)


def pdfsig(path: Path) -> str:
    need("pdfsig")
    proc = run("pdfsig", path)
    return proc.stdout + proc.stderr


def pdfsig_valid(path: Path) -> bool:
    """True when poppler reports the signature valid (and no signature invalid).

    Poppler 22 cannot check RFC 3161 document timestamps ("not yet been verified"); such a
    line is neither counted as valid nor as invalid.
    """
    out = pdfsig(path)
    lines = [ln.strip() for ln in out.splitlines() if "Signature Validation:" in ln]
    valid = [ln for ln in lines if ln.endswith("Signature is Valid.")]
    unknown = [ln for ln in lines if ln.endswith("has not yet been verified.")]
    return bool(valid) and len(valid) + len(unknown) == len(lines)


def pdftotext(path: Path, *extra: str) -> str:
    need("pdftotext")
    return run("pdftotext", *extra, path, "-", check=True).stdout


def detach_all(path: Path, folder: Path) -> dict[str, str]:
    """``pdfdetach -saveall`` into ``folder``; returns ``{name: sha256}`` via ``sha256sum``."""
    need("pdfdetach")
    folder.mkdir(parents=True, exist_ok=True)
    run("pdfdetach", "-saveall", path.resolve(), cwd=folder, check=True)
    names = sorted(p.name for p in folder.iterdir())
    if not names:
        return {}
    out = run("sha256sum", *names, cwd=folder, check=True).stdout
    sums = {}
    for line in out.splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.lstrip("*")] = digest
    return sums


def manifest_of(path: Path, tmp: Path) -> dict[str, Any]:
    folder = tmp / "manifest-only"
    need("pdfdetach")
    folder.mkdir(parents=True, exist_ok=True)
    run("pdfdetach", "-savefile", "manifest.json", "-o", folder / "manifest.json",
        path.resolve(), check=True)
    data: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return data


def render(path: Path, page: int, out: Path, dpi: int = 80) -> Path:
    """Render one page with pdftoppm to ``out`` (PNG)."""
    need("pdftoppm")
    out.parent.mkdir(parents=True, exist_ok=True)
    run("pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
        path, out.with_suffix(""), check=True)
    return out


def flip(path: Path, offset: int, out: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


def signed_ranges(path: Path) -> list[tuple[int, int]]:
    """The /ByteRange of the (first) signature: [(start, end), ...] half-open."""
    m = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", path.read_bytes())
    assert m, "no /ByteRange"
    a, b, c, d = (int(x) for x in m.groups())
    return [(a, a + b), (c, c + d)]


def hf_energy(im: Image.Image) -> float:
    """High-frequency energy: mean absolute response of a Laplacian on the grey image."""
    grey = im.convert("L")
    lap = grey.filter(ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1,
                                         offset=128))
    stat = ImageStat.Stat(lap)
    # mean absolute deviation from the offset
    hist = lap.histogram()
    total = sum(hist)
    return sum(abs(i - 128) * n for i, n in enumerate(hist)) / total if total else stat.mean[0]


def image_from_bytes(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
