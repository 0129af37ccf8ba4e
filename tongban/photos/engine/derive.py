"""Derive a document photo for a standard from one analysed original.

Steps: plan the head geometry (scale and crown margin inside every range of the standard,
nearest to the ranges' centres), rotate to level the eyes, crop, resample with an area filter,
replace a plain background with the standard's colour when only the colour differs, encode with
a JPEG quality search that lands inside the KB window (never padding bytes), write the dpi.
A photo that cannot meet a standard raises ``DeriveError`` saying why, in Chinese and English.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import simplejpeg

from tongban.photos.engine.analyse import Analysis, HeadGeometry, aligned_warp, rgb_to_lab1
from tongban.photos.engine.standards import PhotoStandard

MAX_UPSCALE = 1.15  # output px per source px; above this the photo is too small for the standard
CHIN_BOTTOM_MARGIN = 0.03  # share of the output height that must stay below the chin


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


def plan_geometry(geo: HeadGeometry, std: PhotoStandard, source: tuple[int, int] | None = None) -> Plan:
    """Choose scale and crown margin meeting every geometric range of ``std``.

    Among the choices that fit, the one nearest the ranges' centres wins, with a penalty for
    every output row that would fall outside ``source`` (width, height of the decoded photo) and
    so need padding. Raises DeriveError(geometry) when no choice fits.
    """
    g = std.geometry
    ho = std.height_px
    if g.mode == "face_width":
        assert g.face_width_px is not None
        lo, hi = g.face_width_px[0] / geo.face_width, g.face_width_px[1] / geo.face_width
        target_s = _mid(g.face_width_px) / geo.face_width
    else:
        assert g.head_height_px is not None and g.head_width_px is not None
        lo = max(g.head_height_px[0] / geo.head_height, g.head_width_px[0] / geo.head_width)
        hi = min(g.head_height_px[1] / geo.head_height, g.head_width_px[1] / geo.head_width)
        target_s = _mid(g.head_height_px) / geo.head_height
    if lo > hi:
        raise DeriveError(
            "geometry",
            f"头部比例不符合{std.name_zh}的要求（头宽与头高无法同时满足）。",
            f"The head's proportions cannot meet {std.name_en} (width and height ranges).",
        )
    # stay a little inside the ranges so the independent re-measurement has room
    inset = 0.25
    lo_i, hi_i = lo + (hi - lo) * inset, hi - (hi - lo) * inset
    m_lo, m_hi = g.crown_margin_px
    m_lo_i, m_hi_i = m_lo + (m_hi - m_lo) * inset, m_hi - (m_hi - m_lo) * inset
    ss, ms = np.meshgrid(np.linspace(lo_i, hi_i, 25), np.linspace(m_lo_i, m_hi_i, 9))
    eye_y = ms + ss * geo.crown
    ok = eye_y + ss * geo.chin <= ho * (1 - CHIN_BOTTOM_MARGIN)
    if g.eye_line_min_from_bottom_px is not None:
        ok &= ho - eye_y >= g.eye_line_min_from_bottom_px + 2
    cost = ((ss - target_s) / max(hi - lo, 1e-9)) ** 2 + ((ms - _mid(g.crown_margin_px)) / max(m_hi - m_lo, 1e-9)) ** 2
    if source is not None:
        sw, sh = source
        ex, ey = geo.eye_mid
        # source rows/columns the output spans (roll ignored: a few pixels at most)
        top = ey - eye_y / ss
        bottom = ey + (ho - eye_y) / ss
        half = std.width_px / 2 / ss
        out_px = (np.maximum(0.0, -top) + np.maximum(0.0, bottom - sh)) * ss / ho + (
            np.maximum(0.0, half - ex) + np.maximum(0.0, ex + half - sw)
        ) * ss / std.width_px
        cost = cost + 4.0 * out_px
    best: Plan | None = None
    if ok.any():
        i = np.unravel_index(int(np.argmin(np.where(ok, cost, np.inf))), cost.shape)
        sb, mb, eb = float(ss[i]), float(ms[i]), float(eye_y[i])
        pred = {
            "crown_margin": mb,
            "eye_from_bottom": ho - eb,
            "face_width": sb * geo.face_width,
            "head_height": sb * geo.head_height,
            "head_width": sb * geo.head_width,
        }
        best = Plan(scale=sb, margin=mb, eye_y=eb, predicted=pred)
    if best is None:
        raise DeriveError(
            "geometry",
            f"头部位置无法满足{std.name_zh}的构图要求（头顶、眼睛与下巴位置）。",
            f"The head cannot be placed to meet {std.name_en} (crown, eye line and chin).",
        )
    return best


def render(
    rgb: np.ndarray,
    geo: HeadGeometry,
    std: PhotoStandard,
    plan: Plan,
    *,
    fill: tuple[int, int, int],
    allow_padding: bool,
) -> np.ndarray:
    """The output pixels: levelled, cropped and area-resampled.

    Raises DeriveError(margins) if the crop leaves the photo and padding is not allowed.
    """
    wo, ho = std.width_px, std.height_px
    s = plan.scale
    m = aligned_warp(geo.eye_mid, geo.roll, s, (wo / 2, plan.eye_y))
    corners = np.array([[0, 0, 1], [wo, 0, 1], [0, ho, 1], [wo, ho, 1]], float) @ m.T
    h, w = rgb.shape[:2]
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    # the area beside the shoulders at the bottom may be missing in tight photos; measure the
    # missing share of the crop's top two thirds, where the background is
    outside = x0 < -1 or y0 < -1 or x1 > w + 1 or y1 > h + 1
    if outside and not allow_padding:
        raise DeriveError(
            "margins",
            f"照片四周空间不足，无法裁出{std.name_zh}照片，且背景不是纯色无法补齐。",
            f"Not enough space around the head for {std.name_en}, and the background is not plain enough to extend.",
        )
    ix0, iy0 = max(math.floor(x0) - 2, 0), max(math.floor(y0) - 2, 0)
    ix1, iy1 = min(math.ceil(x1) + 2, w), min(math.ceil(y1) + 2, h)
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
    # replicate the edge: above and beside the head that is the plain background (recoloured
    # next), below it the clothes continue instead of a band of flat colour
    _ = fill
    return cv2.warpAffine(
        small, m2, (wo, ho), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )


def replace_background(
    img: np.ndarray,
    bg_lab: tuple[float, float, float],
    target: tuple[int, int, int],
    chin_y: float,
    head: tuple[float, float, float, float],
) -> np.ndarray:
    """Recolour the plain background connected to the top and sides, with soft edges.

    ``head`` = (centre x, centre y, half width, half height) of an ellipse inside the head that
    is never recoloured, so grey hair on a grey backdrop keeps its colour.

    The mask is computed at half resolution (an exact 2× area reduction) and its soft alpha
    upsampled: the edge is blurred anyway, and every step below touches a quarter of the pixels.
    """
    h, w = img.shape[:2]
    h2, w2 = h // 2, w // 2
    small = cv2.resize(img[: 2 * h2, : 2 * w2], (w2, h2), interpolation=cv2.INTER_AREA)
    # 8-bit CIELAB from OpenCV (L scaled to 0–255, a/b offset by 128): every step below is a
    # vectorised OpenCV call
    lab8 = cv2.cvtColor(small, cv2.COLOR_RGB2LAB)
    ref8 = np.array([bg_lab[0] * 255 / 100, bg_lab[1] + 128, bg_lab[2] + 128], np.float32)
    # per-row reference from the row's outer pixels (follows a backdrop's light fall-off),
    # falling back to the measured colour where the row's edge is clothing
    edge = np.concatenate([lab8[:, :3], lab8[:, -3:]], axis=1).astype(np.float32)
    srt = np.sort(edge, axis=1)  # the median of the row's six edge pixels, per channel
    row_ref = (srt[:, 2] + srt[:, 3]) * 0.5
    dev = (row_ref - ref8) * np.array([100 / 255, 1, 1], np.float32)
    far = np.sqrt((dev * dev).sum(axis=1)) > 20
    row_ref[far] = ref8
    ref_img = cv2.repeat(np.clip(row_ref + 0.5, 0, 255).astype(np.uint8)[:, None, :], 1, w2)
    diff = cv2.absdiff(lab8, ref_img).astype(np.float32)
    d = cv2.sqrt(cv2.transform(diff * diff, np.array([[(100 / 255) ** 2, 1.0, 1.0]], np.float32)))
    cand = (d < 16).astype(np.uint8)
    n, labels = cv2.connectedComponents(cand, connectivity=4)
    lut = np.zeros(n, np.uint8)
    lut[labels[0, :]] = 1
    # side seeds below the chin only where the edge is the backdrop (clothes there fall back to
    # the measured colour above and so are not candidates)
    lut[labels[:, 0]] = 1
    lut[labels[:, -1]] = 1
    lut[0] = 0
    region = cv2.dilate(lut[labels], np.ones((3, 3), np.uint8))
    hx, hy, hw, hh = (v / 2 for v in head)
    yy = np.abs((np.arange(h2, dtype=np.float32) + 0.5 - hy) / hh) ** 3
    xx = np.abs((np.arange(w2, dtype=np.float32) + 0.5 - hx) / hw) ** 3
    # around the head (a superellipse, boxier than an ellipse, reaching ears and crown) only
    # colours very close to the backdrop change: grey hair on a grey backdrop keeps its colour,
    # the backdrop showing around and between strands of hair does not
    inside = (yy[:, None] + xx[None, :]) < 1.0
    strict = np.clip((8.0 - d) * (1 / 4.0), 0.0, 1.0)
    loose = np.clip((22.0 - d) * (1 / 14.0), 0.0, 1.0)
    alpha = np.where(inside, strict, loose) * region
    alpha8 = cv2.resize(cv2.convertScaleAbs(alpha, alpha=255.0), (w, h), interpolation=cv2.INTER_LINEAR)
    a3 = cv2.merge([alpha8, alpha8, alpha8])
    # out = target·α + img·(1 − α), in 8-bit fixed point; the colour image is merged from three
    # filled planes (NumPy's fill of 3-byte pixels, and OpenCV's scalar multiply, cost far more)
    fill = cv2.merge([np.full((h, w), c, np.uint8) for c in target])
    return cv2.add(cv2.multiply(fill, a3, scale=1 / 255), cv2.multiply(img, cv2.bitwise_not(a3), scale=1 / 255))


def set_jfif_dpi(data: bytes, dpi: int) -> bytes:
    """Write the density into the JFIF APP0 header (units = dots per inch)."""
    if data[2:4] != b"\xff\xe0" or data[6:11] != b"JFIF\x00":
        raise ValueError("encoder did not write a JFIF header")
    return data[:13] + bytes([1]) + dpi.to_bytes(2, "big") * 2 + data[18:]


# A file within this share of the window's top is accepted without proving that one quality
# step more would not fit (each step is ~4–7 % of the size): saves an encode per standard.
NEAR_TOP = 0.94
SIZE_SLOPE = 0.05  # d ln(bytes) / d quality near the qualities we use, before any is measured


def encode_in_window(
    img: np.ndarray, std: PhotoStandard, *, cache: dict[tuple[int, str], bytes] | None = None
) -> tuple[bytes, int, str]:
    """A JPEG quality near the best whose file lands in the KB window.

    The search predicts the quality from the sizes already measured (JPEG size is roughly
    log-linear in the quality: a secant through the nearest encodes, or ``SIZE_SLOPE`` with one),
    so it usually needs two or three encodes, and fewer for a standard that shares the pixels
    (``cache`` holds those encodes). It stops at the highest quality that fits, or at one whose
    file is within ``NEAR_TOP`` of the window's top. Raises DeriveError(file_size) if no quality
    in the standard's range fits.
    """
    lo_b, hi_b = std.bytes_window
    q_lo, q_hi = std.jpeg_quality
    arr = np.ascontiguousarray(img)
    store: dict[tuple[int, str], bytes] = {} if cache is None else cache
    aim = math.log(hi_b * 0.985)
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
            elif len(known) == 1:
                q0, n0 = known[0]
                guess = round(q0 + (aim - math.log(n0)) / SIZE_SLOPE)
            else:
                # secant through the two measured qualities nearest the aim (in log size)
                (q1, n1), (q2, n2) = sorted(known, key=lambda t: abs(math.log(t[1]) - aim))[:2]
                slope = (math.log(n2) - math.log(n1)) / (q2 - q1) if q2 != q1 else SIZE_SLOPE
                slope = slope if slope > 0.005 else SIZE_SLOPE
                guess = math.floor(q1 + (aim - math.log(n1)) / slope)
            enc(min(max(guess, lo_q), hi_q))
        if best is not None and len(store[(best, sub)]) >= lo_b:
            return store[(best, sub)], best, sub
    raise DeriveError(
        "file_size",
        f"无法在质量范围内把照片压缩到 {std.kb[0]:g}–{std.kb[1]:g} KB。",
        f"No JPEG quality in range gives a file of {std.kb[0]:g}–{std.kb[1]:g} KB.",
    )


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

    def __init__(self, rgb: np.ndarray, analysis: Analysis) -> None:
        self.rgb = rgb
        self.analysis = analysis
        self._pixels: dict[tuple[Any, ...], tuple[np.ndarray, Plan, bool]] = {}
        self._encodes: dict[tuple[Any, ...], dict[tuple[int, str], bytes]] = {}

    def derive(self, std: PhotoStandard, *, keep_pixels: bool = False) -> Derivative:
        """One document photo for ``std``.

        Raises DeriveError(quality | too_small | geometry | margins | file_size).
        """
        analysis = self.analysis
        geo, bg = analysis.geometry, analysis.background
        if geo is None or bg is None:
            raise DeriveError(
                "quality",
                "照片未通过质量检查（未找到唯一人脸）。",
                "The photo failed the quality check (no single face).",
            )
        if not analysis.passed:
            reasons = "；".join(c.hint_zh for c in analysis.failures)
            reasons_en = " ".join(c.hint_en for c in analysis.failures)
            raise DeriveError(
                "quality", f"照片未通过质量检查：{reasons}", f"The photo failed the quality check: {reasons_en}"
            )
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
        geo, bg = self.analysis.geometry, self.analysis.background
        assert geo is not None and bg is not None
        h, w = self.rgb.shape[:2]
        plan = plan_geometry(geo, std, source=(w, h))
        if plan.scale > MAX_UPSCALE:
            raise DeriveError(
                "too_small",
                f"人脸分辨率不足，无法制作{std.name_zh}照片。",
                f"The face has too few pixels for {std.name_en}.",
            )
        # keep a background that already is an allowed colour; else use the first (preferred)
        _, dist = nearest_colour(bg.lab, std.backgrounds)
        target = std.backgrounds[0]
        replace = bg.uniform and dist > std.background_tolerance * 0.5
        img = render(self.rgb, geo, std, plan, fill=bg.rgb, allow_padding=bg.uniform)
        if replace:
            s = plan.scale
            crown_y, chin_y = plan.eye_y - s * geo.crown, plan.eye_y + s * geo.chin
            # protect the head: ~1.3 IED each side of the centre (ears and hair), crown to chin
            head = (std.width_px / 2, (crown_y + chin_y) / 2, 0.56 * s * geo.head_width, 0.5 * (chin_y - crown_y) - 1)
            img = replace_background(img, bg.lab, target, chin_y, head)
        return img, plan, replace


def derive(rgb: np.ndarray, analysis: Analysis, std: PhotoStandard, *, keep_pixels: bool = False) -> Derivative:
    """One document photo for ``std`` from the decoded image it was analysed on.

    Raises DeriveError(quality | too_small | geometry | margins | file_size).
    """
    return Renderer(rgb, analysis).derive(std, keep_pixels=keep_pixels)
