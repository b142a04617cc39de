"""Copies found: the same picture resized, recompressed, cropped by 5 % (evenly, or on one
side only), mirrored, turned and shown in a video is grouped; different pictures are not,
also when they share a uniform band. The multi-index search finds exactly what a full
comparison finds, crops included. ``rehash`` and ``similar`` end to end, and items hashed
before the one-sided crops."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from evidencekit.model import NewItem, PartInput
from evidencekit.similar import parts as similar_parts
from evidencekit.similar.copies import find_copies, needs_hash
from evidencekit.similar.index import HashEntry, HashIndex, group_items
from evidencekit.similar.parts import entries_of
from evidencekit.similar.pdq import hamming
from tests.conftest import run_cli
from tests.support.similar_pictures import (
    ONE_SIDED,
    copies_of,
    different_picture,
    encode,
    photo,
    video_of,
    with_border,
)
from tests.support.vault_util import open_vault


def _add(vault, name: str, data: bytes, media_type: str) -> int:  # type: ignore[no-untyped-def]
    return vault.add_item(NewItem(kind="file", title=name, source=name, parts=[
        PartInput(name=name, media_type=media_type, data=data)])).number


def test_copies_grouped_and_different_pictures_not(vault_dir: Path) -> None:
    img = photo()
    with open_vault(vault_dir) as v:
        original = _add(v, "original.jpg", encode(img, quality=92), "image/jpeg")
        copies = {name: _add(v, name, data, "image/png" if name.endswith(".png")
                             else "image/jpeg") for name, data in copies_of(img).items()}
        others = [_add(v, f"other{s}.png", different_picture(s), "image/png")
                  for s in range(4)]
        # different pictures with the same uniform band on one side (a sidebar, a
        # status bar): where hashes of one-sided crops risk matching each other
        others += [_add(v, f"band{s}-{side}.png", with_border(
            different_picture(20 + 4 * s + k), side, colour=colour), "image/png")
            for s, colour in enumerate([(255, 255, 255), (0, 0, 0)])
            for k, side in enumerate(("left", "right", "top", "bottom"))]
        video = _add(v, "clip.mp4", video_of(img), "video/mp4")
        items = v.items()
    by_number = {i.number: i for i in items}
    # hashes were made at capture, in the same pass as storing the bytes
    assert by_number[original].metadata["pdq"]["hashes"][0]["quality"] == 100
    assert "pdq" not in by_number[video].metadata  # videos are hashed by rehash
    with open_vault(vault_dir) as v:
        v.update_metadata(video, {"pdq": similar_parts.item_perceptual_metadata(
            by_number[video], lambda i: v.read_part_bytes(by_number[video], i))},
            "perceptual_hashed")
        items = v.items()
    found = find_copies(items)
    expected = sorted([original, *copies.values(), video])
    assert found.groups == [expected]
    for name, number in copies.items():
        assert original in [c.number for c in found.copies_of(number)], name
    for n in others:
        assert found.copies_of(n) == [] and found.group_of(n) == []
    # the copies cut on one side are found through the original's crop hashes only: the
    # whole pictures lie far apart, and the distance shown is the one of the crop match
    whole = {i.number: next(e for e in entries_of(i) if e.whole) for i in items}
    for name in ONE_SIDED:
        number = copies[name]
        plain = min(hamming(v, whole[original].hashes[0]) for v in whole[number].hashes)
        assert plain > 31, (name, plain)
        match = next(c for c in found.copies_of(number) if c.number == original)
        assert match.cropped and match.distance <= 31 < plain, (name, match)
        assert stored_sides(by_number[original]) == ["left", "right", "top", "bottom"]


def stored_sides(item) -> list[str]:  # type: ignore[no-untyped-def]
    return [h["side"] for h in item.metadata["pdq"]["hashes"] if "side" in h]


def _random_hashes(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, size=(n, 8, 32), dtype=np.uint8)


def _flip_bits(h: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    out = h.copy()
    for b in rng.choice(256, count, replace=False):
        out[b // 8] ^= np.uint8(1 << (b % 8))
    return out


def _brute_force(raw: np.ndarray) -> set[tuple[int, int]]:
    bits = np.unpackbits(raw, axis=2)  # n, 8, 256
    plain = bits[:, 0, :]
    found = set()
    for i in range(raw.shape[0]):
        d = (bits[i][:, None, :] != plain[None, :, :]).sum(axis=2).min(axis=0)
        for j in np.flatnonzero(d <= 31):
            if i != j:
                found.add((min(i, int(j)), max(i, int(j))))
    return found


def test_multi_index_finds_what_full_comparison_finds() -> None:
    rng = np.random.default_rng(5)
    raw = _random_hashes(rng, 400)
    # plant pairs at every distance from 0 to 40, through a random dihedral variant
    for k in range(41):
        raw[200 + k, 0] = _flip_bits(raw[k, int(rng.integers(0, 8))], k, rng)
    entries = [HashEntry(i, "p", tuple(bytes(raw[i, v]).hex() for v in range(8)), 100)
               for i in range(raw.shape[0])]
    got = {(m.a, m.b) for m in HashIndex(entries).matches()}
    assert got == _brute_force(raw)
    assert {(k, 200 + k) for k in range(32)} <= got
    assert not any((k, 200 + k) in got for k in range(32, 41))


@pytest.mark.parametrize(("chunk", "sparse"), [(65536, 32768), (1000, 0)])
def test_multi_index_with_crop_hashes_finds_what_full_comparison_finds(
        chunk: int, sparse: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole pictures (eight dihedral hashes) against the whole and cropped hashes of
    every other item; crops are never compared with crops. Also with the queries looked
    up a few at a time, and the way a large table is searched."""
    from evidencekit.similar import index

    monkeypatch.setattr(index, "_CHUNK", chunk)
    monkeypatch.setattr(index, "_SPARSE", sparse)
    rng = np.random.default_rng(7)
    n = 300
    whole = _random_hashes(rng, n)
    crops = rng.integers(0, 256, size=(n, 5, 32), dtype=np.uint8)
    for k in range(41):  # a whole picture near a crop of another, at every distance
        whole[150 + k, int(rng.integers(0, 8))] = _flip_bits(crops[k, k % 5], k, rng)
    for k in range(41, 50):  # two crops alike: no match through them
        crops[100 + k, 1] = _flip_bits(crops[k, 2], 3, rng)
    for k in range(200, 240):  # many crops alike: buckets holding many hashes, and a
        crops[k, 3] = _flip_bits(crops[60, 3], k % 4, rng)  # whole picture near them
    whole[250, 2] = _flip_bits(crops[60, 3], 25, rng)
    entries = [HashEntry(i, "p", tuple(bytes(whole[i, v]).hex() for v in range(8)), 100)
               for i in range(n)]
    sides = (None, "left", "right", "top", "bottom")
    for i in range(n):
        entries += [HashEntry(i, "p", (bytes(crops[i, c]).hex(),), 100, crop=0.95,
                              side=sides[c]) for c in range(5)]
    got = HashIndex(entries).item_matches()
    # brute force: every whole picture's variants against every stored hash of the others
    wbits = np.unpackbits(whole, axis=2)  # n, 8, 256
    stored = np.concatenate([whole[:, :1], crops], axis=1)  # n, 6, 32
    sbits = np.unpackbits(stored, axis=2)  # n, 6, 256
    want: dict[tuple[int, int], tuple[int, bool]] = {}
    for i in range(n):
        d = (wbits[i][:, None, None, :] != sbits[None, :, :, :]).sum(axis=3).min(axis=0)
        for j, c in zip(*np.nonzero(d <= 31), strict=True):
            if i == j:
                continue
            key = (min(i, int(j)), max(i, int(j)))
            cand = (int(d[j, c]), bool(c > 0))
            want[key] = min(want.get(key, cand), cand)
    assert {k: (m.distance, m.cropped) for k, m in got.items()} == want
    assert all((k, 150 + k) in got and got[(k, 150 + k)].cropped for k in range(32))
    assert not any((k, 150 + k) in got for k in range(32, 41))
    assert not any((k, 100 + k) in got for k in range(41, 50))
    assert sum(1 for a, b in got if 250 in (a, b)) >= 20


