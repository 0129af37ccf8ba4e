"""Derive a document photo for a standard from one analysed original.

Steps: plan the head geometry (scale and crown margin inside every range of the standard, a
quarter of each range away from its ends, nearest to the ranges' centres, with the output below
the chin inside the photo), rotate to level the eyes, crop, resample with an area filter, put
the person (through the refined person mask) over the standard's background colour, encode with
a JPEG quality search that lands inside the KB window (never padding bytes), write the dpi.

No pixel is invented: nothing is replicated from the photo's edge. Output pixels beyond the
photo (or in fill left by rotation or scanning) take the background colour, which is allowed
above and beside the head only; a standard that would need them below the chin, or against
the head, is refused with what to do. A photo that cannot meet a standard raises
``DeriveError`` (a stable code and the citizen's text in ``MESSAGES``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import simplejpeg

from tongban.photos.engine.analyse import Analysis, HeadGeometry
from tongban.photos.engine.imaging import aligned_warp, rgb_to_lab1
from tongban.photos.engine.mask import BACKDROP_RADIUS_IED, composite, local_backdrop, refine
from tongban.photos.engine.region import PhotoRegion
from tongban.photos.engine.standards import PhotoStandard

MAX_UPSCALE = 1.15  # output px per source px; above this the photo is too small for the standard
CHIN_BOTTOM_MARGIN = 0.03  # share of the output height that must stay below the chin
INSET = 0.25  # share of each range kept free at both ends for the verifier's re-measurement
HEAD_TOUCH_IED = 0.15  # head pixels next to extended background that are still a stray hair

# Why a standard could not be made, and what to do: fixed Chinese texts (Django msgids in the
# photos catalogue; the English is the catalogue's translation and is kept here for the API).
MESSAGES: dict[str, tuple[str, str]] = {
    "quality": (
        "照片未通过质量检查，请按提示重拍。",
        "The photo failed the quality check; follow the hints and retake it.",
    ),
    "too_small": (
        "人脸分辨率不足，请靠近镜头或使用更高分辨率的照片。",
        "The face has too few pixels; come closer or use a higher-resolution photo.",
    ),
    "geometry": (
        "头部比例或位置无法满足该证件的要求，请正对镜头、头部居中后重拍。",
        "The head cannot be framed for this document; face the camera, centre your head and retake.",
    ),
    "shoulders": ("请拍摄包含双肩的照片。", "Take a photo that shows both shoulders."),
    "margins": (
        "头部太靠近画面边缘，请让头部位于画面中央，头顶和两侧都留出空间。",
        "The head is too close to the edge of the photo; centre it and leave space above and beside it.",
    ),
    "file_size": (
        "照片无法压缩到规定的文件大小，请重新拍摄。",
        "The photo cannot be compressed to the required file size; please retake it.",
    ),
}


class DeriveError(ValueError):
    """The photo cannot meet the standard; ``code`` is stable, messages say why."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    def as_dict(self) -> dict[str, str]:
        """The refusal as report data."""
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}


@dataclass(frozen=True, slots=True)
class Plan:
    """Where the head lands: ``scale`` output px per source px, crown ``margin`` in output px."""

    scale: float
    margin: float
    eye_y: float
    predicted: dict[str, float]


@dataclass(slots=True)
class Derivative:
    """One encoded document photo and how it was made."""

    standard: str
    data: bytes
    width: int
    height: int
    dpi: int
    quality: int
    subsampling: str
    background_replaced: bool
    plan: Plan
    pixels: np.ndarray | None = field(default=None, repr=False)

    @property
    def kb(self) -> float:
        """File size in KB (1,000 bytes)."""
        return len(self.data) / 1000

    def summary(self) -> dict[str, Any]:
        """JSON-able facts about the file (not the bytes)."""
        return {
            "standard": self.standard,
            "width": self.width,
            "height": self.height,
            "dpi": self.dpi,
            "bytes": len(self.data),
            "quality": self.quality,
            "subsampling": self.subsampling,
            "background_replaced": self.background_replaced,
            "planned": {k: round(v, 1) for k, v in self.plan.predicted.items()},
        }


def _mid(r: tuple[float, float]) -> float:
    return (r[0] + r[1]) / 2


