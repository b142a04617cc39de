"""PDQ against Meta's reference vectors: the published hashes of the bridge photo and its
modified copies (exact where the decoder agrees, within 10 otherwise, quality 100), the
eight dihedral variants against the rotated and mirrored files, quality of flat pictures,
and bad input refused cleanly."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from evidencekit.similar.pdq import (
    DIHEDRAL_NAMES,
    hamming,
    hash_image,
    hash_image_bytes,
    hash_image_file,
    hash_luma,
)
from tests.support.capture_files import bomb_png, truncated_jpeg
from tests.support.similar_pictures import encode, pdq_data


def _expected() -> dict[str, tuple[str, int]]:
    out = {}
    for line in (pdq_data() / "EXPECTED.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| (\S+\.jpg) \| ([0-9a-f]{64}) \| (\d+) \|", line)
        if m:
            out[m[1]] = (m[2], int(m[3]))
    return out


def test_reference_vectors() -> None:
    expected = _expected()
    assert len(expected) == 12
    distances = {}
    for name, (want, quality) in expected.items():
        with (pdq_data() / "bridge-mods" / name).open("rb") as fh:
            got = hash_image_file(fh)[0]
        distances[name] = hamming(got.hash, want)
        assert got.quality == quality, name
    # Pillow decodes as the reference Python hasher does: the original is exact, and
    # every file is within PDQ's conformance distance of 10.
    assert distances["aaa-orig.jpg"] == 0
    assert max(distances.values()) <= 10, distances
    assert sum(d == 0 for d in distances.values()) >= 6, distances


# file in dihedral/ -> the variant of the original that should match it
_DIHEDRAL = {
    "bridge-1-original.jpg": "original",
    "bridge-2-rotate-90.jpg": "rotate90",
    "bridge-3-rotate-180.jpg": "rotate180",
    "bridge-4-rotate-270.jpg": "rotate270",
    "bridge-5-flipx.jpg": "flipx",
    "bridge-6-flipy.jpg": "flipy",
    "bridge-7-flip-plus-1.jpg": "flipplus1",
    "bridge-8-flip-minus-1.jpg": "flipminus1",
}


def test_dihedral_variants_match_transformed_files() -> None:
    folder = pdq_data() / "dihedral"
    with (folder / "bridge-1-original.jpg").open("rb") as fh:
        original = hash_image_file(fh)[0]
    variants = dict(zip(DIHEDRAL_NAMES, original.all_variants(), strict=True))
    assert len(set(variants.values())) == 8
    for name, variant in _DIHEDRAL.items():
        with (folder / name).open("rb") as fh:
            plain = hash_image_file(fh)[0].hash
        distances = {k: hamming(plain, v) for k, v in variants.items()}
        # the matching variant is close (odd sizes shift the sampling grid by a pixel)...
        assert distances[variant] <= 20, (name, distances)
        # ...and every other variant is a different picture
        assert all(d > 31 for k, d in distances.items() if k != variant), (name, distances)


def test_variants_of_a_transformed_picture_agree_with_numpy_transforms() -> None:
    # At 64×64 the sampling grid and the (one-pixel) filter are symmetric, so each
    # variant must equal the hash of the transformed picture bit for bit.
    rng = np.random.default_rng(7)
    luma = rng.random((64, 64)) * 255
    base = hash_luma(luma)
    transformed = {  # the reference's names: rotate90 is a quarter turn anticlockwise
        "rotate90": np.rot90(luma, k=1),
        "rotate180": np.rot90(luma, k=2),
        "rotate270": np.rot90(luma, k=-1),
        "flipx": luma[::-1, :],
        "flipy": luma[:, ::-1],
        "flipplus1": luma.T,
        "flipminus1": np.rot90(luma, k=2).T,
    }
    variants = dict(zip(DIHEDRAL_NAMES, base.all_variants(), strict=True))
    for name, pic in transformed.items():
        assert hamming(hash_luma(pic).hash, variants[name]) == 0, name


def test_quality_of_flat_and_textured_pictures() -> None:
    assert hash_luma(np.full((100, 100), 128.0)).quality == 0
    ramp = np.tile(np.linspace(0, 255, 300), (200, 1))
    assert hash_luma(ramp).quality < 50
    rng = np.random.default_rng(1)
    busy = np.kron(rng.random((20, 20)) * 255, np.ones((10, 10)))
    assert hash_luma(busy).quality == 100


def test_hash_has_128_bits_set_and_tiny_pictures_work() -> None:
    h = hash_luma(np.random.default_rng(3).random((64, 64)) * 255)
    assert bin(int(h.hash, 16)).count("1") == 128
    one = hash_image(Image.new("RGB", (1, 1), "red"))
    assert len(one.hash) == 64 and one.quality == 0


@pytest.mark.parametrize("data", [b"", b"not a picture", truncated_jpeg(), bomb_png()])
def test_bad_pictures_are_refused_cleanly(data: bytes) -> None:
    with pytest.raises(ValueError):
        hash_image_bytes(data)


def test_alpha_and_palette_pictures_hash() -> None:
    img = Image.new("RGBA", (200, 100), (255, 0, 0, 0))
    img.paste((0, 0, 255, 255), (0, 0, 100, 100))
    assert hash_image_bytes(encode(img, "PNG")).quality > 0
    assert len(hash_image_bytes(encode(img.convert("RGB").convert("P"), "PNG")).hash) == 64