def test_low_quality_hashes_take_no_part() -> None:
    h = "ab" * 32
    entries = [HashEntry(1, "p", (h,), 100), HashEntry(2, "p", (h,), 49),
               HashEntry(3, "p", (h,), 50)]
    assert HashIndex(entries).item_distances() == {(1, 3): 0}


def test_groups_are_connected_components() -> None:
    assert group_items([(1, 2), (5, 4), (2, 3), (9, 10)]) == [[1, 2, 3], [4, 5], [9, 10]]


def test_rehash_and_similar_commands(vault_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    img = photo()
    with monkeypatch.context() as m, open_vault(vault_dir) as v:
        # items stored before perceptual hashes existed
        m.setattr(similar_parts, "perceptual_metadata", lambda parts: None)
        a = _add(v, "a.jpg", encode(img, quality=80), "image/jpeg")
        b = _add(v, "b.png", copies_of(img)["mirrored.jpg"], "image/jpeg")
        c = _add(v, "c.png", different_picture(1), "image/png")
        _add(v, "notes.txt", b"text", "text/plain")
    res = run_cli("similar", vault_dir, str(a))
    assert res.code == 0 and "rehash" in res.err
    res = run_cli("rehash", vault_dir)
    assert res.code == 0, res.err
    assert "3 item" in res.out
    res = run_cli("similar", vault_dir, str(a), "--json")
    data = json.loads(res.out)
    assert [x["number"] for x in data["copies"]] == [b]
    assert data["copies"][0]["distance"] <= 31 and data["unhashed"] == 0
    res = run_cli("similar", vault_dir, str(c))
    assert "No other item" in res.out
    res = run_cli("similar", vault_dir)
    assert f"#{a}, #{b}" in res.out
    assert run_cli("rehash", vault_dir).out.startswith("Perceptual hashes stored for 0")
    with open_vault(vault_dir, writable=False) as v:
        events = [e for e in v.events() if e.kind == "perceptual_hashed"]
    assert len(events) == 3 and events[0].body["algorithm"] == "pdq"
    assert run_cli("check", vault_dir).code == 0


def test_similar_command_labels_cut_copies(vault_dir: Path) -> None:
    """``similar N`` says which copy was matched as a cut version (text and ``--json``);
    a plain copy is not labelled, and the first two fields stay item and distance."""
    img = photo()
    with open_vault(vault_dir) as v:
        a = _add(v, "a.jpg", encode(img, quality=85), "image/jpeg")
        plain = _add(v, "plain.jpg", copies_of(img)["mirrored.jpg"], "image/jpeg")
        cut = _add(v, "cut.jpg", copies_of(img)["cut_left.jpg"], "image/jpeg")
    data = json.loads(run_cli("similar", vault_dir, str(a), "--json").out)
    assert {x["number"]: x["cropped"] for x in data["copies"]} == {plain: False, cut: True}
    pairs = json.loads(run_cli("similar", vault_dir, "--json").out)["pairs"]
    assert {(p["a"], p["b"]): p["cropped"] for p in pairs if p["a"] == a} == {
        (a, plain): False, (a, cut): True}
    res = run_cli("similar", vault_dir, str(a))
    assert res.code == 0, res.err
    lines = {line.split()[0]: line for line in res.out.splitlines() if line.startswith("#")}
    distances = {x["number"]: x["distance"] for x in data["copies"]}
    for number, title, how in ((plain, "plain.jpg", "whole picture"), (cut, "cut.jpg",
                                                                        "cut copy")):
        fields = lines[f"#{number}"].split()
        assert fields[:3] == [f"#{number}", str(distances[number]), title], fields
        assert lines[f"#{number}"].endswith(how)
    assert "cut copy" not in lines[f"#{plain}"]
    assert res.out.splitlines()[1].split()[-2:] == ["Matched", "as"]  # the header


def test_large_png_is_left_to_rehash(vault_dir: Path) -> None:
    from PIL import Image

    big = Image.open(io.BytesIO(different_picture(9))).resize((2200, 2000))
    with open_vault(vault_dir) as v:
        number = _add(v, "big.png", encode(big, "PNG"), "image/png")
        assert "pdq" not in v.item(number).metadata  # too slow to decode during capture
    assert run_cli("rehash", vault_dir).code == 0
    with open_vault(vault_dir, writable=False) as v:
        assert v.item(number).metadata["pdq"]["hashes"][0]["quality"] >= 50


def test_items_hashed_before_the_side_crops(vault_dir: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Records of version 1 (whole picture and centre only) still group; ``similar`` says
    they are older, and ``rehash`` adds the one-sided crops, after which a copy cut on
    one side is found."""
    img = photo()
    pictures = {"original.jpg": encode(img, quality=92),
                "recompressed.jpg": copies_of(img)["recompressed.jpg"],
                "cut_left.jpg": copies_of(img)["cut_left.jpg"]}
    with monkeypatch.context() as m, open_vault(vault_dir) as v:
        m.setattr(similar_parts, "perceptual_metadata", lambda parts: None)
        numbers = {name: _add(v, name, data, "image/jpeg") for name, data in pictures.items()}
        for name, number in numbers.items():
            hashes = [h for h in similar_parts.hash_part_data(name, "image/jpeg",
                                                              pictures[name])
                      if "side" not in h]
            assert len(hashes) == 2  # as version 1 stored them
            v.update_metadata(number, {"pdq": {"version": 1, "hashes": hashes,
                                               "failed": []}}, "perceptual_hashed")
        items = v.items()
    original, recompressed, cut = (numbers[n] for n in pictures)
    assert find_copies(items).groups == [[original, recompressed]]
    assert all(similar_parts.outdated(i) and needs_hash(i) for i in items)
    res = run_cli("similar", vault_dir)
    assert res.code == 0 and "cut on one side were looked for: 3 " in res.err
    assert "no perceptual hash" not in res.err
    res = run_cli("rehash", vault_dir)
    assert res.code == 0 and "3 item" in res.out, res.out + res.err
    with open_vault(vault_dir, writable=False) as v:
        items = v.items()
    assert not any(needs_hash(i) for i in items)
    assert all(i.metadata["pdq"]["version"] == 2 and len(i.metadata["pdq"]["hashes"]) == 6
               for i in items)
    assert find_copies(items).groups == [[original, recompressed, cut]]
    assert "cut on one side" not in run_cli("similar", vault_dir).err
