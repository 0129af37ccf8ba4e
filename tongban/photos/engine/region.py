"""Where the photo really is: fill left by rotation or scanning is outside it.

An editor that rotates a photo, or a scanner that captures the bed around a print, leaves flat
areas of one colour in the corners or along an edge, bounded by a straight line. Those pixels
were never photographed: the engine treats them as outside the photo (no person, no
background, nothing to extend into the derived files).

A fill is found by flooding from points on the image border with a tight colour range (fill is
one colour: after JPEG its pixels stay within a level or two) and keeping the floods whose
boundary inside the image is one straight line. A plain backdrop floods too, but its boundary is
the person's outline, never a line. Each fill becomes a half-plane: the photo is the image
rectangle cut by these lines, a convex polygon, so any point or output pixel is tested
exactly and cheaply.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

FLOOD_TOLERANCES = (1, 2)  # 8-bit levels per channel around the seed's colour
MIN_FILL_SHARE = 0.0005  # of the image's pixels
RANSAC_TRIES = 200
SKIP_LEVELS = 12  # a seed this close (per channel) to a colour to skip is not flooded
LINE_DISTANCE = 1.5  # px from the fitted line that still counts as on it
MIN_EDGE_SHARE = 0.12  # the straight run is at least this share of the image's short side
LINE_SHARE = 0.5  # share of the flood's inner boundary on the line
FLOOD_BEYOND = 0.6  # share of the flood that lies beyond the line
FILL_COVERAGE = 0.95  # share of the pixels beyond the line that must be fill
WORK_LONG_SIDE = 1000
EDGE_GUARD = 4.0  # px moved into the photo: the anti-aliased edge of a rotation is fill too
SEEDS_PER_SIDE = 8

Line = tuple[float, float, float]  # a·x + b·y + c >= 0 inside the photo


@dataclass(frozen=True, slots=True)
class Fill:
    """One fill area: its colour, share of the image and the line that bounds it."""

    colour: tuple[int, int, int]
    share: float
    line: Line

    def contains_seed(self, x: float, y: float) -> bool:
        """Whether the point lies beyond this fill's line (in the fill)."""
        a, b, c = self.line
        return a * x + b * y + c < 0


@dataclass(frozen=True, slots=True)
class PhotoRegion:
    """The image rectangle cut by the fills' lines (image pixel coordinates)."""

    width: int
    height: int
    fills: tuple[Fill, ...] = ()

    def rescaled(self, width: int, height: int) -> PhotoRegion:
        """The same region in the same photo decoded at another size."""
        k = width / self.width
        fills = tuple(Fill(f.colour, f.share, (f.line[0], f.line[1], f.line[2] * k)) for f in self.fills)
        return PhotoRegion(width=width, height=height, fills=fills)

    @property
    def lines(self) -> list[Line]:
        """Every half-plane: the four image edges (half a pixel out), then the fills."""
        w, h = self.width, self.height
        edges: list[Line] = [(1.0, 0.0, 0.5), (-1.0, 0.0, w - 0.5), (0.0, 1.0, 0.5), (0.0, -1.0, h - 0.5)]
        return edges + [f.line for f in self.fills]

    def contains(self, pts: np.ndarray, *, margin: float = 0.0) -> np.ndarray:
        """Which (x, y) points lie inside, at least ``margin`` px from every edge."""
        pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        ok = np.ones(len(pts), bool)
        for a, b, c in self.lines:
            ok &= a * pts[:, 0] + b * pts[:, 1] + c >= margin
        return ok

    def raster(self, size: tuple[int, int], m: np.ndarray | None = None, *, margin: float = 0.0) -> np.ndarray:
        """uint8 mask (1 = inside the photo, at least ``margin`` source px from its edges) of a
        ``size`` (w, h) image whose pixel (x, y) comes from the source point ``m @ (x, y, 1)``
        (identity if ``m`` is None)."""
        w, h = size
        if m is None:
            m = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        xs = np.arange(w, dtype=np.float32)[None, :]
        ys = np.arange(h, dtype=np.float32)[:, None]
        out = np.ones((h, w), bool)
        for a, b, c in self.lines:
            # the line in destination coordinates: a·sx + b·sy + c with (sx, sy) = m·(x, y, 1)
            ka = a * m[0, 0] + b * m[1, 0]
            kb = a * m[0, 1] + b * m[1, 1]
            kc = a * m[0, 2] + b * m[1, 2] + c
            # a linear function over a rectangle is least at a corner: a line every corner is
            # inside of cuts nothing (the usual case: a frame well inside the photo)
            if min(kc, ka * (w - 1) + kc, kb * (h - 1) + kc, ka * (w - 1) + kb * (h - 1) + kc) >= margin:
                continue
            out &= (ka * xs + kb * ys + kc) >= margin
        return out.view(np.uint8)

    def to_dict(self, scale: float = 1.0) -> list[dict[str, object]]:
        """The fills as report data (lines in original pixels)."""
        out: list[dict[str, object]] = []
        for f in self.fills:
            colour = "#{:02X}{:02X}{:02X}".format(*f.colour)
            out.append({"colour": colour, "share": round(f.share, 4), "line": _scaled(f.line, scale)})
        return out


