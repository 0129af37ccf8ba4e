"""Analysis of one decoded photo: faces, landmarks, head geometry and the quality report.

Speed: detection runs on a small grey copy (≈400 px long side); only when that finds no face,
or only a small one, does a slower pass look for small faces (group photos, banners). The
landmarks are then refined on the decoded image around the face, and every other measure runs
on one *normalised canvas*: the head rotated upright with the eye centres ``CANVAS_IED`` pixels
apart, so thresholds mean the same thing whatever the input resolution.

Geometry (in the upright, eye-levelled frame, measured from the eye line):
- crown: the first rows above the head whose colour differs from the plain background above it
  (colour distance in CIELAB); if the background is not plain, or the edge is implausible, an
  anthropometric fallback from the landmarks (``CROWN_IED`` × inter-eye distance);
- chin: from the nose base and the eye line (``CHIN_NOSE``), the same on input and output;
- face width: ``FACE_WIDTH_IED`` × inter-eye distance (bizygomatic ≈ 2.2 × pupil distance);
- head width: the head's silhouette on the eye line against a plain background, or a fallback.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from tongban.photos.engine.detect import DEFAULT_DETECTOR, Face, Landmarks, get_detector

DETECT_LONG_SIDE = 400
SECOND_LOOK = 0.28  # a largest face narrower than this share of the short side: look for more
CANVAS_IED = 50.0
CANVAS_W, CANVAS_H = 300, 330  # ±3 IED wide; 3.4 IED above the eyes, 3.2 below
CANVAS_EYE = (150.0, 170.0)

# Anthropometric constants, calibrated on the plain-background portraits of the test set
# (docs/adr/0004-face-detector.md). Units: inter-eye distances or nose-drop multiples.
CROWN_IED = 2.25  # eye line to crown, fallback only
CHIN_NOSE = 2.45  # eye line to chin = CHIN_NOSE × eye line to nose base ...
CHIN_BOX = 1.12  # ... averaged with CHIN_BOX × eye line to the bottom of dlib's face box
FACE_WIDTH_IED = 2.2
HEAD_WIDTH_IED = 2.3  # the exit-entry "head width" is the face's width (≈145 mm)
CROWN_PLAUSIBLE = (1.3, 3.2)  # IED above the eye line
BG_DISTANCE = 14.0  # CIELAB distance that separates the head from a plain background

QUALITY_FILE = Path(__file__).resolve().parent / "data" / "quality.yaml"


def flat_dict(obj: Any) -> dict[str, Any]:
    """A dataclass of plain values (numbers, strings, tuples of them) as a dict.

    ``dataclasses.asdict`` would deep-copy every value, which for these immutable fields is
    pure cost (it was ~5 % of a photo's processing, reports being built for every photo).
    """
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


@dataclass(frozen=True, slots=True)
class Threshold:
    """The pass range of one quality component, with the hint shown when it fails."""

    key: str
    name_zh: str
    name_en: str
    hint_zh: str
    hint_en: str
    min: float | None = None
    max: float | None = None
    ofiq: str = ""

    def passes(self, value: float) -> bool:
        """Whether ``value`` lies inside the range (ends included)."""
        if self.min is not None and value < self.min:
            return False
        return not (self.max is not None and value > self.max)


@functools.cache
def load_thresholds(path: str = str(QUALITY_FILE)) -> dict[str, Threshold]:
    """Quality thresholds from the data file (cached per path)."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out = {}
    for key, rec in doc["components"].items():
        out[key] = Threshold(
            key=key,
            name_zh=rec["name_zh"],
            name_en=rec["name_en"],
            hint_zh=rec["hint_zh"],
            hint_en=rec["hint_en"],
            min=rec.get("min"),
            max=rec.get("max"),
            ofiq=str(rec.get("ofiq", "")),
        )
    return out


@dataclass(slots=True)
class Component:
    """One quality component's raw value and verdict."""

    key: str
    value: float | None
    passed: bool
    name_zh: str
    name_en: str
    min: float | None
    max: float | None
    hint_zh: str
    hint_en: str


@dataclass(slots=True)
class HeadGeometry:
    """The head in the decoded image, in the eye-levelled frame (pixels of the decoded image).

    ``crown`` and ``chin`` are distances above / below the eye line; ``roll`` in degrees.
    """

    eye_mid: tuple[float, float]
    roll: float
    ied: float
    crown: float
    chin: float
    face_width: float
    head_width: float
    crown_method: str
    head_width_method: str
    yaw: float
    crown_clipped: bool = False

    @property
    def head_height(self) -> float:
        """Crown to chin."""
        return self.crown + self.chin


@dataclass(slots=True)
class Background:
    """The plain background around the head, if there is one."""

    lab: tuple[float, float, float]
    rgb: tuple[int, int, int]
    texture: float
    uniform: bool


@dataclass(slots=True)
class Analysis:
    """Everything measured on one photo."""

    width: int
    height: int
    faces: list[Face]
    face: Face | None
    geometry: HeadGeometry | None
    background: Background | None
    components: list[Component] = field(default_factory=list)
    detector: str = DEFAULT_DETECTOR
    detect_passes: int = 1

    @property
    def passed(self) -> bool:
        """Every component passed."""
        return bool(self.components) and all(c.passed for c in self.components)

    @property
    def failures(self) -> list[Component]:
        """The components that failed, in report order."""
        return [c for c in self.components if not c.passed]

    def to_dict(self, scale: float = 1.0) -> dict[str, Any]:
        """The report as JSON-able data; coordinates divided by ``scale`` (to original pixels)."""

        def box(f: Face) -> dict[str, Any]:
            d: dict[str, Any] = {"box": [round(v / scale, 1) for v in f.box], "score": round(f.score, 3)}
            if f.landmarks:
                lm = f.landmarks
                d["landmarks"] = {
                    k: [round(v / scale, 1) for v in p]
                    for k, p in (("right_eye", lm.right_eye), ("left_eye", lm.left_eye), ("nose", lm.nose))
                }
            return d

        geo = None
        if self.geometry:
            g = flat_dict(self.geometry)
            for k in ("ied", "crown", "chin", "face_width", "head_width"):
                g[k] = round(g[k] / scale, 1)
            g["eye_mid"] = [round(v / scale, 1) for v in g["eye_mid"]]
            g["roll"] = round(g["roll"], 2)
            g["yaw"] = round(g["yaw"], 3)
            geo = g
        return {
            "passed": self.passed,
            "width": round(self.width / scale),
            "height": round(self.height / scale),
            "face_count": len(self.faces),
            "faces": [box(f) for f in self.faces],
            "geometry": geo,
            "background": flat_dict(self.background) if self.background else None,
            "components": [flat_dict(c) for c in self.components],
            "detector": self.detector,
        }


# ------------------------------------------------------------------ helpers


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def every_second_column(img: np.ndarray) -> np.ndarray:
    """``img[:, ::2]`` as a contiguous array.

    For an even width OpenCV's nearest-neighbour halving picks exactly the even columns, several
    times faster than NumPy's strided copy of 3-byte pixels.
    """
    h, w = img.shape[:2]
    if w % 2 == 0 and w >= 2 and h >= 1:
        return cv2.resize(img, (w // 2, h), interpolation=cv2.INTER_NEAREST)
    return np.ascontiguousarray(img[:, ::2])


_SUM3 = np.ones((1, 3), np.float32)
LAB_CHUNK = 64
_KERNEL3 = np.ones((3, 3), np.uint8)
_LAB8_TO_LAB = np.array([[100.0 / 255.0, 0, 0, 0], [0, 1, 0, -128.0], [0, 0, 1, -128.0]], np.float32)


def lab8_to_lab(lab8: np.ndarray) -> np.ndarray:
    """CIELAB as float32 (L* 0–100, a*, b* signed) from OpenCV's 8-bit CIELAB."""
    # one affine pass (scale L, shift a and b) instead of two strided numpy passes
    return cv2.transform(lab8.astype(np.float32), _LAB8_TO_LAB)


def lab_of(rgb: np.ndarray) -> np.ndarray:
    """CIELAB as float32 (L* 0–100, a*, b* signed) from 8-bit sRGB."""
    return lab8_to_lab(cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB))


class LabRows:
    """CIELAB of an image's top rows (every ``xstep``-th column), converted only as far down as
    callers ask, ``LAB_CHUNK`` rows or more at a time.

    A derived photo's crown lies a few rows down and its background is measured in the top
    12 %, so most of the rows above the eyes never need converting. ``rows(a, b)`` is float
    CIELAB (L* 0–100, a*, b* signed), ``rows8(b)`` OpenCV's 8-bit CIELAB of rows [0, b).
    """

    def __init__(self, rgb: np.ndarray | None, xstep: int, limit: int, *, lab: np.ndarray | None = None) -> None:
        self._rgb, self.xstep, self.limit = rgb, xstep, limit
        self._lab: np.ndarray
        self._lab8: np.ndarray | None
        if lab is not None:  # already converted (no 8-bit copy)
            self._lab, self._lab8 = lab[:limit], None
            self.width = lab.shape[1]
        else:
            assert rgb is not None
            self.width = (rgb.shape[1] + xstep - 1) // xstep
            self._lab = np.empty((0, self.width, 3), np.float32)
            self._lab8 = np.empty((0, self.width, 3), np.uint8)

    def _extend(self, n: int) -> None:
        have = self._lab.shape[0]
        n = min(n, self.limit)
        if n <= have or self._rgb is None or self._lab8 is None:
            return
        n = min(self.limit, max(n, have + LAB_CHUNK))
        part = self._rgb[have:n]
        part = every_second_column(part) if self.xstep == 2 else np.ascontiguousarray(part[:, :: self.xstep])
        lab8 = cv2.cvtColor(part, cv2.COLOR_RGB2LAB)
        self._lab8 = np.concatenate([self._lab8, lab8]) if have else lab8
        lab = lab8_to_lab(lab8)
        self._lab = np.concatenate([self._lab, lab]) if have else lab

    def rows(self, a: int, b: int) -> np.ndarray:
        """Float CIELAB of rows [a, b) (fewer if the limit is reached)."""
        self._extend(b)
        return self._lab[a:b]

    def rows8(self, b: int) -> np.ndarray:
        """8-bit CIELAB of rows [0, b); only for a conversion made here."""
        self._extend(b)
        assert self._lab8 is not None
        return self._lab8[:b]


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


def _valid_mask(m: np.ndarray, size: tuple[int, int], src_w: int, src_h: int) -> np.ndarray:
    """Destination pixels whose source point (``m`` @ (x, y, 1)) lies inside the photo.

    The source point moves linearly along a row, so each row's valid pixels are one interval:
    found from the four edge constraints per row, then one comparison per pixel.
    """
    w, h = size
    ys = np.arange(h, dtype=np.float64)
    lo = np.zeros(h)
    hi = np.full(h, w - 1.0)
    # constraint a·x + b(y) >= 0 and <= limit, for sx (row 0 of m) and sy (row 1)
    for (a, b_, c), limit in ((m[0], src_w - 1.0), (m[1], src_h - 1.0)):
        base = b_ * ys + c  # value at x = 0
        if abs(a) < 1e-12:
            bad = (base < 0) | (base > limit)
            hi[bad] = -1.0
            continue
        x_at_0, x_at_lim = -base / a, (limit - base) / a
        lo = np.maximum(lo, np.minimum(x_at_0, x_at_lim))
        hi = np.minimum(hi, np.maximum(x_at_0, x_at_lim))
    xs = np.arange(w, dtype=np.float64)[None, :]
    return (xs >= lo[:, None] - 1e-9) & (xs <= hi[:, None] + 1e-9)


# ------------------------------------------------------------------ detection


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
    img = cv2.resize(img[: (h // f) * f, : (w // f) * f], (w // f, h // f), interpolation=cv2.INTER_AREA)
    if img.shape[1] == tw and img.shape[0] == th:
        return img
    return cv2.resize(img, (tw, th), interpolation=cv2.INTER_LINEAR)


def find_faces(
    rgb: np.ndarray,
    *,
    detector_name: str = DEFAULT_DETECTOR,
    long_side: int = DETECT_LONG_SIDE,
    gray: np.ndarray | None = None,
) -> tuple[list[Face], int]:
    """Faces in ``rgb`` coordinates, largest first, and how many passes it took.

    Pass 1 looks at a small grey copy. Pass 2 (slower, only for photos that are failing
    anyway) looks for small faces when pass 1 found none or only a small one. ``gray`` is
    ``rgb``'s grey version if the caller has it.
    """
    det = get_detector(detector_name)
    h, w = rgb.shape[:2]
    k = min(1.0, long_side / max(h, w))
    wants_rgb = det.name == "mtcnn"
    src = rgb if wants_rgb else (gray if gray is not None else to_gray(rgb))  # shrink one channel, not three
    small = src if k == 1.0 else shrink(src, (round(w * k), round(h * k)))
    gray_small = to_gray(small) if wants_rgb else small
    faces = [f.scaled(1 / k) for f in det.detect(gray_small, small if wants_rgb else None)]
    passes = 1
    biggest = max((f.width for f in faces), default=0.0)
    if biggest < 0.2 * min(h, w):
        k2 = min(1.0, 1280 / max(h, w))
        mid = src if k2 == 1.0 else shrink(src, (round(w * k2), round(h * k2)))
        gray_mid = to_gray(mid) if wants_rgb else mid
        more = [f.scaled(1 / k2) for f in det.detect(gray_mid, mid if wants_rgb else None, upsample=1)]
        faces = _merge(faces, more)
        passes = 2
    elif biggest < SECOND_LOOK * min(h, w):
        # a face that is not large in the frame may have company: look again at the same small
        # copy upsampled ×2 (faces down to ~10 % of the long side), ~4× the cost of pass 1
        more = [f.scaled(1 / k) for f in det.detect(gray_small, small if wants_rgb else None, upsample=1)]
        faces = _merge(faces, more)
    faces.sort(key=lambda f: -f.width)
    return faces, passes


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _merge(first: list[Face], more: list[Face]) -> list[Face]:
    out = list(first)
    for f in more:
        if all(_iou(f.box, g.box) < 0.3 for g in out):
            out.append(f)
    return out


def refine_landmarks(rgb: np.ndarray, face: Face, *, gray: np.ndarray | None = None) -> Landmarks:
    """Landmarks located again at the decoded image's resolution (crop around the face only).

    With ``gray`` (``rgb`` in grey) the shape predictor runs on it directly: its cost does not
    depend on the image size, only on the box.
    """
    from tongban.photos.engine.detect import DlibLandmarker

    if gray is not None:
        return DlibLandmarker().locate(gray, face.box)
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = face.box
    pad = 0.5 * (x1 - x0)
    cx0, cy0 = max(0, int(x0 - pad)), max(0, int(y0 - pad))
    cx1, cy1 = min(w, int(x1 + pad) + 1), min(h, int(y1 + pad) + 1)
    crop = to_gray(np.ascontiguousarray(rgb[cy0:cy1, cx0:cx1]))
    kk = 1.0
    if crop.shape[1] > 480:  # landmarks need no more than ~200 px of face
        kk = 480 / crop.shape[1]
        crop = cv2.resize(crop, None, fx=kk, fy=kk, interpolation=cv2.INTER_AREA)
    box = ((x0 - cx0) * kk, (y0 - cy0) * kk, (x1 - cx0) * kk, (y1 - cy0) * kk)
    lm = DlibLandmarker().locate(crop, box)
    return lm.scaled(1 / kk, cx0, cy0)


# ------------------------------------------------------------------ geometry


def measure_head(
    rgb: np.ndarray, lm: Landmarks, *, box: tuple[float, float, float, float] | None = None
) -> tuple[HeadGeometry, Background, np.ndarray, np.ndarray, np.ndarray]:
    """Head geometry and background from the landmarks; also returns the normalised canvas.

    The canvas is the head rotated upright at ``CANVAS_IED`` pixels between the eyes, with a
    mask of the pixels that came from inside the photo.
    """
    h, w = rgb.shape[:2]
    (rx, ry), (lx, ly) = lm.right_eye, lm.left_eye
    roll = math.degrees(math.atan2(ly - ry, lx - rx))
    ied = lm.inter_eye
    mid = lm.eye_mid
    k = CANVAS_IED / ied
    m = aligned_warp(mid, roll, k, CANVAS_EYE)
    can = cv2.warpAffine(
        rgb, m, (CANVAS_W, CANVAS_H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )
    valid = _valid_mask(m, (CANVAS_W, CANVAS_H), w, h)
    # nose position in the upright frame
    t = math.radians(-roll)
    dx, dy = lm.nose[0] - mid[0], lm.nose[1] - mid[1]
    nose_u = math.cos(t) * dx - math.sin(t) * dy
    nose_v = math.sin(t) * dx + math.cos(t) * dy
    yaw = nose_u / ied
    chin = CHIN_NOSE * max(nose_v, 0.35 * ied)
    if box is not None:
        # the box's bottom edge, measured along the upright axis through the eye midpoint
        bx, by = (box[0] + box[2]) / 2, box[3]
        box_v = math.sin(t) * (bx - mid[0]) + math.cos(t) * (by - mid[1])
        if 1.2 * ied < box_v < 2.4 * ied:
            chin = 0.5 * chin + 0.5 * CHIN_BOX * box_v

    lab8 = cv2.cvtColor(can, cv2.COLOR_RGB2LAB)
    lab = lab8_to_lab(lab8)
    ex, ey = CANVAS_EYE
    bg = _background(lab, can, valid, ex, ey, lab8)
    crown_c, clipped = _crown(lab, None if valid.all() else valid, bg.lab, ex, ey, CANVAS_IED)
    crown_method = "background"
    lo, hi = CROWN_PLAUSIBLE
    if crown_c is None or not (lo * CANVAS_IED <= crown_c <= hi * CANVAS_IED):
        crown_c = CROWN_IED * CANVAS_IED
        crown_method = "landmarks"
        clipped = clipped and bg.uniform
    # the silhouette is reported, but geometry uses the landmark estimate: hair, hats and
    # earrings make silhouettes swing between photos of the same head
    head_w = HEAD_WIDTH_IED * CANVAS_IED
    head_width_method = "landmarks"
    geo = HeadGeometry(
        eye_mid=mid,
        roll=roll,
        ied=ied,
        crown=crown_c / k,
        chin=chin,
        face_width=FACE_WIDTH_IED * ied,
        head_width=head_w / k,
        crown_method=crown_method,
        head_width_method=head_width_method,
        yaw=yaw,
        crown_clipped=clipped,
    )
    return geo, bg, can, valid, lab


def _bg_mask(valid: np.ndarray, ex: float, ey: float) -> np.ndarray:
    """Canvas pixels that are background in a frontal head-and-shoulders photo."""
    hh, ww = valid.shape
    ys, xs = np.mgrid[0:hh, 0:ww]
    u = (xs - ex) / CANVAS_IED
    v = (ys - ey) / CANVAS_IED
    top = v < -3.0
    sides = (np.abs(u) > 1.75) & (v < 0.9)
    return valid & (top | sides)


@functools.cache
def _bg_mask_cached(shape: tuple[int, int]) -> np.ndarray:
    return _bg_mask(np.ones(shape, bool), *CANVAS_EYE)


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
    n = cv2.countNonZero(mask8)
    out = []
    for ch in range(img.shape[2]):
        hist = cv2.calcHist([img], [ch], mask8, [256], [0, 256]).ravel()
        c = np.cumsum(hist)
        lo = int(np.searchsorted(c, (n - 1) // 2, side="right"))
        hi = int(np.searchsorted(c, n // 2, side="right"))
        out.append((lo + hi) / 2)
    return out


def _background(
    lab: np.ndarray, rgb: np.ndarray, valid: np.ndarray, ex: float, ey: float, lab8: np.ndarray | None = None
) -> Background:
    """The plain background around the head (``lab8``: OpenCV's 8-bit CIELAB of ``rgb``)."""
    mask = _bg_mask_cached(valid.shape) & valid
    mask8 = mask.view(np.uint8)  # OpenCV masks are 8-bit; a bool is one 0/1 byte
    if cv2.countNonZero(mask8) < 200:
        return Background(lab=(0.0, 0.0, 0.0), rgb=(0, 0, 0), texture=99.0, uniform=False)
    if lab8 is not None:
        ml, ma, mb = median_masked_u8(lab8, mask8)
        med = np.array([ml * 100.0 / 255.0, ma - 128.0, mb - 128.0], np.float32)
    else:
        med = np.median(lab[mask], axis=0)
    # texture: mean gradient of L* plus colour blobs (distance from the median colour), both
    # insensitive to the smooth light fall-off of a studio backdrop
    lum = cv2.extractChannel(lab, 0)
    gx = cv2.Sobel(lum, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lum, cv2.CV_32F, 0, 1, ksize=3)
    grad = cv2.magnitude(gx, gy)
    inner = cv2.erode(mask8, _KERNEL3)
    g = cv2.mean(grad, mask=inner)[0] / 8.0 if cv2.countNonZero(inner) else 99.0
    # distance of every pixel from the median colour (OpenCV passes over the whole canvas are
    # cheaper than gathering the masked pixels first), then only the background's values
    # a per-channel scalar operand is OpenCV's Scalar, which the stubs do not list
    diff = cv2.subtract(lab, (float(med[0]), float(med[1]), float(med[2]), 0.0))  # type: ignore[call-overload]
    dist = cv2.sqrt(cv2.transform(cv2.multiply(diff, diff), _SUM3))[mask]
    blobs = float(np.count_nonzero(dist > 2.0 * BG_DISTANCE)) / dist.size * 10.0
    # a smooth but many-coloured scene (a blurred room) still is no plain backdrop
    spread = max(0.0, percentile(dist, 90) - 15.0) / 2.0
    texture = g + blobs + spread
    rgb_med = median_masked_u8(np.ascontiguousarray(rgb), mask8)
    return Background(
        lab=(float(med[0]), float(med[1]), float(med[2])),
        rgb=(int(rgb_med[0]), int(rgb_med[1]), int(rgb_med[2])),
        texture=round(texture, 3),
        uniform=texture <= (load_thresholds()["background_uniformity"].max or 99.0),
    )


def _slicer(lab: np.ndarray) -> Callable[[int, int], np.ndarray]:
    return lambda a, b: lab[a:b]


CROWN_CHUNK = 32  # rows compared per step of the crown search in a derived file


def _first_head_run(
    rows: Callable[[int, int], np.ndarray], x0: int, x1: int, cols: np.ndarray, glob: np.ndarray, top: int, bottom: int
) -> int | None:
    """Index (from ``top``) of the first of three consecutive rows where the head starts.

    ``rows(a, b)`` gives the CIELAB rows [a, b). A row "hits" when over 30 % of its pixels in
    columns [x0, x1) are further than ``BG_DISTANCE`` from
    the row's reference colour (the mean of its ``cols`` pixels, or ``glob`` when the row has
    fewer than 8 of them). Rows are compared ``CROWN_CHUNK`` at a time from the top, stopping at
    the first run: a derived photo's crown lies a few rows down, so most rows above the eyes
    are never compared. The chunks overlap by two rows, so the answer is the first run of the
    whole band.
    """
    n, width = bottom - top, x1 - x0
    start = 0
    while start < n - 2:
        end = min(n, start + CROWN_CHUNK + 2)
        chunk = rows(top + start, top + end)
        m = chunk.shape[0]  # fewer rows than asked where the image (or its conversion) ends
        if m < 3:
            break
        outer = np.compress(cols, chunk, axis=1)
        if outer.shape[1] >= 8:
            ref = cv2.reduce(outer, 1, cv2.REDUCE_AVG)  # each row's mean, (rows, 1, 3)
        else:
            ref = np.ascontiguousarray(np.broadcast_to(glob, (m, 1, 3)))
        # squared distance of each band pixel to its row's reference, in OpenCV passes (NumPy's
        # broadcasting over 3-element pixels was most of a verification's measuring time)
        diff = cv2.subtract(np.ascontiguousarray(chunk[:, x0:x1]), cv2.repeat(ref, 1, width))
        d2 = cv2.transform(cv2.multiply(diff, diff), _SUM3).reshape(m, width)
        far = (d2 > BG_DISTANCE * BG_DISTANCE).astype(np.uint8)
        hits = cv2.reduce(far, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel() > 0.3 * width
        run = hits[:-2] & hits[1:-1] & hits[2:]
        idx = np.flatnonzero(run)
        if idx.size:
            return start + int(idx[0])
        start += CROWN_CHUNK
    return None


def _crown(
    lab: np.ndarray | LabRows,
    valid: np.ndarray | None,
    bg_lab: tuple[float, float, float],
    ex: float,
    ey: float,
    ied: float,
    xstep: int = 1,
) -> tuple[float | None, bool]:
    """Distance (px) from the eye line up to the crown, and whether it is cut off.

    ``lab``/``valid`` cover an upright image whose eye midpoint is (ex, ey) and whose eyes are
    ``ied`` apart. Each row is compared with the background *of that row* (its own pixels at
    least ~1 IED beside the centre line, where only background is above the crown), so a
    backdrop that darkens towards the top does not look like hair. ``lab`` may hold every
    ``xstep``-th column only (rows are what the crown is measured in; columns are counted).
    ``valid`` None means every pixel is inside the photo (a derived file); only then may
    ``lab`` be a ``LabRows`` (converted as the search goes down).
    """
    half = int(1.1 * ied / xstep)
    exs = ex / xstep
    x0, x1 = max(int(exs) - half, 0), int(exs) + half
    top = max(int(ey - 3.4 * ied), 0)
    bottom = int(ey)
    width = lab.width if isinstance(lab, LabRows) else lab.shape[1]
    off = np.abs(np.arange(width) * xstep - ex)
    cols = (off >= 0.95 * ied) & (off <= 2.2 * ied)
    glob = np.array(bg_lab, dtype=np.float32)
    if valid is None:
        x1 = min(x1, width)
        if bottom <= top or x1 <= x0:
            return None, False
        getter = lab.rows if isinstance(lab, LabRows) else _slicer(lab)
        r_found = _first_head_run(getter, x0, x1, cols, glob, top, bottom)
        if r_found is None:
            return None, False
        return float(ey - (top + r_found)), bool(r_found <= 1 and top == 0)
    assert isinstance(lab, np.ndarray)
    if bottom - top >= 3 and min(x1, width) > x0 and valid[top:bottom].all():
        # every row searched lies inside the photo (the usual case above the eyes): the same
        # comparison as below, a chunk of rows at a time, stopping at the first run
        r = _first_head_run(_slicer(lab), x0, min(x1, width), cols, glob, top, bottom)
        if r is None:
            return None, False
        photo_ends = top == 0 or not valid[top - 1, int(exs)]
        return float(ey - (top + r)), bool(r <= 1 and photo_ends)
    band = lab[top:bottom, x0:x1]
    vband = valid[top:bottom, x0:x1]
    if not vband.any():
        return None, False
    outer = lab[top:bottom][:, cols]
    ovalid = valid[top:bottom][:, cols]
    counts = ovalid.sum(axis=1)
    enough = counts >= 8
    # the mean of the row's outer pixels: above the crown they are all backdrop, and the mean
    # is several times cheaper than a median over every row
    med = (outer * ovalid[..., None]).sum(axis=1) / np.maximum(counts, 1)[:, None]
    refs = np.where(enough[:, None], med, glob).astype(np.float32)
    diff = band - refs[:, None, :]
    d = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    head = (d > BG_DISTANCE) & vband
    frac = head.sum(axis=1) / np.maximum(vband.sum(axis=1), 1)
    rows = np.flatnonzero(vband.any(axis=1))
    first_valid = int(rows[0])
    hits = frac > 0.3
    run = hits[:-2] & hits[1:-1] & hits[2:]
    idx = np.flatnonzero(run[first_valid:])
    if not idx.size:
        return None, False
    r = first_valid + int(idx[0])
    # cut off: the head fills the first rows that exist and there is image above them only
    # if the photo's own top edge is there (a missing row above means the photo ends)
    at_edge = r <= first_valid + 1
    photo_ends = top + first_valid == 0 or not valid[top + first_valid - 1, int(exs)]
    return float(ey - (top + r)), bool(at_edge and photo_ends)


def measure_upright(
    rgb: np.ndarray,
    lm: Landmarks,
    box: tuple[float, float, float, float] | None,
    *,
    lab: np.ndarray | LabRows | None = None,
    xstep: int = 1,
) -> HeadGeometry:
    """Head geometry of an already upright photo (a derivative), without resampling it.

    Only the band above the eyes is converted to CIELAB (``lab``: the caller's conversion of
    the photo's top rows, at least down to the eye line, of every ``xstep``-th column), so
    this is cheap enough to run on every derived file.
    """
    _h, _w = rgb.shape[:2]
    (rx, ry), (lx, ly) = lm.right_eye, lm.left_eye
    roll = math.degrees(math.atan2(ly - ry, lx - rx))
    ied = lm.inter_eye
    ex, ey = lm.eye_mid
    t = math.radians(-roll)
    dx, dy = lm.nose[0] - ex, lm.nose[1] - ey
    nose_u = math.cos(t) * dx - math.sin(t) * dy
    nose_v = math.sin(t) * dx + math.cos(t) * dy
    chin = CHIN_NOSE * max(nose_v, 0.35 * ied)
    if box is not None:
        bx, by = (box[0] + box[2]) / 2, box[3]
        box_v = math.sin(t) * (bx - ex) + math.cos(t) * (by - ey)
        if 1.2 * ied < box_v < 2.4 * ied:
            chin = 0.5 * chin + 0.5 * CHIN_BOX * box_v
    bottom = max(int(ey), 1)
    if lab is None or (isinstance(lab, np.ndarray) and lab.shape[0] < bottom):
        lab = LabRows(rgb, xstep, bottom)
    elif isinstance(lab, np.ndarray):
        lab = LabRows(None, xstep, bottom, lab=lab)
    c = max(6 // xstep, 1)
    top6 = lab.rows(0, 6)
    corner = np.concatenate([top6[:, :c].reshape(-1, 3), top6[:, -c:].reshape(-1, 3)])
    med = np.median(corner, axis=0)
    crown, clipped = _crown(lab, None, (float(med[0]), float(med[1]), float(med[2])), ex, ey, ied, xstep)
    method = "background"
    if crown is None:
        crown, method = CROWN_IED * ied, "landmarks"
    return HeadGeometry(
        eye_mid=(ex, ey),
        roll=roll,
        ied=ied,
        crown=crown,
        chin=chin,
        face_width=FACE_WIDTH_IED * ied,
        head_width=HEAD_WIDTH_IED * ied,
        crown_method=method,
        head_width_method="landmarks",
        yaw=nose_u / ied,
        crown_clipped=clipped,
    )


# ------------------------------------------------------------------ quality


def quality_components(
    rgb: np.ndarray,
    faces: list[Face],
    geo: HeadGeometry | None,
    bg: Background | None,
    can: np.ndarray | None,
    valid: np.ndarray | None,
    *,
    source_scale: float = 1.0,
    lab: np.ndarray | None = None,
) -> list[Component]:
    """Every OFIQ-style component for the photo; ``source_scale`` = decoded px per original px."""
    th = load_thresholds()
    out: list[Component] = []

    def add(key: str, value: float | None) -> None:
        t = th[key]
        ok = value is not None and t.passes(value)
        out.append(
            Component(
                key=key,
                value=None if value is None else round(float(value), 4),
                passed=ok,
                name_zh=t.name_zh,
                name_en=t.name_en,
                min=t.min,
                max=t.max,
                hint_zh=t.hint_zh,
                hint_en=t.hint_en,
            )
        )

    add("face_count", len(faces))
    if geo is None or can is None or valid is None or bg is None:
        # without exactly one face there is nothing else to measure; colour still tells
        lab = lab_of(rgb[:: max(1, rgb.shape[0] // 200), :: max(1, rgb.shape[1] // 200)])
        add("colour", mean_chroma(lab))
        return out
    h, w = rgb.shape[:2]
    add("inter_eye_distance", geo.ied / source_scale)
    add("roll", geo.roll)
    add("yaw", geo.yaw)
    # margins left/right of the face and below the chin, in IED, in the upright frame
    ex, ey = geo.eye_mid
    half = geo.face_width / 2
    t = math.radians(geo.roll)
    corners = []
    for u, v in ((-half, 0.0), (half, 0.0), (-half, geo.chin), (half, geo.chin)):
        corners.append((ex + math.cos(t) * u - math.sin(t) * v, ey + math.sin(t) * u + math.cos(t) * v))
    xs = [p[0] for p in corners]
    ys = [p[1] for p in corners]
    margin = min(min(xs), w - max(xs), h - max(ys)) / geo.ied
    add("margins", margin)
    add("crown_visible", 0.0 if geo.crown_clipped else 1.0)
    add("crown_height", geo.crown / geo.ied)

    lab = lab_of(can) if lab is None else lab
    gray = to_gray(can)
    cx, cy = CANVAS_EYE
    iw = CANVAS_IED
    fx0, fx1 = int(cx - 0.95 * iw), int(cx + 0.95 * iw)
    fy0, fy1 = int(cy - 0.55 * iw), int(cy + 1.5 * iw)
    face = gray[fy0:fy1, fx0:fx1].astype(np.float32)
    fvalid = valid[fy0:fy1, fx0:fx1]
    vals = face[fvalid] if fvalid.any() else face.ravel()
    lap = cv2.Laplacian(gray[fy0:fy1, fx0:fx1], cv2.CV_32F, ksize=3)
    add("sharpness", float(lap[fvalid].var()) if fvalid.any() else 0.0)
    add("under_exposure", float(np.mean(vals < 30)))
    add("over_exposure", float(np.mean(vals > 245)))
    add("luminance_mean", float(vals.mean()))
    add("luminance_spread", float(vals.std()))
    p1, p99 = np.percentile(vals, [1, 99])
    add("dynamic_range", float(p99 - p1))
    mx = int(cx)
    cheek_y0, cheek_y1 = int(cy + 0.1 * iw), int(cy + 1.1 * iw)
    left = gray[cheek_y0:cheek_y1, int(cx - 0.8 * iw) : mx - 4].astype(np.float32)
    right = gray[cheek_y0:cheek_y1, mx + 4 : int(cx + 0.8 * iw)].astype(np.float32)
    lmean, rmean = float(left.mean()), float(right.mean())
    add("illumination_uniformity", min(lmean, rmean) / max(lmean, rmean, 1e-6))
    skin = np.concatenate(
        [
            lab[int(cy + 0.35 * iw) : int(cy + 0.95 * iw), int(cx - 0.8 * iw) : int(cx - 0.3 * iw)].reshape(-1, 3),
            lab[int(cy + 0.35 * iw) : int(cy + 0.95 * iw), int(cx + 0.3 * iw) : int(cx + 0.8 * iw)].reshape(-1, 3),
        ]
    )
    add("natural_colour", float(np.median(skin[:, 1])))
    add("background_uniformity", bg.texture)
    add("colour", mean_chroma(lab))
    return out


def analyse(rgb: np.ndarray, *, source_scale: float = 1.0, detector_name: str = DEFAULT_DETECTOR) -> Analysis:
    """Detect, measure and judge one upright sRGB image.

    ``source_scale`` is decoded pixels per original pixel (so resolution is judged on the
    original). Never raises for image content: a photo without a face gets a report that
    says so.
    """
    h, w = rgb.shape[:2]
    gray = to_gray(rgb)
    faces, passes = find_faces(rgb, detector_name=detector_name, gray=gray)
    face = faces[0] if len(faces) >= 1 else None
    geo = bg = can = valid = lab = None
    if len(faces) == 1 and face is not None:
        lm = refine_landmarks(rgb, face, gray=gray) if detector_name != "mtcnn" else face.landmarks
        if lm is not None:
            face = Face(box=face.box, score=face.score, landmarks=lm)
            faces = [face]
            geo, bg, can, valid, lab = measure_head(rgb, lm, box=face.box)
    comps = quality_components(rgb, faces, geo, bg, can, valid, source_scale=source_scale, lab=lab)
    return Analysis(
        width=w,
        height=h,
        faces=faces,
        face=face,
        geometry=geo,
        background=bg,
        components=comps,
        detector=detector_name,
        detect_passes=passes,
    )
