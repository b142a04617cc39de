"""Finding copies among many PDQ hashes without comparing every pair.

Every hash is split into 16 segments of 16 bits. Two hashes within Hamming distance 31
differ in at most 31 bits, so at least one of their 16 segments differs in at most one
bit (16 segments × 2 bits would already be 32). For each segment a table (counting sort
over the 65,536 values) lists the hashes holding each value; every query looks up its own
value and the 16 values one bit away, and only the hashes found that way are compared in
full (XOR and popcount on four 64-bit words). This is the multi-index hashing the PDQ
authors describe; it finds exactly the pairs a full comparison would.

Queries are the eight dihedral variants of every hash; the table holds the plain hashes,
so a picture that was rotated or mirrored is found as well. Hashes below quality 50 take
no part. Items are grouped by connecting every pair of items with a matching hash.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evidencekit.similar.pdq import MATCH_DISTANCE, MIN_QUALITY

__all__ = ["HashEntry", "Match", "HashIndex", "group_items"]

log = logging.getLogger(__name__)

_SEGMENTS = 16
_PROBES = np.concatenate([[0], 1 << np.arange(16)]).astype(np.uint16)  # radius 1

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class HashEntry:
    """One hash of one item: the item number, the part it comes from, the second of a
    video frame (``None`` for a still picture), the eight dihedral hashes (plain first),
    the quality, and for the hash of a picture's centre the share kept."""

    item: int
    part: str
    hashes: tuple[str, ...]
    quality: int
    second: int | None = None
    crop: float | None = None  # the share of width and height kept, for an inner crop


@dataclass(frozen=True)
class Match:
    """Two entries (indices into the index's entries) and their smallest distance over
    the dihedral variants; ``variant`` names the transformation (0 = none)."""

    a: int
    b: int
    distance: int
    variant: int


def _words(hexes: Sequence[str]) -> U64:
    raw = b"".join(bytes.fromhex(h) for h in hexes)
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(len(hexes), 4)


def _segments(words: U64) -> npt.NDArray[np.uint16]:
    be = words.astype(">u8").view(">u2").astype(np.uint16)
    return be.reshape(words.shape[0], _SEGMENTS)


class HashIndex:
    """The usable (quality ≥ ``min_quality``) entries and their matches."""

    def __init__(self, entries: Iterable[HashEntry], *, min_quality: int = MIN_QUALITY,
                 max_distance: int = MATCH_DISTANCE) -> None:
        if not 0 <= max_distance <= 31:
            raise ValueError("the segment scheme finds distances up to 31 only")
        self.entries = [e for e in entries if e.quality >= min_quality and e.hashes]
        self.max_distance = max_distance
        n = len(self.entries)
        hexes = [e.hashes[v] if v < len(e.hashes) else e.hashes[0]
                 for e in self.entries for v in range(8)]
        self._q = _words(hexes).reshape(n, 8, 4) if n else np.zeros((0, 8, 4), np.uint64)
        self._d = np.ascontiguousarray(self._q[:, 0, :])

    def matches(self, *, other_items_only: bool = True) -> list[Match]:
        """Every pair of entries within the distance, each pair once (``a < b``) with its
        smallest distance; pairs within one item are left out unless asked for."""
        n = len(self.entries)
        if n < 2:
            return []
        d_segs = _segments(self._d)
        q_segs = _segments(self._q.reshape(n * 8, 4)).reshape(n, 8, _SEGMENTS)
        flat_q = self._q.reshape(n * 8, 4)
        found_q: list[I64] = []
        found_d: list[I64] = []
        for s in range(_SEGMENTS):
            col = d_segs[:, s]
            order = np.argsort(col, kind="stable").astype(np.int64)
            counts = np.bincount(col, minlength=65536).astype(np.int32)
            starts = np.zeros(65537, dtype=np.int64)
            np.cumsum(counts, out=starts[1:])
            probes = (q_segs[:, :, s].reshape(-1, 1) ^ _PROBES[None, :]).reshape(-1)
            cnt_all = counts[probes]
            hit = np.flatnonzero(cnt_all)
            if hit.size == 0:
                continue
            cnt = cnt_all[hit].astype(np.int64)
            lo = starts[probes[hit]]
            total = int(cnt.sum())
            qrow = np.repeat(hit // _PROBES.size, cnt)
            offs = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            drow = order[np.repeat(lo, cnt) + offs]
            # Full comparison word by word, dropping a candidate as soon as it is too far.
            dist = np.zeros(total, dtype=np.int64)
            for w in range(4):
                dist += np.bitwise_count(flat_q[qrow, w] ^ self._d[drow, w])
                near = dist <= self.max_distance
                qrow, drow, dist = qrow[near], drow[near], dist[near]
            found_q.append(qrow)
            found_d.append(drow)
        if not found_q:
            return []
        qrow = np.concatenate(found_q)  # index into n*8 (entry, variant)
        drow = np.concatenate(found_d)
        qi = qrow // 8
        keep = qi != drow
        qrow, drow, qi = qrow[keep], drow[keep], qi[keep]
        dist = np.bitwise_count(flat_q[qrow] ^ self._d[drow]).sum(axis=1, dtype=np.int64)
        a = np.minimum(qi, drow)
        b = np.maximum(qi, drow)
        variant = qrow % 8
        if other_items_only and a.size:
            item_of = np.array([e.item for e in self.entries], dtype=np.int64)
            other = item_of[a] != item_of[b]
            a, b, dist, variant = a[other], b[other], dist[other], variant[other]
        if a.size == 0:
            return []
        key = a * n + b
        order = np.lexsort((variant, dist, key))
        key, a, b, dist, variant = key[order], a[order], b[order], dist[order], variant[order]
        first = np.ones(key.size, dtype=bool)
        first[1:] = key[1:] != key[:-1]
        return [Match(int(x), int(y), int(z), int(v)) for x, y, z, v in
                zip(a[first], b[first], dist[first], variant[first], strict=True)]

    def item_distances(self) -> dict[tuple[int, int], int]:
        """The smallest distance between every two items that share a picture, keyed by
        the item numbers (smaller first)."""
        out: dict[tuple[int, int], int] = {}
        for m in self.matches():
            x, y = self.entries[m.a].item, self.entries[m.b].item
            key = (min(x, y), max(x, y))
            if key not in out or m.distance < out[key]:
                out[key] = m.distance
        return out


def group_items(pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected groups of item numbers (each sorted, groups by their first number)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in pairs:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    groups: dict[int, list[int]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])