def _scaled(line: Line, scale: float) -> list[float]:
    a, b, c = line
    return [round(a, 5), round(b, 5), round(c / scale, 2)]


def _seeds(w: int, h: int) -> list[tuple[int, int]]:
    pts = [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)]
    for i in range(1, SEEDS_PER_SIDE):
        x, y = i * (w - 1) // SEEDS_PER_SIDE, i * (h - 1) // SEEDS_PER_SIDE
        pts += [(x, 0), (x, h - 1), (0, y), (w - 1, y)]
    return pts


def find_region(
    rgb: np.ndarray,
    *,
    tolerances: tuple[int, ...] = FLOOD_TOLERANCES,
    skip: tuple[tuple[int, int, int], ...] = (),
) -> PhotoRegion:
    """The photo's region in ``rgb``: the whole image unless fill areas are found.

    ``skip``: seeds within ``SKIP_LEVELS`` of one of these colours are not flooded (a derived
    photo's own background, which is flat by design).

    The search runs on a copy at most ``WORK_LONG_SIDE`` px long (fill stays flat when
    reduced; the lines are scaled back, ``EDGE_GUARD`` of the copy's pixels inside the cut).
    """
    h, w = rgb.shape[:2]
    f = round(max(h, w) / WORK_LONG_SIDE)
    k = 1.0
    if f >= 2:  # OpenCV's fast path: an exact integer-factor area reduction
        img = cv2.resize(rgb[: h // f * f, : w // f * f], (w // f, h // f), interpolation=cv2.INTER_AREA)
        k = 1.0 / f
    else:
        img = rgb if rgb.flags.writeable and rgb.flags.c_contiguous else rgb.copy()  # floodFill wants it writable
    sh, sw = img.shape[:2]
    fills: list[Fill] = []
    skip_arr = np.array(skip, np.int16).reshape(-1, 3)
    seeds = _seeds(sw, sh)
    edges = _edges_through(img, seeds)
    min_run = MIN_EDGE_SHARE * min(sw, sh)
    for tol in tolerances:
        # a fill's pixels stay within a level of its colour except where JPEG rings near its
        # edge; a wider range floods more of a backdrop of the same colour: try both
        labels = np.zeros((sh + 2, sw + 2), np.uint8)
        put_off: list[tuple[int, int, int]] = []
        for n, (sx, sy) in enumerate(seeds, start=1):
            if any(f.contains_seed(sx / k, sy / k) for f in fills):
                continue  # inside a fill already found
            if len(skip_arr) and (np.abs(skip_arr - img[sy, sx].astype(np.int16)).max(axis=1) <= SKIP_LEVELS).any():
                continue
            if _run_through(edges[n - 1], img[sy, sx], tol) < min_run:
                # its flood would run along the edge no further: it cannot be a fill. Its flood
                # only keeps later floods out of its pixels: it is flooded before the next flood
                put_off.append((n, sx, sy))
                continue
            for pn, px, py in put_off:
                if not labels[py + 1, px + 1]:
                    _flood(img, labels, pn, px, py, tol)
            put_off.clear()
            if labels[sy + 1, sx + 1]:
                continue  # inside an earlier flood
            area, rect = _flood(img, labels, n, sx, sy, tol)
            if area < MIN_FILL_SHARE * sw * sh or _border_run(labels, n, sx, sy, sw, sh) < min_run:
                continue  # fill reaches along the image's edge (a wedge's leg, a band's length)
            x0, y0, rw, rh = rect
            region = (labels[1 + y0 : 1 + y0 + rh, 1 + x0 : 1 + x0 + rw] == n).view(np.uint8)
            line = _straight_boundary(region, (x0, y0), sw, sh)
            if line is None:
                continue
            a, b, c = line
            col = img[sy, sx]
            colour = (int(col[0]), int(col[1]), int(col[2]))
            fill = Fill(colour=colour, share=area / (sw * sh), line=(a, b, c / k))
            if not any(_same_line(fill.line, f.line) for f in fills):
                fills.append(fill)
    return PhotoRegion(width=w, height=h, fills=tuple(fills))


def _flood(img: np.ndarray, labels: np.ndarray, n: int, sx: int, sy: int, tol: int) -> tuple[int, Sequence[int]]:
    """Label ``n`` in ``labels`` on the pixels within ``tol`` levels (per channel) of the seed's
    colour connected to it (4-neighbours), leaving pixels already labelled alone; its area and
    bounding box."""
    flags = 4 | cv2.FLOODFILL_FIXED_RANGE | cv2.FLOODFILL_MASK_ONLY | (n << 8)
    area, _, _, rect = cv2.floodFill(img, labels, (sx, sy), (0, 0, 0), (tol,) * 3, (tol,) * 3, flags)
    return area, rect


def _edges_through(img: np.ndarray, seeds: list[tuple[int, int]]) -> list[list[tuple[np.ndarray, int]]]:
    """For each seed, every image edge it lies on (a 1×n 3-channel image) and its place there."""
    h, w = img.shape[:2]
    top, bottom = img[0].reshape(1, w, 3), img[h - 1].reshape(1, w, 3)
    left, right = (np.ascontiguousarray(img[:, x]).reshape(1, h, 3) for x in (0, w - 1))
    out: list[list[tuple[np.ndarray, int]]] = []
    for sx, sy in seeds:
        lines = [(top, sx)] if sy == 0 else [(bottom, sx)] if sy == h - 1 else []
        lines += [(left, sy)] if sx == 0 else [(right, sy)] if sx == w - 1 else []
        out.append(lines)
    return out


def _run_through(lines: list[tuple[np.ndarray, int]], colour: np.ndarray, tol: int) -> int:
    """Longest run of pixels within ``tol`` levels (per channel) of ``colour`` along the image
    edges through a seed of that colour: a flood from the seed (which takes only such pixels)
    runs no further along them (``_border_run``)."""
    lo = tuple(int(c) - tol for c in colour)
    hi = tuple(int(c) + tol for c in colour)
    best = 0
    for line, pos in lines:
        inside = cv2.inRange(line, lo, hi).tobytes()  # 255 in range, 0 out
        start = inside.rfind(0, 0, pos) + 1
        end = inside.find(0, pos)
        best = max(best, (end if end >= 0 else len(inside)) - start)
    return best


def _same_line(p: Line, q: Line) -> bool:
    """Two lines within 2° and 3 px of each other (one cut found twice)."""
    return p[0] * q[0] + p[1] * q[1] > math.cos(math.radians(2)) and abs(p[2] - q[2]) < 3.0


def _beyond_area(line: Line, x0: float, y0: float, x1: float, y1: float) -> float:
    """Area of the rectangle [x0, x1]×[y0, y1] where a·x + b·y + c < 0 (polygon clipping)."""
    a, b, c = line
    poly = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    out: list[tuple[float, float]] = []
    for i, p in enumerate(poly):
        q = poly[(i + 1) % 4]
        fp, fq = a * p[0] + b * p[1] + c, a * q[0] + b * q[1] + c
        if fp < 0:
            out.append(p)
        if (fp < 0) != (fq < 0):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    if len(out) < 3:
        return 0.0
    xs, ys = np.array([p[0] for p in out]), np.array([p[1] for p in out])
    return float(abs(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1))) / 2)


