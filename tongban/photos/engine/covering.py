"""What covers the head or the face: a hat's brim, and a hand or an object over the lower face.

Both are measured on the normalised canvas (``quality.Canvas``: the head upright, the eyes
``ied`` px apart), cost well under a millisecond, and say something a citizen can act on.

- **Head covering** (``brim_step``). A hat is told from hair by its silhouette: a brim juts out
  from the head on both sides within a few rows, where hair (however tall or full) and a
  religious covering that wraps the head widen smoothly downwards. The value is the larger of
  the two sides' smaller outward step, in inter-eye distances, over ``BRIM_ROWS`` of height,
  between ``BRIM_BELOW_CROWN`` under the crown and the brows.
- **Lower-face occlusion** (``lower_face_occlusion``). The face from the nose's base to the
  chin (inside the mesh's outline, lips excluded) should show skin in the hue of the face's own
  skin (shadowed, lit or glossy) or hair (a beard, stubble, a moustache: darker than the skin
  and no more colourful). The value is the share of that region that is neither: a card, a
  phone, a sleeve, a hand of another colour.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from tongban.photos.engine.mesh import FACE_OVAL, LIPS, NOSE_BASE, Mesh, polygon

BRIM_ROWS = 0.1  # IED of height over which a brim's step is measured
BRIM_BELOW_CROWN = 0.4  # IED: the rounded top of any head or hat lies above this
BRIM_ABOVE_EYES = 0.5  # IED: the brows, where the face begins

SKIN_AB = 10.0  # a*b* distance from the face's skin colour that is skin whatever its hue
SKIN_HUE = 30.0  # degrees of a*b* hue from the face's skin that still are skin
SKIN_CHROMA = (0.4, 2.0)  # times the skin's chroma: shade and warm light keep the hue
GLOSS_HUE = 45.0  # lit and paler than the skin (a glossy cheek): hue within this
COS_SKIN_HUE = math.cos(math.radians(SKIN_HUE))
COS_GLOSS_HUE = math.cos(math.radians(GLOSS_HUE))
HAIR_L = 0.8  # darker than this share of the skin's L* may be hair (with no more chroma)
HAIR_FLAT = 6.0  # or greyish: chroma under this (a white or grey beard, stubble)


def brim_step(alpha: np.ndarray, crown: float, eye: tuple[float, float], ied: float) -> float:
    """How far a brim juts out on both sides (IED): for each side, the largest outward step of
    the person mask's edge over ``BRIM_ROWS`` of height; the smaller side's. Only the run of
    mask through the head's centre column counts, so a raised hand beside the head (one side)
    is not a brim."""
    cx, ey = int(eye[0]), eye[1]
    k = max(1, round(BRIM_ROWS * ied))
    top = max(0, int(ey - (crown - BRIM_BELOW_CROWN) * ied) - k)
    bottom = int(ey - BRIM_ABOVE_EYES * ied)
    if bottom - top <= k + 1:
        return 0.0
    person = alpha[top:bottom] >= 0.5
    w = person.shape[1]
    idx = np.arange(w)
    left = np.where(~person[:, :cx], idx[:cx], -1).max(axis=1) + 1
    right = np.where(~person[:, cx:], idx[cx:], w).min(axis=1) - 1
    on = person[:, cx]
    both = on[:-k] & on[k:]
    if not both.any():
        return 0.0
    out_left = np.where(both, left[:-k] - left[k:], 0).max()
    out_right = np.where(both, right[k:] - right[:-k], 0).max()
    return float(min(out_left, out_right)) / ied


def lower_face_region(mesh: Mesh, valid: np.ndarray) -> np.ndarray:
    """Bool mask of the face from the nose's base to the chin, lips excluded."""
    h, w = valid.shape
    reg = np.zeros((h, w), np.uint8)
    cv2.fillPoly(reg, [polygon(mesh, FACE_OVAL)], 1)
    reg[: max(0, int(mesh.point(NOSE_BASE)[1]))] = 0
    lips = np.zeros_like(reg)
    cv2.fillPoly(lips, [polygon(mesh, LIPS)], 1)
    reg &= valid & (1 - cv2.dilate(lips, np.ones((3, 3), np.uint8)))
    return reg.astype(bool)


def lower_face_occlusion(
    mesh: Mesh, valid: np.ndarray, planes: Sequence[np.ndarray], skin_ref: tuple[float, ...] | None
) -> float | None:
    """Share of the lower face (``lower_face_region``) that is neither skin of the face's own
    hue nor hair: ``planes`` are the canvas's CIELAB as three planes, ``skin_ref`` the median
    CIELAB of its skin (``quality.skin_mask``; None: no skin found)."""
    sel = lower_face_region(mesh, valid)
    if sel.sum() < 50 or skin_ref is None:
        return None
    l_ref, a_ref, b_ref = skin_ref
    c_ref = max(math.hypot(a_ref, b_ref), 1.0)
    lum, a, b = (p[sel] for p in planes)  # one plane at a time: contiguous gathers
    chroma = np.sqrt(a * a + b * b)
    # cosine of the hue angle between each pixel and the skin (no arctan: this runs per pixel)
    cos_hue = (a * a_ref + b * b_ref) / (np.maximum(chroma, 1e-3) * c_ref)
    near = (a - a_ref) ** 2 + (b - b_ref) ** 2 <= SKIN_AB**2
    # skin in shade or warm light keeps its hue; gloss pales it towards white
    toned = (cos_hue >= COS_SKIN_HUE) & (chroma >= SKIN_CHROMA[0] * c_ref) & (chroma <= SKIN_CHROMA[1] * c_ref)
    gloss = (lum >= l_ref) & (chroma <= c_ref) & (cos_hue >= COS_GLOSS_HUE)
    hair = (lum < HAIR_L * l_ref) & (chroma <= c_ref)
    grey = chroma < HAIR_FLAT
    other = ~(near | toned | gloss | hair | grey)
    return float(np.count_nonzero(other)) / lum.size
