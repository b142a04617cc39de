"""Finding copies among many PDQ hashes without comparing every pair.

Every hash is split into 16 segments of 16 bits. Two hashes within Hamming distance 31
differ in at most 31 bits, so at least one of their 16 segments differs in at most one
bit (16 segments × 2 bits would already be 32). For each segment a table (counting sort
over the 65,536 values) lists the hashes holding each value; every query looks up its own
value and the 16 values one bit away, and only the hashes found that way are compared in
full (XOR and popcount on four 64-bit words). This is the multi-index hashing the PDQ
authors describe; it finds exactly the pairs a full comparison would.

Queries are the eight dihedral variants of every whole-picture hash (a video frame's
too); the table holds the plain hashes of every entry, whole pictures and their crops
(the centre, and the picture cut by 5 % on one side), so a picture that was rotated,
mirrored or cut is found as well: two items match when the whole-picture hash of one
lies within the distance of any stored hash of the other. Crops are never compared with
crops: every extra comparison is one more chance of a false match between different
pictures, and a copy always brings its whole picture. Hashes below quality 50 take no
part. Items are grouped by connecting every
pair of items with a matching hash.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evidencekit.similar.pdq import MATCH_DISTANCE, MIN_QUALITY

__all__ = ["HashEntry", "ItemMatch", "Match", "HashIndex", "group_items"]

log = logging.getLogger(__name__)

_SEGMENTS = 16
_THREADS = 2
_SPARSE = 32768  # tables smaller than this: round 0 skips the probes of empty buckets
_CHUNK = 65536  # query rows looked up at once (bounds the memory a lookup takes)
_PROBES = np.concatenate([[0], 1 << np.arange(16)]).astype(np.uint16)  # radius 1

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class HashEntry:
    """One hash of one item: the item number, the part it comes from, the second of a
    video frame (``None`` for a still picture), the eight dihedral hashes (plain first),
    the quality, and for the hash of a crop the share kept (of width and height for the
    centre, of the width or height cut for a one-sided crop) and the side cut."""

    item: int
    part: str
    hashes: tuple[str, ...]
    quality: int
    second: int | None = None
    crop: float | None = None  # the share kept, for a crop
    side: str | None = None  # "left", "right", "top" or "bottom" for a one-sided crop

    @property
    def whole(self) -> bool:
        """Whether this is the hash of a whole picture or frame (not of a crop)."""
        return self.crop is None and self.side is None


@dataclass(frozen=True)
class ItemMatch:
    """The closest match between two items: the distance and whether it was found through
    a crop (then the distance is the one between the whole picture of one item and the
    cropped picture of the other)."""

    distance: int
    cropped: bool


@dataclass(frozen=True)
class Match:
    """Two entries (indices into the index's entries) and their smallest distance over
    the dihedral variants; ``variant`` names the transformation (0 = none)."""

    a: int
    b: int
    distance: int
    variant: int


def _words(hexes: Sequence[str]) -> U64:
    raw = bytes.fromhex("".join(hexes))
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
        self._d = _words([e.hashes[0] for e in self.entries]) if n else np.zeros(
            (0, 4), np.uint64)
        #: the entries whose dihedral variants are looked up (whole pictures)
        self._qidx = np.array([i for i, e in enumerate(self.entries) if e.whole],
                              dtype=np.int64)
        hexes = [h for i in self._qidx.tolist() for h in (
            self.entries[i].hashes if len(self.entries[i].hashes) == 8
            else (self.entries[i].hashes[0],) * 8)]
        self._q = _words(hexes) if hexes else np.zeros((0, 4), np.uint64)  # (nq*8, 4)
        self._q0, self._q1 = self._q[:, 0].copy(), self._q[:, 1].copy()

    def _segment(self, s: int, d_segs: npt.NDArray[np.uint16],
                 q_segs: npt.NDArray[np.uint16]) -> tuple[I64, I64]:
        """(query row, table row) of the pairs within the distance whose segment ``s``
        differs in at most one bit."""
        n = self._d.shape[0]
        col = d_segs[:, s]
        order = np.argsort(col, kind="stable").astype(np.int64)  # counting sort
        counts = np.bincount(col, minlength=65536)
        starts = np.zeros(65537, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        np.minimum(starts, n - 1, out=starts)  # an empty bucket points at some hash
        d0, d1 = self._d[order, 0], self._d[order, 1]  # the table in bucket order
        found_q: list[I64] = []
        found_d: list[I64] = []
        for lo in range(0, q_segs.shape[0], _CHUNK):
            hi = min(lo + _CHUNK, q_segs.shape[0])
            probes = (q_segs[lo:hi, s].reshape(-1, 1) ^ _PROBES[None, :]).reshape(-1)
            # Round 0 compares every probe with the first hash of its bucket (with a
            # table of more than half as many hashes as buckets, an empty bucket's probe
            # too, with a hash of the next bucket: a wasted comparison is then cheaper
            # than leaving it out, and a pair is only kept for its true distance).
            # Round r compares the probes whose bucket holds more than r hashes with
            # the r-th one: a prefix of those probes, sorted fullest first (counting
            # sort). Most buckets hold one hash or none, so no list of candidate pairs
            # is built. The first two words decide nearly every candidate (a random
            # pair differs in about 64 of their 128 bits); the few left are compared in
            # full.
            first = starts[probes]
            cnt = counts[probes]
            if n >= _SPARSE:
                self._compare(lo, np.repeat(self._q0[lo:hi], _PROBES.size),
                              np.repeat(self._q1[lo:hi], _PROBES.size), None, first,
                              d0, d1, order, found_q, found_d)
            else:  # a small table: most buckets are empty, leave their probes out
                hit = np.flatnonzero(cnt)
                hq = hit // _PROBES.size
                self._compare(lo, self._q0[lo + hq], self._q1[lo + hq], hq, first[hit],
                              d0, d1, order, found_q, found_d)
            more = np.flatnonzero(cnt > 1)
            if more.size == 0:
                continue
            many = cnt[more]
            by = more[np.argsort((65535 - many).astype(np.uint16) if many.max() <= 65535
                                 else -many, kind="stable")]
            cnt, hq, first = cnt[by], by // _PROBES.size, first[by]
            ahead = np.searchsorted(-cnt, -np.arange(1, int(cnt[0])), side="left")
            for r, m in enumerate(ahead, start=1):
                self._compare(lo, self._q0[lo + hq[:m]], self._q1[lo + hq[:m]], hq[:m],
                              first[:m] + r, d0, d1, order, found_q, found_d)
        if not found_q:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(found_q), np.concatenate(found_d)

    def _compare(self, lo: int, q0: U64, q1: U64, qr: I64 | None, pos: I64, d0: U64,
                 d1: U64, order: I64, found_q: list[I64], found_d: list[I64]) -> None:
        """Compare the queries with first words ``q0``, ``q1`` (rows ``lo + qr``, or
        with ``qr`` None one row per :data:`_PROBES` entries from ``lo``) with the
        hashes at ``pos`` of the bucket-ordered table (first words ``d0``, ``d1``;
        ``order`` maps back to table rows); keep the pairs within the distance."""
        dist = np.bitwise_count(q0 ^ d0[pos])
        dist += np.bitwise_count(q1 ^ d1[pos])
        near = np.flatnonzero(dist <= self.max_distance)
        if near.size == 0:
            return
        qrow = lo + (qr[near] if qr is not None else near // _PROBES.size)
        drow = order[pos[near]]
        full = np.bitwise_count(self._q[qrow] ^ self._d[drow]).sum(axis=1)
        ok = full <= self.max_distance
        found_q.append(qrow[ok])
        found_d.append(drow[ok])

    def _candidates(self) -> tuple[I64, I64]:
        """(query row, table row) of every pair within the distance, found through the
        16 segment tables (two at a time: numpy lets go of the interpreter lock while
        it works); a pair may appear more than once."""
        d_segs = _segments(self._d)
        q_segs = _segments(self._q)
        with ThreadPoolExecutor(max_workers=_THREADS) as pool:
            parts = list(pool.map(lambda s: self._segment(s, d_segs, q_segs),
                                  range(_SEGMENTS)))
        return (np.concatenate([p[0] for p in parts]),
                np.concatenate([p[1] for p in parts]))

    def matches(self, *, other_items_only: bool = True) -> list[Match]:
        """Every pair of entries within the distance, each pair once (``a < b``) with its
        smallest distance; pairs within one item are left out unless asked for. One of
        the two is always a whole picture (crops are not compared with crops)."""
        n = len(self.entries)
        if n < 2 or self._qidx.size == 0:
            return []
        qrow, drow = self._candidates()
        qi = self._qidx[qrow // 8]  # the entry the query row belongs to
        keep = qi != drow
        qrow, drow, qi = qrow[keep], drow[keep], qi[keep]
        dist = np.bitwise_count(self._q[qrow] ^ self._d[drow]).sum(axis=1, dtype=np.int64)
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

    def item_matches(self) -> dict[tuple[int, int], ItemMatch]:
        """The closest match between every two items that share a picture, keyed by the
        item numbers (smaller first); a match through a whole picture wins over one
        through a crop at the same distance."""
        out: dict[tuple[int, int], ItemMatch] = {}
        for m in self.matches():
            ea, eb = self.entries[m.a], self.entries[m.b]
            key = (min(ea.item, eb.item), max(ea.item, eb.item))
            found = ItemMatch(m.distance, not (ea.whole and eb.whole))
            old = out.get(key)
            if old is None or (found.distance, found.cropped) < (old.distance, old.cropped):
                out[key] = found
        return out

    def item_distances(self) -> dict[tuple[int, int], int]:
        """The smallest distance between every two items that share a picture, keyed by
        the item numbers (smaller first)."""
        return {k: v.distance for k, v in self.item_matches().items()}


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