def _straight_boundary(region: np.ndarray, origin: tuple[int, int], w: int, h: int) -> Line | None:
    """The line bounding a flooded area (photo side positive), if the area is a clean cut.

    ``region`` is the flood inside its bounding box at ``origin`` of a ``w``×``h`` image. Its
    inner boundary must hold one long straight run (a rotation's edge or a scan's border: at
    least ``MIN_EDGE_SHARE`` of the image's short side), and (nearly) every pixel beyond that
    line must be flood: then the flat area is fill, whatever leaked into it from a backdrop of
    its colour.
    """
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    ox, oy = origin
    pts = np.concatenate([c.reshape(-1, 2) for c in contours]).astype(np.float64) + np.array([ox, oy], np.float64)
    inner = pts[(pts[:, 0] > 1) & (pts[:, 0] < w - 2) & (pts[:, 1] > 1) & (pts[:, 1] < h - 2)]
    min_run = MIN_EDGE_SHARE * min(w, h)
    if len(inner) < min_run:
        return None
    fit = _ransac_line(inner)
    if fit is None:
        return None
    n, c = fit
    on_line = int(np.count_nonzero(np.abs(inner @ n + c) <= LINE_DISTANCE))
    if on_line < min_run or on_line < LINE_SHARE * len(inner):
        return None  # a fill's inner edge is the line; a backdrop's is the person's outline
    # JPEG's ringing leaves specks inside a fill that the flood skips: count them as fill
    solid: np.ndarray = cv2.drawContours(np.zeros_like(region), contours, -1, 1, thickness=cv2.FILLED)
    rh, rw = region.shape
    xs = np.arange(rw, dtype=np.float32)[None, :] + (ox + 0.5)
    ys = np.arange(rh, dtype=np.float32)[:, None] + (oy + 0.5)
    for sign in (1.0, -1.0):  # the flood may lie on either side; the fill side is all flood
        a, b, cc = float(n[0]) * sign, float(n[1]) * sign, float(c) * sign
        beyond: Line = (a, b, cc + LINE_DISTANCE)  # beyond the line, with some slack
        total = _beyond_area(beyond, 0, 0, w, h)
        if total <= 0 or _beyond_area(beyond, ox, oy, ox + rw, oy + rh) < FILL_COVERAGE * total:
            continue  # part of what lies beyond the line is outside the flood's box
        half = ((a * xs + b * ys + beyond[2]) < 0).view(np.uint8)
        if cv2.countNonZero(cv2.bitwise_and(solid, half)) < FILL_COVERAGE * total:
            continue
        # and the flood is mostly that: a plain backdrop floods far past any line that merely
        # touches the person's outline, a fill only leaks a little into a backdrop of its colour
        if cv2.countNonZero(region & half) >= FLOOD_BEYOND * cv2.countNonZero(region):
            return (a, b, cc - EDGE_GUARD)
    return None


