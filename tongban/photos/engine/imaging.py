"""Small image helpers shared by the photo engine (no model, no policy)."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

import cv2
import numpy as np


def flat_dict(obj: Any) -> dict[str, Any]:
    """A dataclass of plain values (numbers, strings, tuples of them) as a dict.

    ``dataclasses.asdict`` would deep-copy every value, which for these immutable fields is
    pure cost (it was ~5 % of a photo's processing, reports being built for every photo).
    """
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


_LAB8_TO_LAB = np.array([[100.0 / 255.0, 0, 0, 0], [0, 1, 0, -128.0], [0, 0, 1, -128.0]], np.float32)


def lab8_to_lab(lab8: np.ndarray) -> np.ndarray:
    """CIELAB as float32 (L* 0–100, a*, b* signed) from OpenCV's 8-bit CIELAB."""
    # one affine pass (scale L, shift a and b) instead of two strided numpy passes
    return cv2.transform(lab8.astype(np.float32), _LAB8_TO_LAB)


def lab_of(rgb: np.ndarray) -> np.ndarray:
    """CIELAB as float32 (L* 0–100, a*, b* signed) from 8-bit sRGB."""
    return lab8_to_lab(cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB))


@functools.cache
def _lab1(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    v = lab_of(np.array([[rgb]], dtype=np.uint8))[0, 0]
    return float(v[0]), float(v[1]), float(v[2])


def rgb_to_lab1(rgb: tuple[int, int, int]) -> np.ndarray:
    """CIELAB of one sRGB colour (cached: standards name few colours)."""
    return np.array(_lab1(tuple(int(c) for c in rgb)), dtype=np.float32)


def aligned_warp(
    eye_mid: tuple[float, float], roll_deg: float, scale: float, dst_eye: tuple[float, float]
) -> np.ndarray:
    """2×3 affine mapping destination pixels to source pixels (for WARP_INVERSE_MAP).

    The destination is upright (eyes level), ``scale`` destination pixels per source pixel,
    with the source ``eye_mid`` landing on ``dst_eye``.
    """
    t = math.radians(roll_deg)
    c, s = math.cos(t) / scale, math.sin(t) / scale
    a = np.array([[c, -s], [s, c]])
    b = np.array(eye_mid) - a @ np.array(dst_eye)
    return np.hstack([a, b[:, None]])


def halve(img: np.ndarray) -> np.ndarray:
    """``img`` at half its size by the area filter (OpenCV's fast 2×2 path; an odd last row or
    column is left out)."""
    h, w = img.shape[:2]
    return cv2.resize(img[: h // 2 * 2, : w // 2 * 2], (w // 2, h // 2), interpolation=cv2.INTER_AREA)


def warp_reflected(img: np.ndarray, m: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``cv2.warpAffine`` of ``img`` into a ``size`` (w, h) frame whose pixel (x, y) shows the
    point ``m @ (x, y, 1)`` (bilinear), the image reflected beyond its edges (BORDER_REFLECT).

    OpenCV interpolates pixels that read beyond the image one by one (~3× slower per pixel);
    a frame reaching past the image (the crown strip above a derived photo's top edge) is
    warped from a reflected copy of the part it reads instead: the same pixels.
    """
    w, h = size
    ih, iw = img.shape[:2]
    xs = m[0, 0] * np.array([0, w, 0, w]) + m[0, 1] * np.array([0, 0, h, h]) + m[0, 2]
    ys = m[1, 0] * np.array([0, w, 0, w]) + m[1, 1] * np.array([0, 0, h, h]) + m[1, 2]
    # the source pixels bilinear reads, with a margin
    x0, y0 = math.floor(xs.min()) - 2, math.floor(ys.min()) - 2
    x1, y1 = math.ceil(xs.max()) + 3, math.ceil(ys.max()) + 3
    left, top, right, bottom = max(0, -x0), max(0, -y0), max(0, x1 - iw), max(0, y1 - ih)
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, iw), min(y1, ih)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    if not (left or top or right or bottom) or cx1 - cx0 <= max(left, right) or cy1 - cy0 <= max(top, bottom):
        # inside the image, or a reflection deeper than the part read: OpenCV's own border
        return cv2.warpAffine(img, m, size, flags=flags, borderMode=cv2.BORDER_REFLECT)
    part = cv2.copyMakeBorder(img[cy0:cy1, cx0:cx1], top, bottom, left, right, cv2.BORDER_REFLECT)
    shifted = m.copy()
    shifted[0, 2] -= cx0 - left
    shifted[1, 2] -= cy0 - top
    return cv2.warpAffine(part, shifted, size, flags=flags, borderMode=cv2.BORDER_REFLECT)


def shrink(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``img`` reduced to ``size`` (width, height) with an area filter.

    From two times larger on: an exact integer-factor area reduction (OpenCV's fast path,
    several times cheaper than a fractional area filter), then bilinear for the remaining
    factor (between 1 and 1/2, where bilinear hardly aliases).
    """
    h, w = img.shape[:2]
    tw, th = size
    f = min(w // max(tw, 1), h // max(th, 1))
    if f < 2:
        return cv2.resize(img, (tw, th), interpolation=cv2.INTER_AREA)
    cells = img[: (h // f) * f, : (w // f) * f]
    if f % 2 and f <= 15 and img.dtype == np.uint8:
        img = _cell_means(cells, f)
    else:
        img = cv2.resize(cells, (w // f, h // f), interpolation=cv2.INTER_AREA)
    if img.shape[1] == tw and img.shape[0] == th:
        return img
    return cv2.resize(img, (tw, th), interpolation=cv2.INTER_LINEAR)


def _cell_means(img: np.ndarray, f: int) -> np.ndarray:
    """The rounded mean of each ``f``×``f`` cell of an 8-bit image whose sides are multiples of
    ``f`` (odd, at most 15): exactly OpenCV's integer-factor area reduction (a cell's sum times
    1/f², rounded; with f odd a mean never ends in .5), ~1.6× faster than it for f = 3 (its
    path for factors other than 2 is not vectorised). The sums are a 16-bit box filter
    anchored at each cell's first pixel, picked at the cells' first pixels."""
    h, w = img.shape[:2]
    sums = cv2.boxFilter(img, cv2.CV_16U, (f, f), anchor=(0, 0), normalize=False)
    sums = cv2.resize(sums, (w // f, h // f), interpolation=cv2.INTER_NEAREST)  # pixel (x·f, y·f)
    return cv2.convertScaleAbs(sums, alpha=1.0 / (f * f))


def mean_chroma(lab: np.ndarray) -> float:
    """Mean CIELAB chroma √(a*² + b*²) of a float32 image (contiguous planes: ~5× np.hypot)."""
    _, a, b = cv2.split(np.ascontiguousarray(lab, dtype=np.float32))
    return float(cv2.mean(cv2.magnitude(a, b))[0])


def percentile(x: np.ndarray, q: float) -> float:
    """``np.percentile(x, q)`` (linear interpolation) from a partial sort, ~3× cheaper."""
    n = x.size
    pos = q / 100.0 * (n - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    part = np.partition(x.ravel(), [lo, hi] if hi != lo else [lo])
    a, b = float(part[lo]), float(part[hi])
    return a + (pos - lo) * (b - a)


def median_u8(x: np.ndarray) -> float:
    """The median of 8-bit values, from their histogram (exactly ``np.median``, ~5× faster)."""
    c = np.cumsum(np.bincount(x, minlength=256))
    n = x.size
    return (int(np.searchsorted(c, (n - 1) // 2, side="right")) + int(np.searchsorted(c, n // 2, side="right"))) / 2


def median_masked_u8(img: np.ndarray, mask8: np.ndarray) -> list[float]:
    """Per-channel medians of an 8-bit image's pixels where ``mask8`` is non-zero.

    Exactly ``np.median`` of those values, from OpenCV's masked histograms (no gathering).
    """
    return median_masked_planes(cv2.split(img), mask8)


def median_masked_planes(planes: Sequence[np.ndarray], mask8: np.ndarray) -> list[float]:
    """``median_masked_u8`` of an image given as its channels (contiguous 8-bit planes): a
    one-channel histogram per plane is ~3× cheaper than one channel picked out of an
    interleaved image."""
    n = cv2.countNonZero(mask8)
    out = []
    for plane in planes:
        hist = cv2.calcHist([plane], [0], mask8, [256], [0, 256]).ravel()
        c = np.cumsum(hist)
        lo = int(np.searchsorted(c, (n - 1) // 2, side="right"))
        hi = int(np.searchsorted(c, n // 2, side="right"))
        out.append((lo + hi) / 2)
    return out


def quarter_planes(img: np.ndarray) -> list[np.ndarray]:
    """The channels of every other row and column of ``img`` (a quarter of its pixels), each
    a contiguous plane (copied channel by channel: ~4× faster than numpy copying the strided
    interleaved pixels)."""
    return [np.ascontiguousarray(img[::2, ::2, c]) for c in range(img.shape[2])]
