"""Coordinates: WGS-84 ↔ GCJ-02 and great-circle distance.

GCJ-02 ("火星坐标") is the obfuscated datum that Chinese map providers (天地图 excepted, which
uses CGCS2000 ≈ WGS-84) require. The forward transform is the published one (Krasovsky
ellipsoid constants and a fixed trigonometric series); the inverse has no closed form, so it is
solved by fixed-point iteration, which converges to well under a millimetre in a few steps
because the offset varies slowly (a few hundred metres over tens of kilometres).

Every function accepts floats or numpy arrays and returns the same shape.
"""

from __future__ import annotations

import math
from typing import Any, overload

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius; used for all great-circle distances here

# Constants of the published GCJ-02 transform (Krasovsky 1940 ellipsoid).
_GCJ_A = 6_378_245.0
_GCJ_EE = 0.00669342162296594323

FloatArray = npt.NDArray[np.float64]


def in_china(lat: npt.ArrayLike, lng: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """The rough bounding box inside which GCJ-02 applies an offset (outside it is identity)."""
    la = np.asarray(lat, dtype=np.float64)
    ln = np.asarray(lng, dtype=np.float64)
    return (ln >= 72.004) & (ln <= 137.8347) & (la >= 0.8293) & (la <= 55.8271)


def _gcj_offset(lat: FloatArray, lng: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Offset in degrees (dlat, dlng) that GCJ-02 adds to a WGS-84 point."""
    x = lng - 105.0
    y = lat - 35.0
    pi = np.pi
    sx = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    t_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + common
    t_lat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    t_lat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    t_lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + common
    t_lng += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    t_lng += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0

    rad = lat / 180.0 * pi
    magic = 1.0 - _GCJ_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (t_lat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * pi)
    dlng = (t_lng * 180.0) / (_GCJ_A / sqrt_magic * np.cos(rad) * pi)
    inside = in_china(lat, lng)
    return np.where(inside, dlat, 0.0), np.where(inside, dlng, 0.0)


@overload
def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lat: FloatArray, lng: FloatArray) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_gcj02(lat: Any, lng: Any) -> Any:
    """WGS-84 → GCJ-02 (identity outside China)."""
    la = np.asarray(lat, dtype=np.float64)
    ln = np.asarray(lng, dtype=np.float64)
    dlat, dlng = _gcj_offset(la, ln)
    return _like(lat, la + dlat), _like(lng, ln + dlng)


@overload
def gcj02_to_wgs84(lat: float, lng: float, *, tol_deg: float = ...) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lat: FloatArray, lng: FloatArray, *, tol_deg: float = ...) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_wgs84(lat: Any, lng: Any, *, tol_deg: float = 1e-10) -> Any:
    """GCJ-02 → WGS-84 by fixed-point iteration (tolerance 1e-10° ≈ 0.01 mm).

    Raises nothing; stops after 30 iterations (in practice 3–5 suffice).
    """
    g_lat = np.asarray(lat, dtype=np.float64)
    g_lng = np.asarray(lng, dtype=np.float64)
    w_lat, w_lng = g_lat.copy(), g_lng.copy()
    for _ in range(30):
        dlat, dlng = _gcj_offset(w_lat, w_lng)
        err_lat = w_lat + dlat - g_lat
        err_lng = w_lng + dlng - g_lng
        w_lat = w_lat - err_lat
        w_lng = w_lng - err_lng
        if float(np.max(np.abs(err_lat), initial=0.0)) < tol_deg and (
            float(np.max(np.abs(err_lng), initial=0.0)) < tol_deg
        ):
            break
    return _like(lat, w_lat), _like(lng, w_lng)


def _like(original: Any, value: FloatArray) -> float | FloatArray:
    if np.ndim(original) == 0:
        return float(value)
    return value


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points (scalar, no numpy overhead)."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def haversine_m_array(lat1: npt.ArrayLike, lng1: npt.ArrayLike, lat2: npt.ArrayLike, lng2: npt.ArrayLike) -> FloatArray:
    """Vectorised great-circle distance in metres (broadcasting)."""
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dl = np.radians(np.asarray(lng2, dtype=np.float64) - np.asarray(lng1, dtype=np.float64))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def unit_vectors(lat: npt.ArrayLike, lng: npt.ArrayLike) -> FloatArray:
    """Points on the unit sphere, shape (n, 3). Chord length is monotone in great-circle
    distance, so a Euclidean nearest-neighbour search on these is exact on the sphere."""
    la = np.radians(np.asarray(lat, dtype=np.float64))
    ln = np.radians(np.asarray(lng, dtype=np.float64))
    cos_la = np.cos(la)
    return np.stack([cos_la * np.cos(ln), cos_la * np.sin(ln), np.sin(la)], axis=-1)


def chord_to_m(chord: npt.ArrayLike) -> FloatArray:
    """Chord length on the unit sphere → great-circle metres."""
    c = np.asarray(chord, dtype=np.float64)
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, c / 2.0))


def m_to_chord(metres: float) -> float:
    """Great-circle metres → chord length on the unit sphere (inverse of ``chord_to_m``)."""
    return 2.0 * math.sin(min(math.pi / 2, metres / (2.0 * EARTH_RADIUS_M)))
