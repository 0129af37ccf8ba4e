"""In-process spatial index of outlets: nearest-k by great-circle distance, filtered by item.

Points are kept as 3-D unit vectors in a ``scipy.spatial.cKDTree``; Euclidean (chord) distance
is monotone in great-circle distance, so the k nearest by chord are exactly the k nearest on
the sphere, with no projection error anywhere. One tree is built per item code over the outlets
that can handle it, so "nearest outlets that can handle item X" is a single tree query and
never a filter-after-query that could come back short.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from .coords import EARTH_RADIUS_M, FloatArray, m_to_chord, unit_vectors

_TWO_R = 2.0 * EARTH_RADIUS_M


@dataclass(frozen=True, slots=True)
class IndexedPoint:
    """What the index needs to know about one outlet (WGS-84)."""

    key: int
    lat: float
    lng: float
    items: frozenset[str] = field(default_factory=frozenset)
    kind: str = ""


class Hit(NamedTuple):
    """One answer: the outlet's key and its great-circle distance in metres (a NamedTuple:
    built millions of times a second on the hot path, where a frozen dataclass costs 3×)."""

    key: int
    distance_m: float


_BUILD_LOCK = threading.Lock()
GRID_K = 10  # the candidate quadtree answers k ≤ GRID_K; larger k goes to the KD-tree
_LEAF_MAX = 24  # a cell with more candidates than this is split in four
_MAX_DEPTH = 8


class _Tree:
    """One searchable set of points: a KD-tree plus a precomputed candidate quadtree.

    A single ``cKDTree.query`` costs ~25 µs here, nearly all of it call overhead, so single
    queries go through a quadtree of cells instead: for each leaf cell with centre ``c`` and
    half-diagonal ``r`` (chord lengths), every point within ``D_K(c) + 2r`` of ``c`` is stored,
    where ``D_K(c)`` is the distance from ``c`` to its GRID_K-th nearest point. By the
    triangle inequality these include the k ≤ GRID_K nearest points of any query inside the
    cell, so ranking the cell's ~10–25 candidates by dot product is exact. Cells are split
    where outlets are dense, so candidate lists stay short in the city centre too. Queries
    outside the root grid go to the KD-tree.
    """

    __slots__ = (
        "_lat_lng",
        "cand_idx",
        "cand_keys",
        "cand_xyz",
        "dlat",
        "dlng",
        "keys",
        "kinds",
        "lat0",
        "lng0",
        "ncol",
        "node_a",
        "node_b",
        "node_child",
        "node_mid_lat",
        "node_mid_lng",
        "nrow",
        "tree",
        "xyz",
    )

    def __init__(self, points: Sequence[IndexedPoint]) -> None:
        n = len(points)
        self.keys = np.fromiter((p.key for p in points), dtype=np.int64, count=n)
        self.kinds = [p.kind for p in points]
        lat = np.array([p.lat for p in points], dtype=np.float64)
        lng = np.array([p.lng for p in points], dtype=np.float64)
        self.xyz = unit_vectors(lat, lng).reshape(-1, 3)
        self.tree = cKDTree(self.xyz, balanced_tree=True, compact_nodes=True)
        self._lat_lng = (lat, lng)
        self.node_child: list[int] = []  # the quadtree is built on the first single query

    def _build_quadtree(self) -> None:
        lat, lng = self._lat_lng
        n = len(self.keys)
        k = min(GRID_K, n)
        pad = 0.01  # degrees beyond the outermost points still answered by the quadtree
        self.lat0 = float(lat.min()) - pad
        self.lng0 = float(lng.min()) - pad
        span_lat = float(lat.max()) + pad - self.lat0
        span_lng = float(lng.max()) + pad - self.lng0
        side = math.sqrt(span_lat * span_lng / max(1, min(n // 4, 10_000)))
        self.nrow = max(1, math.ceil(span_lat / side))
        self.ncol = max(1, math.ceil(span_lng / side))
        self.dlat = span_lat / self.nrow
        self.dlng = span_lng / self.ncol
        rows, cols = np.divmod(np.arange(self.nrow * self.ncol), self.ncol)
        lo_lat = self.lat0 + rows * self.dlat
        lo_lng = self.lng0 + cols * self.dlng
        size_lat: FloatArray = np.full(lo_lat.shape, self.dlat)
        size_lng: FloatArray = np.full(lo_lat.shape, self.dlng)
        ids = np.arange(lo_lat.size)  # node ids of this level's cells
        # Node tables; the root grid's cells are nodes 0 .. nrow*ncol-1.
        child: list[int] = [-1] * lo_lat.size
        mid_lat: list[float] = (lo_lat + self.dlat / 2).tolist()
        mid_lng: list[float] = (lo_lng + self.dlng / 2).tolist()
        node_a: list[int] = [0] * lo_lat.size
        node_b: list[int] = [0] * lo_lat.size
        flat: list[int] = []
        for depth in range(_MAX_DEPTH + 1):
            c_lat = lo_lat + size_lat / 2
            c_lng = lo_lng + size_lng / 2
            centre = unit_vectors(c_lat, c_lng).reshape(-1, 3)
            half: FloatArray = np.zeros(centre.shape[0])
            for fy in (0.0, 0.5, 1.0):
                for fx in (0.0, 0.5, 1.0):
                    edge = unit_vectors(lo_lat + fy * size_lat, lo_lng + fx * size_lng)
                    half = np.maximum(half, np.linalg.norm(edge - centre, axis=1))
            kth, _ = self.tree.query(centre, k=k)
            d_k = kth if kth.ndim == 1 else kth[:, -1]
            radius = d_k + 2.0 * half * 1.001 + 1e-12  # 0.1 % float safety on the bound
            counts = self.tree.query_ball_point(centre, radius, return_length=True)
            split = counts > _LEAF_MAX if depth < _MAX_DEPTH else np.zeros(ids.size, bool)
            leaves = np.flatnonzero(~split)
            members = self.tree.query_ball_point(centre[leaves], radius[leaves], return_sorted=True)
            for node, m in zip(ids[leaves].tolist(), members, strict=True):
                node_a[node] = len(flat)
                flat.extend(m)
                node_b[node] = len(flat)
            parents = np.flatnonzero(split)
            if parents.size == 0:
                break
            first = len(child)
            for j, node in enumerate(ids[parents].tolist()):
                child[node] = first + 4 * j
            # Children of parent j are first+4j+(0: south-west, 1: south-east, 2: NW, 3: NE).
            hl = np.repeat(size_lat[parents] / 2, 4)
            hg = np.repeat(size_lng[parents] / 2, 4)
            quad = np.tile(np.arange(4), parents.size)
            lo_lat = np.repeat(lo_lat[parents], 4) + (quad // 2) * hl
            lo_lng = np.repeat(lo_lng[parents], 4) + (quad % 2) * hg
            size_lat, size_lng = hl, hg
            ids = np.arange(first, first + lo_lat.size)
            child += [-1] * lo_lat.size
            mid_lat += (lo_lat + hl / 2).tolist()
            mid_lng += (lo_lng + hg / 2).tolist()
            node_a += [0] * lo_lat.size
            node_b += [0] * lo_lat.size
        self.node_mid_lat = mid_lat
        self.node_mid_lng = mid_lng
        self.node_a = node_a
        self.node_b = node_b
        flat_arr = np.asarray(flat, dtype=np.int64)
        self.cand_idx: list[int] = flat
        self.cand_keys: list[int] = self.keys[flat_arr].tolist() if flat else []
        self.cand_xyz = np.ascontiguousarray(self.xyz[flat_arr]) if flat else self.xyz[:0]
        # Last: a non-empty node_child tells lock-free readers that every table above is ready.
        self.node_child = child

    def leaf(self, lat: float, lng: float) -> int:
        """The quadtree leaf holding (lat, lng), or -1 outside the root grid."""
        if not self.node_child:
            with _BUILD_LOCK:  # WSGI servers run requests in threads: build once
                if not self.node_child:
                    self._build_quadtree()
        if lat < self.lat0 or lng < self.lng0:
            return -1
        row = int((lat - self.lat0) / self.dlat)
        col = int((lng - self.lng0) / self.dlng)
        if row >= self.nrow or col >= self.ncol:
            return -1
        node = row * self.ncol + col
        child = self.node_child
        while child[node] >= 0:
            node = (
                child[node]
                + (2 if lat >= self.node_mid_lat[node] else 0)
                + (1 if lng >= self.node_mid_lng[node] else 0)
            )
        return node


class OutletIndex:
    """Nearest-outlet search over a fixed set of points; rebuild it when outlets change
    (2,000 outlets with 40 items each build in under a second)."""

    ALL = ""

    def __init__(self, points: Iterable[IndexedPoint]) -> None:
        # Key order everywhere, so equal distances are broken by the lower key on every path.
        self.points: list[IndexedPoint] = sorted(points, key=lambda p: p.key)
        self._trees: dict[str, _Tree] = {}
        by_item: dict[str, list[IndexedPoint]] = {}
        for p in self.points:
            for item in p.items:
                by_item.setdefault(item, []).append(p)
        if self.points:
            self._trees[self.ALL] = _Tree(self.points)
        for item, pts in by_item.items():
            self._trees[item] = _Tree(pts)

    def __len__(self) -> int:
        return len(self.points)

    def nearest(
        self,
        lat: float,
        lng: float,
        *,
        item: str | None = None,
        k: int = 5,
        kinds: frozenset[str] | None = None,
        max_distance_m: float | None = None,
    ) -> list[Hit]:
        """The ``k`` nearest outlets (that can handle ``item`` and are of one of ``kinds``),
        nearest first, ties broken by key. Returns fewer when fewer qualify. Raises nothing."""
        t = self._trees.get(item or self.ALL)
        if t is None or k <= 0:
            return []
        n = len(t.keys)
        rl = math.radians(lat)
        rg = math.radians(lng)
        c = math.cos(rl)
        q = (c * math.cos(rg), c * math.sin(rg), math.sin(rl))
        if kinds is None and k <= GRID_K:
            node = t.leaf(lat, lng)
            if node >= 0:
                return self._from_grid(t, node, q, k, max_distance_m)
        bound = m_to_chord(max_distance_m) if max_distance_m is not None else math.inf
        want = k if kinds is None else min(n, k * 4)
        while True:
            kk = min(want, n)
            d, i = t.tree.query(q, k=kk, distance_upper_bound=bound)
            if kk == 1:
                d, i = np.atleast_1d(d), np.atleast_1d(i)
            hits: list[Hit] = []
            beyond_bound = False
            for dist, idx in zip(d.tolist(), i.tolist(), strict=True):
                if idx >= n:  # cKDTree pads with n past the distance bound
                    beyond_bound = True
                    break
                if kinds is not None and t.kinds[idx] not in kinds:
                    continue
                hits.append(Hit(int(t.keys[idx]), _TWO_R * math.asin(min(1.0, dist / 2.0))))
            if len(hits) >= k or kk >= n or beyond_bound:
                break
            want = kk * 4
        hits.sort(key=lambda h: (round(h.distance_m, 6), h.key))
        return hits[:k]

    @staticmethod
    def _from_grid(
        t: _Tree,
        node: int,
        q: tuple[float, float, float],
        k: int,
        max_distance_m: float | None,
    ) -> list[Hit]:
        a = t.node_a[node]
        b = t.node_b[node]
        dots = (t.cand_xyz[a:b] @ q).tolist()
        # Larger dot = nearer. Candidates are in key order and ranked by (dot, -position), so
        # equal distances go to the lower key.
        ranked = zip(dots, range(-a, -b, -1), strict=True)
        order = sorted(ranked, reverse=True)[:k] if k > 1 else [max(ranked)]
        keys = t.cand_keys
        asin = math.asin
        sqrt = math.sqrt
        # chord² = 2 − 2·dot loses nothing that matters: ≤ 7 mm even 1 m from an outlet.
        hits = [Hit(keys[-neg], _TWO_R * asin(sqrt(max(0.0, 0.5 - 0.5 * d)))) for d, neg in order]
        if max_distance_m is not None:
            hits = [h for h in hits if h.distance_m <= max_distance_m]
        return hits

    def nearest_distance_m(
        self, lat: npt.ArrayLike, lng: npt.ArrayLike, *, item: str | None = None
    ) -> tuple[FloatArray, npt.NDArray[np.int64]]:
        """Vectorised: for every point, the distance (m) to its nearest outlet handling
        ``item`` and that outlet's key (-1 and +inf when none qualifies). Uses both cores."""
        la = np.asarray(lat, dtype=np.float64).ravel()
        t = self._trees.get(item or self.ALL)
        if t is None:
            return np.full(la.shape, np.inf), np.full(la.shape, -1, dtype=np.int64)
        xyz = unit_vectors(la, np.asarray(lng, dtype=np.float64).ravel())
        chord, idx = t.tree.query(xyz, k=1, workers=-1)
        dist = _TWO_R * np.arcsin(np.minimum(1.0, chord / 2.0))
        return dist, t.keys[idx]
