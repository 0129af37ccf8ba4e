"""The quality report: OFIQ-style components measured on the normalised canvas, each with its
pass range (``data/quality.yaml``) and the hint a citizen is told when it fails.

Exposure, illumination and skin colour are measured on skin only: the face outline from the mesh
minus everything that is not skin by its place (eyes, brows, the band where glasses sit, lips,
nostrils, the jaw where beards grow) and minus what differs from the face's own skin colour
(glasses frames, a moustache, a fringe of hair). A dark pupil, a black frame or a beard is never
counted as an under-exposed face, whatever the skin tone.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import yaml

from tongban.photos.engine.covering import brim_step, lower_face_occlusion
from tongban.photos.engine.imaging import lab_of, mean_chroma, median_masked_u8, percentile, to_gray
from tongban.photos.engine.mesh import FACE_OVAL, LEFT_EYE, LIPS, RIGHT_EYE, Mesh, polygon

QUALITY_FILE = Path(__file__).resolve().parent / "data" / "quality.yaml"
BG_DISTANCE = 14.0  # CIELAB distance of a background pixel that is a "blob" (×2) in the texture
BG_ALPHA = 0.1  # person probability under which a canvas pixel is background
SKIN_AB_DISTANCE = 12.0  # a* b* distance from the face's median skin colour that is still skin
MIN_SKIN_SHARE = 0.25  # of the candidate pixels; fewer left by the colour test: keep them all


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
class Background:
    """The background around the head (every canvas pixel outside the person mask)."""

    lab: tuple[float, float, float]
    rgb: tuple[int, int, int]
    texture: float
    uniform: bool
    share: float = 0.0  # of the canvas


def background_of(
    lab8: np.ndarray, lab: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, valid: np.ndarray
) -> Background:
    """The background of the canvas: every pixel the person mask leaves out (a little away
    from its edge) that lies inside the photo. ``lab8`` is the canvas in OpenCV's 8-bit
    CIELAB, ``lab`` the same as float32 (``lab8_to_lab``)."""
    bg = ((alpha < BG_ALPHA).view(np.uint8) & valid).astype(np.uint8)
    bg = cv2.erode(bg, np.ones((5, 5), np.uint8))
    n = cv2.countNonZero(bg)
    share = n / bg.size
    if n < 200:
        return Background(lab=(0.0, 0.0, 0.0), rgb=(0, 0, 0), texture=99.0, uniform=False, share=share)
    ml, ma, mb = median_masked_u8(lab8, bg)
    med = np.array([ml * 100.0 / 255.0, ma - 128.0, mb - 128.0], np.float32)
    # texture: mean gradient of L* plus colour blobs (distance from the median colour), both
    # insensitive to the smooth light fall-off of a studio backdrop
    lum = cv2.extractChannel(lab, 0)
    grad = cv2.magnitude(cv2.Sobel(lum, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(lum, cv2.CV_32F, 0, 1, ksize=3))
    inner = cv2.erode(bg, np.ones((3, 3), np.uint8))
    g = cv2.mean(grad, mask=inner)[0] / 8.0 if cv2.countNonZero(inner) else 99.0
    # each pixel's squared distance from the median on the whole canvas (contiguous planes,
    # the same float32 sums as numpy's per pixel), then the background's: ~5× cheaper than
    # gathering the background's 3-channel pixels first
    ref = (float(med[0]), float(med[1]), float(med[2]), 0.0)
    sq = cv2.subtract(lab, ref)  # type: ignore[call-overload]  # a per-channel Scalar operand
    cv2.multiply(sq, sq, dst=sq)
    d0, d1, d2 = cv2.split(sq)
    dist = np.sqrt(cv2.add(cv2.add(d0, d1), d2)[bg.astype(bool)])
    blobs = float(np.count_nonzero(dist > 2.0 * BG_DISTANCE)) / dist.size * 10.0
    # a smooth but many-coloured scene (a blurred room) still is no plain backdrop
    spread = _excess_over(dist, 90, 15.0) / 2.0
    texture = g + blobs + spread
    rgb_med = median_masked_u8(np.ascontiguousarray(rgb), bg)
    return Background(
        lab=(float(med[0]), float(med[1]), float(med[2])),
        rgb=(int(rgb_med[0]), int(rgb_med[1]), int(rgb_med[2])),
        texture=round(texture, 3),
        uniform=texture <= (load_thresholds()["background_uniformity"].max or 99.0),
        share=round(share, 4),
    )


def _excess_over(x: np.ndarray, q: float, floor: float) -> float:
    """``max(0, percentile(x, q) − floor)`` (``imaging.percentile``). When so few values exceed
    ``floor`` that both order statistics the percentile interpolates between do not, it is 0
    and nothing is sorted (a plain backdrop: ~0.4 ms fewer)."""
    n = x.size
    hi = min(math.floor(q / 100.0 * (n - 1)) + 1, n - 1)
    if np.count_nonzero(x > floor) <= n - 1 - hi:
        return 0.0
    return max(0.0, percentile(x, q) - floor)


def component(key: str, value: float | None) -> Component:
    """One component judged against its threshold."""
    t = load_thresholds()[key]
    ok = value is not None and t.passes(value)
    return Component(
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


@dataclass(slots=True)
class Canvas:
    """The head upright at ``ied`` px between the eyes: pixels, person probability, which
    pixels come from inside the photo, and the mesh in the canvas's coordinates."""

    rgb: np.ndarray
    alpha: np.ndarray
    valid: np.ndarray
    mesh: Mesh
    eye: tuple[float, float]
    ied: float
    lab: np.ndarray  # ``rgb`` in CIELAB, float32 (``imaging.lab_of``)