def _candidates(geo: HeadGeometry, std: PhotoStandard) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Grid of (scale, crown margin) inside every range (kept ``INSET`` inside each end), the
    eye rows they give, and which of them fit the canvas."""
    g = std.geometry
    ho = std.height_px
    if g.mode == "face_width":
        assert g.face_width_px is not None
        lo, hi = g.face_width_px[0] / geo.face_width, g.face_width_px[1] / geo.face_width
    else:
        assert g.head_height_px is not None and g.head_width_px is not None
        lo = max(g.head_height_px[0] / geo.head_height, g.head_width_px[0] / geo.head_width)
        hi = min(g.head_height_px[1] / geo.head_height, g.head_width_px[1] / geo.head_width)
    if lo > hi:
        raise DeriveError("geometry", *MESSAGES["geometry"])
    # stay inside the ranges so the independent re-measurement has room
    lo_i, hi_i = lo + (hi - lo) * INSET, hi - (hi - lo) * INSET
    m_lo, m_hi = g.crown_margin_px
    m_lo_i, m_hi_i = m_lo + (m_hi - m_lo) * INSET, m_hi - (m_hi - m_lo) * INSET
    ss, ms = np.meshgrid(np.linspace(lo_i, hi_i, 25), np.linspace(m_lo_i, m_hi_i, 9))
    eye_y = ms + ss * geo.crown
    ok = eye_y + ss * geo.chin <= ho * (1 - CHIN_BOTTOM_MARGIN)
    if g.eye_line_min_from_bottom_px is not None:
        ok &= ho - eye_y >= g.eye_line_min_from_bottom_px + 2
    return ss, ms, eye_y, ok


def _below_chin_inside(
    geo: HeadGeometry, std: PhotoStandard, region: PhotoRegion, ss: np.ndarray, eye_y: np.ndarray
) -> np.ndarray:
    """For each candidate, whether the output below the chin line lies inside the photo.

    The photo's region is convex, so the four corners of that part of the output decide.
    """
    wo, ho = std.width_px, std.height_px
    t = math.radians(geo.roll)
    c, s = math.cos(t), math.sin(t)
    ex, ey = geo.eye_mid
    chin_rows = eye_y + ss * geo.chin
    bottom = np.full(ss.shape, float(ho))
    # the four corners of every candidate at once (one containment test)
    ox = np.array([0.0, wo, 0.0, wo])[:, None, None]
    u = (ox - wo / 2) / ss
    v = (np.stack([chin_rows, chin_rows, bottom, bottom]) - eye_y) / ss
    px = ex + c * u - s * v
    py = ey + s * u + c * v
    inside = region.contains(np.stack([px.ravel(), py.ravel()], axis=1), margin=1.0)
    return np.logical_and.reduce(inside.reshape((4, *ss.shape)), axis=0)


def plan_geometry(
    geo: HeadGeometry, std: PhotoStandard, source: tuple[int, int] | None = None, region: PhotoRegion | None = None
) -> Plan:
    """Choose scale and crown margin meeting every geometric range of ``std``.

    Among the choices that fit, the one nearest the ranges' centres wins, with a penalty for
    every output row that would lie outside ``source`` (width, height of the decoded photo).
    With ``region`` (the photo's region) only choices whose output below the chin lies inside
    the photo are taken: pixels below the shoulders are never invented. Raises
    DeriveError(geometry | shoulders).
    """
    g = std.geometry
    ho = std.height_px
    ss, ms, eye_y, ok = _candidates(geo, std)
    if g.mode == "face_width":
        assert g.face_width_px is not None
        lo, hi = g.face_width_px[0] / geo.face_width, g.face_width_px[1] / geo.face_width
        target_s = _mid(g.face_width_px) / geo.face_width
    else:
        assert g.head_height_px is not None and g.head_width_px is not None
        lo = max(g.head_height_px[0] / geo.head_height, g.head_width_px[0] / geo.head_width)
        hi = min(g.head_height_px[1] / geo.head_height, g.head_width_px[1] / geo.head_width)
        target_s = _mid(g.head_height_px) / geo.head_height
    m_lo, m_hi = g.crown_margin_px
    cost = ((ss - target_s) / max(hi - lo, 1e-9)) ** 2 + ((ms - _mid(g.crown_margin_px)) / max(m_hi - m_lo, 1e-9)) ** 2
    if source is not None:
        sw, _ = source
        ex, ey = geo.eye_mid
        # source rows/columns the output spans (roll ignored: a few pixels at most)
        top = ey - eye_y / ss
        half = std.width_px / 2 / ss
        out_px = (
            np.maximum(0.0, -top) * ss / ho
            + (np.maximum(0.0, half - ex) + np.maximum(0.0, ex + half - sw)) * ss / std.width_px
        )
        cost = cost + 4.0 * out_px
    if not ok.any():
        raise DeriveError("geometry", *MESSAGES["geometry"])
    if region is not None:
        ok &= _below_chin_inside(geo, std, region, ss, eye_y)
        if not ok.any():
            raise DeriveError("shoulders", *MESSAGES["shoulders"])
    i = np.unravel_index(int(np.argmin(np.where(ok, cost, np.inf))), cost.shape)
    sb, mb, eb = float(ss[i]), float(ms[i]), float(eye_y[i])
    pred = {
        "crown_margin": mb,
        "eye_from_bottom": ho - eb,
        "face_width": sb * geo.face_width,
        "head_height": sb * geo.head_height,
        "head_width": sb * geo.head_width,
    }
    return Plan(scale=sb, margin=mb, eye_y=eb, predicted=pred)


def render(
    rgb: np.ndarray,
    analysis: Analysis,
    std: PhotoStandard,
    plan: Plan,
    *,
    target: tuple[int, int, int],
) -> np.ndarray:
    """The output pixels: levelled, cropped, area-resampled, the person over ``target``.

    Nothing is invented: output pixels from outside the photo (beyond its edges or in its
    fill) take the standard's colour, and only above the chin and never against the head.
    Raises DeriveError(shoulders | margins) otherwise.
    """
    geo, bg, region, pmap = analysis.geometry, analysis.background, analysis.region, analysis.person
    assert geo is not None and bg is not None and region is not None and pmap is not None
    wo, ho = std.width_px, std.height_px
    s = plan.scale
    m = aligned_warp(geo.eye_mid, geo.roll, s, (wo / 2, plan.eye_y))
    corners = np.array([[0, 0, 1], [wo, 0, 1], [0, ho, 1], [wo, ho, 1]], float) @ m.T
    h, w = rgb.shape[:2]
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    ix0, iy0 = min(max(math.floor(x0) - 2, 0), w - 1), min(max(math.floor(y0) - 2, 0), h - 1)
    ix1, iy1 = max(min(math.ceil(x1) + 2, w), ix0 + 1), max(min(math.ceil(y1) + 2, h), iy0 + 1)
    crop = rgb[iy0:iy1, ix0:ix1]
    cw, ch = ix1 - ix0, iy1 - iy0
    if s < 0.9:  # area filter down to the output scale first, then a rotation at ~1:1
        nw, nh = max(round(cw * s), 1), max(round(ch * s), 1)
        # OpenCV's fractional area filter is generic scalar code; on float32 it runs ~1.5× faster
        # than on 8-bit, and rounding back gives the same pixels
        small = cv2.convertScaleAbs(cv2.resize(crop.astype(np.float32), (nw, nh), interpolation=cv2.INTER_AREA))
        kx, ky = nw / cw, nh / ch
    else:
        small = crop
        kx = ky = 1.0
    m2 = m.copy()
    m2[0] = (m[0] - np.array([0, 0, ix0])) * kx
    m2[1] = (m[1] - np.array([0, 0, iy0])) * ky
    img = cv2.warpAffine(
        small,
        m2,
        (wo, ho),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(int(target[0]), int(target[1]), int(target[2])),
    )
    # a pixel interpolated from the photo's last row or column and the border is not photo
    valid = region.raster((wo, ho), m, margin=1.0)
    chin_y = plan.eye_y + s * geo.chin
    outside = 1 - valid
    if cv2.countNonZero(outside[math.ceil(chin_y) :]):
        raise DeriveError("shoulders", *MESSAGES["shoulders"])
    coarse = pmap.warp(m, (wo, ho)) * valid
    back = local_backdrop(img, coarse, valid, bg.rgb, max(2, round(BACKDROP_RADIUS_IED * s * geo.ied)))
    alpha = refine(coarse, img, back, s * geo.ied, valid)
    if cv2.countNonZero(outside):
        # fill may extend the background beside and above the head, never cut the head itself
        near = cv2.dilate(outside, np.ones((5, 5), np.uint8))
        touching = cv2.countNonZero(near & (alpha >= 0.5).view(np.uint8))
        if touching > HEAD_TOUCH_IED * s * geo.ied:
            raise DeriveError("margins", *MESSAGES["margins"])
    return composite(img, alpha, back, target)


def set_jfif_dpi(data: bytes, dpi: int) -> bytes:
    """Write the density into the JFIF APP0 header (units = dots per inch)."""
    if data[2:4] != b"\xff\xe0" or data[6:11] != b"JFIF\x00":
        raise ValueError("encoder did not write a JFIF header")
    return data[:13] + bytes([1]) + dpi.to_bytes(2, "big") * 2 + data[18:]


# A file within this share of the window's top is accepted without proving that one quality
# step more would not fit (each step is ~2–7 % of the size): saves an encode per standard.
NEAR_TOP = 0.96
# JPEG size is close to a power of libjpeg's quantisation-table scale (``_table_scale``): on the
# derived files of the test set ln(bytes) is linear in it within 2.6 % over qualities 60–95,
# with a slope of 0.50–0.56 (0.53 on average); the search predicts the quality on that axis.
SIZE_SLOPE = 0.53  # d ln(bytes) / d _table_scale(quality), before any is measured


def _table_scale(q: int) -> float:
    """−ln of the factor libjpeg scales its quantisation tables by at quality ``q`` (grows with q)."""
    return -math.log(max(200 - 2 * q, 1) if q >= 50 else 5000 / q)


def _quality_at(x: float) -> int:
    """The quality whose ``_table_scale`` is nearest ``x``."""
    q = math.floor((200 - math.exp(-x)) / 2) if math.exp(-x) <= 100 else math.floor(5000 * math.exp(x))
    q = q if _table_scale(q + 1) > x else q + 1  # the highest at most x
    return q + 1 if abs(_table_scale(q + 1) - x) < abs(x - _table_scale(q)) else q


def encode_in_window(
    img: np.ndarray, std: PhotoStandard, *, cache: dict[tuple[int, str], bytes] | None = None
) -> tuple[bytes, int, str]:
    """A JPEG quality near the best whose file lands in the KB window.

    The search predicts the quality from the sizes already measured (ln of the size is close
    to linear in ``_table_scale``: a secant through the nearest encodes, or ``SIZE_SLOPE`` with
    one), so it usually needs one or two encodes, and fewer for a standard that shares the
    pixels (``cache`` holds those encodes). It stops at the highest quality that fits, or at one
    whose file is within ``NEAR_TOP`` of the window's top. Raises DeriveError(file_size) if no
    quality in the standard's range fits.
    """
    lo_b, hi_b = std.bytes_window
    q_lo, q_hi = std.jpeg_quality
    arr = np.ascontiguousarray(img)
    store: dict[tuple[int, str], bytes] = {} if cache is None else cache
    aim = math.log(hi_b * 0.98)
    for sub in ("420", "444"):

        def enc(q: int, sub: str = sub) -> int:
            if (q, sub) not in store:
                store[(q, sub)] = simplejpeg.encode_jpeg(arr, quality=q, colorspace="RGB", colorsubsampling=sub)
            return len(store[(q, sub)])

        best: int | None = None
        for _ in range(q_hi - q_lo + 2):
            known = sorted((q, len(d)) for (q, sb), d in store.items() if sb == sub)
            fits = [q for q, n in known if n <= hi_b and q_lo <= q <= q_hi]
            over = [q for q, n in known if n > hi_b and q_lo <= q <= q_hi]
            a = max(fits, default=None)
            b = min(over, default=q_hi + 1)
            if a is not None and (a + 1 >= b or len(store[(a, sub)]) >= hi_b * NEAR_TOP):
                best = a
                break
            if a is None and b == q_lo:
                break  # even the lowest quality is too big
            lo_q, hi_q = (q_lo if a is None else a + 1), b - 1
            if not known:
                guess = q_hi  # fits the wide windows at once; else a first point for the secant
            else:
                # secant through the two measured qualities nearest the aim (in log size), or
                # the usual slope through the one
                near = sorted(known, key=lambda t: abs(math.log(t[1]) - aim))
                (q1, n1), (q2, n2) = near[0], near[min(1, len(near) - 1)]
                x1, x2 = _table_scale(q1), _table_scale(q2)
                slope = (math.log(n2) - math.log(n1)) / (x2 - x1) if q2 != q1 else SIZE_SLOPE
                slope = slope if slope > 0.05 else SIZE_SLOPE
                guess = _quality_at(x1 + (aim - math.log(n1)) / slope)
            enc(min(max(guess, lo_q), hi_q))
        if best is not None and len(store[(best, sub)]) >= lo_b:
            return store[(best, sub)], best, sub
    raise DeriveError("file_size", *MESSAGES["file_size"])


def nearest_colour(
    lab: tuple[float, float, float], colours: tuple[tuple[int, int, int], ...]
) -> tuple[tuple[int, int, int], float]:
    """The allowed colour closest to ``lab`` and its CIELAB distance."""
    best = min(colours, key=lambda c: float(np.linalg.norm(rgb_to_lab1(c) - np.array(lab))))
    return best, float(np.linalg.norm(rgb_to_lab1(best) - np.array(lab)))


class Renderer:
    """Derives standards from one analysed image, sharing work between standards.

    Standards with the same canvas, geometry and background colour (ID card, social-security
    card and residence permit; passport and HK/Macao permit) get the same pixels, rendered
    once, and share one cache of JPEG encodes.
    """

    def __init__(self, rgb: np.ndarray, analysis: Analysis, plans: dict[str, Plan] | None = None) -> None:
        self.rgb = rgb
        self.analysis = analysis
        self.plans = plans or {}  # already planned standards (the pipeline plans each first)
        self._pixels: dict[tuple[Any, ...], tuple[np.ndarray, Plan, bool]] = {}
        self._encodes: dict[tuple[Any, ...], dict[tuple[int, str], bytes]] = {}

    def derive(self, std: PhotoStandard, *, keep_pixels: bool = False) -> Derivative:
        """One document photo for ``std``.

        Raises DeriveError(quality | too_small | geometry | shoulders | margins | file_size).
        """
        analysis = self.analysis
        if analysis.geometry is None or analysis.background is None or not analysis.passed:
            raise DeriveError("quality", *MESSAGES["quality"])
        key = (std.width_px, std.height_px, std.geometry, std.backgrounds, std.background_tolerance)
        if key not in self._pixels:
            self._pixels[key] = self._render(std)
        img, plan, replace = self._pixels[key]
        data, q, sub = encode_in_window(img, std, cache=self._encodes.setdefault(key, {}))
        data = set_jfif_dpi(data, std.dpi)
        return Derivative(
            standard=std.code,
            data=data,
            width=std.width_px,
            height=std.height_px,
            dpi=std.dpi,
            quality=q,
            subsampling=sub,
            background_replaced=replace,
            plan=plan,
            pixels=img if keep_pixels else None,
        )

    def _render(self, std: PhotoStandard) -> tuple[np.ndarray, Plan, bool]:
        an = self.analysis
        geo, bg = an.geometry, an.background
        assert geo is not None and bg is not None
        h, w = self.rgb.shape[:2]
        plan = self.plans.get(std.code) or plan_geometry(geo, std, source=(w, h), region=an.region)
        if plan.scale > MAX_UPSCALE:
            raise DeriveError("too_small", *MESSAGES["too_small"])
        # the whole background becomes the allowed colour nearest the photo's own backdrop
        # (the least change at the hair's edge); a backdrop already of that colour stays close
        target, dist = nearest_colour(bg.lab, std.backgrounds)
        img = render(self.rgb, an, std, plan, target=target)
        return img, plan, dist > 1.0


def derive(rgb: np.ndarray, analysis: Analysis, std: PhotoStandard, *, keep_pixels: bool = False) -> Derivative:
    """One document photo for ``std`` from the decoded image it was analysed on.

    Raises DeriveError(quality | too_small | geometry | shoulders | margins | file_size).
    """
    return Renderer(rgb, analysis).derive(std, keep_pixels=keep_pixels)
