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
_RAD = math.pi / 180.0
_tuple_new = tuple.__new__  # builds a Hit without the NamedTuple's Python-level __new__


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
_Cand = tuple[float, float, float, int]
_Node = list[_Cand] | tuple[float, float, int]
_Grid = tuple[float, float, float, float, int, int, list[_Node]]
# The candidate quadtree answers k ≤ GRID_K (the API's default k); larger k goes to the
# KD-tree. A smaller K means fewer candidates per leaf (~11 instead of ~18 at K = 10 over
# 2,000 outlets) and a third of the leaves, and the per-candidate Python work is the cost.
GRID_K = 5
_LEAF_MAX = 16  # a cell with more candidates than this is split in four
_MAX_DEPTH = 8


class _Tree:
    """One searchable set of points: a KD-tree plus a precomputed candidate quadtree.

    A single ``cKDTree.query`` costs ~25 µs here, nearly all of it call overhead, so single
    queries go through a quadtree of cells instead: for each leaf cell with centre ``c`` and
    half-diagonal ``r`` (chord lengths), every point within ``D_K(c) + 2r`` of ``c`` is stored,
    where ``D_K(c)`` is the distance from ``c`` to its GRID_K-th nearest point. By the
    triangle inequality these include the k ≤ GRID_K nearest points of any query inside the
    cell, so ranking the cell's ~5–16 candidates by dot product is exact. Cells are split
    where outlets are dense, so candidate lists stay short in the city centre too. Queries
    outside the root grid go to the KD-tree. At this size a numpy call costs more than the
    arithmetic, so a leaf's candidates are plain tuples ranked in pure Python.
    """

    __slots__ = ("_lat_lng", "grid", "keys", "kinds", "tree", "xyz")

    def __init__(self, points: Sequence[IndexedPoint]) -> None:
        n = len(points)
        self.keys = np.fromiter((p.key for p in points), dtype=np.int64, count=n)
        self.kinds = [p.kind for p in points]
        lat = np.array([p.lat for p in points], dtype=np.float64)
        lng = np.array([p.lng for p in points], dtype=np.float64)
        self.xyz = unit_vectors(lat, lng).reshape(-1, 3)
        self.tree = cKDTree(self.xyz, balanced_tree=True, compact_nodes=True)
        self._lat_lng = (lat, lng)
        self.grid: _Grid | None = None  # the quadtree is built on the first single query

    def _build_quadtree(self) -> _Grid:
        lat, lng = self._lat_lng
        n = len(self.keys)
        k = min(GRID_K, n)
        pad = 0.01  # degrees beyond the outermost points still answered by the quadtree
        lat0 = float(lat.min()) - pad
        lng0 = float(lng.min()) - pad
        span_lat = float(lat.max()) + pad - lat0
        span_lng = float(lng.max()) + pad - lng0
        side = math.sqrt(span_lat * span_lng / max(1, min(n // 4, 10_000)))
        nrow = max(1, math.ceil(span_lat / side))
        ncol = max(1, math.ceil(span_lng / side))
        dlat = span_lat / nrow
        dlng = span_lng / ncol
        rows, cols = np.divmod(np.arange(nrow * ncol), ncol)
        lo_lat = lat0 + rows * dlat
        lo_lng = lng0 + cols * dlng
        size_lat: FloatArray = np.full(lo_lat.shape, dlat)
        size_lng: FloatArray = np.full(lo_lat.shape, dlng)
        ids = np.arange(lo_lat.size)  # node ids of this level's cells
        # One node table; the root grid's cells are nodes 0 .. nrow*ncol-1. A leaf is the list
        # of its candidates as (x, y, z, key) tuples in key order (shared between leaves); an
        # inner node is (mid_lat, mid_lng, first child), its children first+0: south-west,
        # +1: south-east, +2: north-west, +3: north-east.
        shared = [(x, y, z, key) for (x, y, z), key in zip(self.xyz.tolist(), self.keys.tolist(), strict=True)]
        nodes: list[_Node] = [[] for _ in range(lo_lat.size)]
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
                nodes[node] = [shared[i] for i in m]
            parents = np.flatnonzero(split)
            if parents.size == 0:
                break
            first = len(nodes)
            for j, (node, mla, mln) in enumerate(
                zip(ids[parents].tolist(), c_lat[parents].tolist(), c_lng[parents].tolist(), strict=True)
            ):
                nodes[node] = (mla, mln, first + 4 * j)
            hl = np.repeat(size_lat[parents] / 2, 4)
            hg = np.repeat(size_lng[parents] / 2, 4)
            quad = np.tile(np.arange(4), parents.size)
            lo_lat = np.repeat(lo_lat[parents], 4) + (quad // 2) * hl
            lo_lng = np.repeat(lo_lng[parents], 4) + (quad % 2) * hg
            size_lat, size_lng = hl, hg
            ids = np.arange(first, first + lo_lat.size)
            nodes += [[] for _ in range(lo_lat.size)]
        return (lat0, lng0, dlat, dlng, nrow, ncol, nodes)

    def candidates(self, lat: float, lng: float) -> list[tuple[float, float, float, int]] | None:
        """The candidates of the quadtree leaf holding (lat, lng), None outside the root grid."""
        grid = self.grid
        if grid is None:
            with _BUILD_LOCK:  # WSGI servers run requests in threads: build once
                if self.grid is None:
                    # Assigned whole and last: lock-free readers see no half-built table.
                    self.grid = self._build_quadtree()
                grid = self.grid
        lat0, lng0, dlat, dlng, nrow, ncol, nodes = grid
        if lat < lat0 or lng < lng0:
            return None
        row = int((lat - lat0) / dlat)
        col = int((lng - lng0) / dlng)
        if row >= nrow or col >= ncol:
            return None
        node = nodes[row * ncol + col]
        while type(node) is tuple:
            mid_lat, mid_lng, child = node
            node = nodes[child + (2 if lat >= mid_lat else 0) + (1 if lng >= mid_lng else 0)]
        return node  # type: ignore[return-value]  # the loop ends only at a leaf (a list)


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
        rl = lat * _RAD
        rg = lng * _RAD
        c = math.cos(rl)
        qx = c * math.cos(rg)
        qy = c * math.sin(rg)
        qz = math.sin(rl)
        if kinds is None and k <= GRID_K:
            cands = t.candidates(lat, lng)
            if cands is not None:
                return self._from_grid(cands, qx, qy, qz, k, max_distance_m)
        n = len(t.keys)
        q = (qx, qy, qz)
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
        cands: list[_Cand],
        qx: float,
        qy: float,
        qz: float,
        k: int,
        max_distance_m: float | None,
    ) -> list[Hit]:
        dots = [x * qx + y * qy + z * qz for x, y, z, _ in cands]
        # Larger dot = nearer. Candidates are in key order and both max() and the stable sort
        # keep the first of equal values, so equal distances go to the lower key.
        by_dot = dots.__getitem__
        order = [dots.index(max(dots))] if k == 1 else sorted(range(len(dots)), key=by_dot, reverse=True)[:k]
        new = _tuple_new
        asin = math.asin
        sqrt = math.sqrt
        # chord² = 2 − 2·dot loses nothing that matters: ≤ 7 mm even 1 m from an outlet.
        hits = [new(Hit, (cands[i][3], _TWO_R * asin(sqrt(max(0.0, 0.5 - 0.5 * dots[i]))))) for i in order]
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