def skin_mask(can: Canvas, planes: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(skin, face): uint8 masks of the skin pixels and of the whole face outline (``planes``:
    the canvas's CIELAB as three contiguous planes)."""
    h, w = can.valid.shape
    face = np.zeros((h, w), np.uint8)
    cv2.fillPoly(face, [polygon(can.mesh, FACE_OVAL)], 1)
    face &= can.valid
    ex, ey = can.eye
    iw = can.ied
    ys = (np.arange(h, dtype=np.float32)[:, None] - ey) / iw  # below the eye line: positive
    xs = np.abs(np.arange(w, dtype=np.float32)[None, :] - ex) / iw
    # skin by place: cheeks under the band where glasses sit and above the beard line, the
    # nose's bridge and back, the forehead above the brows
    cheeks = (ys >= 0.55) & (ys <= 1.0) & (xs >= 0.3) & (xs <= 0.9)
    nose = (ys >= 0.45) & (ys <= 0.8) & (xs <= 0.14)
    forehead = (ys >= -1.05) & (ys <= -0.62) & (xs <= 0.6)
    cand = (cheeks | nose | forehead).view(np.uint8) & face
    lips = np.zeros_like(face)
    cv2.fillPoly(lips, [polygon(can.mesh, LIPS)], 1)
    cand &= 1 - cv2.dilate(lips, np.ones((5, 5), np.uint8))
    sel = cand.astype(bool)
    if not sel.any():
        return cand, face
    # one plane at a time (contiguous gathers: ~3× cheaper than the 3-channel pixels)
    lum, a, b = (p[sel] for p in planes)
    med_l, med_a, med_b = np.median(lum), np.median(a), np.median(b)
    chroma = np.hypot(a, b)
    med_chroma = float(np.median(chroma))
    # skin by colour: near the face's own skin hue; dark and grey (frames, beard, hair) is not
    dab = np.hypot(a - med_a, b - med_b)
    keep = (dab <= SKIN_AB_DISTANCE) & ~((chroma < 0.5 * med_chroma) & (lum < 0.75 * med_l))
    if keep.mean() < MIN_SKIN_SHARE:
        return cand, face
    skin = np.zeros_like(cand)
    skin[sel] = keep
    return skin, face


def eyes_visible(can: Canvas, luma: np.ndarray, skin: np.ndarray) -> float | None:
    """How bright the brighter part of the darker eye is against the face's skin: the 90th
    percentile of the luma inside each eye's outline (the mesh's), the lower of the two, over
    the skin's median. An open eye shows its white (real portraits: 0.35 to 1.75, dark skin
    included); an opaque dark lens or a patch leaves only the lens (about 0.1 to 0.2)."""
    if not skin.any():
        return None
    ref = float(np.median(luma[skin]))
    lows = []
    for idx in (RIGHT_EYE, LEFT_EYE):
        m = np.zeros(luma.shape, np.uint8)
        cv2.fillPoly(m, [polygon(can.mesh, idx)], 1)
        vals = luma[(m & can.valid).astype(bool)]
        if vals.size < 5:
            return None
        lows.append(float(np.percentile(vals, 90)))
    return min(lows) / max(ref, 1.0)


def quality_components(
    can: Canvas | None,
    *,
    faces: int,
    ied_original: float | None,
    roll: float | None,
    yaw: float | None,
    crown_height: float | None,
    crown_clipped: bool,
    shoulders: float | None,
    margins: float | None,
    background_texture: float | None,
    rgb: np.ndarray,
    raised_hand: float | None = None,
) -> list[Component]:
    """Every component for the photo (``can`` None when there is not exactly one face)."""
    out = [component("face_count", faces)]
    if can is None:
        # without exactly one face there is nothing else to measure; colour still tells
        small = lab_of(rgb[:: max(1, rgb.shape[0] // 200), :: max(1, rgb.shape[1] // 200)])
        out.append(component("colour", mean_chroma(small)))
        return out
    out += [
        component("inter_eye_distance", ied_original),
        component("roll", roll),
        component("yaw", yaw),
        component("margins", margins),
        component("shoulders", shoulders),
        component("crown_visible", 0.0 if crown_clipped else 1.0),
        component("crown_height", crown_height),
        component(
            "head_covering", None if crown_height is None else brim_step(can.alpha, crown_height, can.eye, can.ied)
        ),
    ]
    planes = cv2.split(can.lab)  # once for every measure below (contiguous gathers)
    gray = to_gray(can.rgb)
    skin, face = skin_mask(can, planes)
    sk = skin.astype(bool)
    # the skin's median CIELAB: the lower face's reference and the natural colour (its a*)
    skin_ref = tuple(float(np.median(p[sk])) for p in planes) if sk.any() else None
    fc = face.astype(bool)
    luma = gray.astype(np.float32)
    lap = cv2.Laplacian(gray, cv2.CV_32F, ksize=3)
    inner = cv2.erode(face, np.ones((5, 5), np.uint8)).astype(bool)
    out.append(component("sharpness", float(lap[inner].var()) if inner.any() else 0.0))
    out.append(component("eyes_visible", eyes_visible(can, luma, sk)))
    out.append(component("face_occlusion", lower_face_occlusion(can.mesh, can.valid, planes, skin_ref)))
    out.append(component("raised_hand", raised_hand))
    vals = luma[sk] if sk.any() else luma[fc]
    out.append(component("under_exposure", float(np.mean(vals < 30)) if vals.size else None))
    out.append(component("over_exposure", float(np.mean(vals > 245)) if vals.size else None))
    out.append(component("luminance_mean", float(vals.mean()) if vals.size else None))
    fvals = luma[fc]
    out.append(component("luminance_spread", float(fvals.std()) if fvals.size else None))
    if fvals.size:
        p1, p99 = np.percentile(fvals, [1, 99])
        out.append(component("dynamic_range", float(p99 - p1)))
    else:
        out.append(component("dynamic_range", None))
    mx = int(can.eye[0])
    left = luma[:, :mx][sk[:, :mx]]
    right = luma[:, mx:][sk[:, mx:]]
    uni = None
    if left.size >= 20 and right.size >= 20:
        lm, rm = float(left.mean()), float(right.mean())
        uni = min(lm, rm) / max(lm, rm, 1e-6)
    out.append(component("illumination_uniformity", uni))
    out.append(component("natural_colour", skin_ref[1] if skin_ref is not None else None))
    out.append(component("background_uniformity", background_texture))
    out.append(component("colour", float(cv2.mean(cv2.magnitude(planes[1], planes[2]))[0])))  # mean_chroma
    return out