def _ransac_line(pts: np.ndarray) -> tuple[np.ndarray, float] | None:
    """The line (unit normal n, offset c: n·p + c = 0) through the most points, refitted.

    RANSAC, because a backdrop of the fill's own colour leaks into the flood and frays parts
    of the straight edge.
    """
    rng = np.random.default_rng(0)  # deterministic: the same photo gives the same region
    if len(pts) > 1500:
        pts = pts[rng.choice(len(pts), 1500, replace=False)]
    i = rng.integers(0, len(pts), RANSAC_TRIES)
    j = rng.integers(0, len(pts), RANSAC_TRIES)
    d = pts[j] - pts[i]
    norm = np.hypot(d[:, 0], d[:, 1])
    ok = norm >= 10
    if not ok.any():
        return None
    normals = np.stack([-d[ok, 1], d[ok, 0]], axis=1) / norm[ok, None]
    offs = -np.einsum("ij,ij->i", normals, pts[i[ok]])
    counts = (np.abs(pts @ normals.T + offs) <= LINE_DISTANCE).sum(axis=0)
    best = int(np.argmax(counts))
    n, c = normals[best], offs[best]
    inl = pts[np.abs(pts @ n + c) <= LINE_DISTANCE]
    vx, vy, x0, y0 = (float(v) for v in cv2.fitLine(inl.astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01).ravel())
    n = np.array([-vy, vx])
    return n, -(n[0] * x0 + n[1] * y0)


def _border_run(labels: np.ndarray, n: int, sx: int, sy: int, w: int, h: int) -> int:
    """Longest run of the flood ``n`` along the image edge(s) through its seed."""
    inner = labels[1:-1, 1:-1]
    best = 0
    for line, pos in (
        (inner[sy, :], sx) if sy in (0, h - 1) else (None, 0),
        (inner[:, sx], sy) if sx in (0, w - 1) else (None, 0),
    ):
        if line is None:
            continue
        hit = line == n
        lo = pos
        while lo > 0 and hit[lo - 1]:
            lo -= 1
        hi = pos
        while hi < len(hit) - 1 and hit[hi + 1]:
            hi += 1
        best = max(best, hi - lo + 1)
    return best
