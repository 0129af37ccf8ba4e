"""Synthetic defects made from the licensed portraits, each with the verdict it must get.

Every image here is made at test time, deterministically, from a real portrait of the set
(``FACES``) or of ``tests/data``: nothing synthetic is stored. What each one exercises:

- rotation with filled corners (an editor's or a scanner's flat wedges): the fill must be found
  and treated as outside the photo, never shown as a slab;
- a tight crop ending at the chin: nothing may be invented below it;
- a coloured plain backdrop (blue, red): accepted, the background replaced;
- a busy backdrop behind a portrait that is otherwise fine: refused for the background;
- dark glasses and a beard drawn on a dark-skinned portrait: no exposure complaint, refused
  only because the eyes cannot be seen (GA 461 and ICAO 9303 refuse tinted glasses).

The portraits of ``tests/data/portraits`` (dark skin, over 60, beards, a hijab, children) give
the same defects on more faces, and the clean backdrops that show a religious head covering or a
child's head is not refused for its shape.

The person's pixels are always the real photo's; only what surrounds or covers them is drawn.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import simplejpeg

from tongban.photos.tests.faces import FACES

DATA = Path(__file__).resolve().parent / "data"


def _load(name: str) -> np.ndarray:
    path = next((d / name for d in (DATA, DATA / "portraits") if (d / name).exists()), FACES / name)
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(path)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _jpeg(rgb: np.ndarray) -> bytes:
    return simplejpeg.encode_jpeg(np.ascontiguousarray(rgb), quality=92, colorspace="RGB")


def rotate_with_fill(rgb: np.ndarray, degrees: float, fill: tuple[int, int, int]) -> np.ndarray:
    """The photo turned about its centre on a canvas of the same size, corners one flat colour."""
    h, w = rgb.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def _person_alpha(rgb: np.ndarray) -> np.ndarray:
    """A soft person mask for compositing a new backdrop (the engine's model, thresholded and
    feathered by a few pixels: what a photo editor's cut-out looks like)."""
    from tongban.photos.engine.mask import PersonMap

    h, w = rgb.shape[:2]
    alpha = PersonMap(rgb).warp(None, (w, h))
    hard = (alpha >= 0.5).astype(np.float32)
    return cv2.GaussianBlur(hard, (0, 0), max(1.0, min(h, w) / 500))


def on_backdrop(rgb: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """The person of ``rgb`` over ``backdrop`` (same size)."""
    a = _person_alpha(rgb)[..., None]
    return (rgb * a + backdrop * (1 - a)).astype(np.uint8)


def plain(rgb: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """A flat backdrop with a studio's gentle light fall-off (±4 levels) and sensor noise."""
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    fall = 4.0 * np.cos((xx / w - 0.5) * math.pi) * np.cos((yy / h - 0.5) * math.pi)
    noise = np.random.default_rng(7).normal(0, 1.2, (h, w)).astype(np.float32)
    base = np.array(colour, np.float32)[None, None, :] + (fall + noise)[..., None]
    return np.clip(base, 0, 255)


def busy(rgb: np.ndarray) -> np.ndarray:
    """A colourful patterned backdrop (posters, shelves): stripes and blobs of many colours."""
    h, w = rgb.shape[:2]
    rng = np.random.default_rng(11)
    out = np.zeros((h, w, 3), np.float32)
    stripe = max(8, w // 24)
    for i in range(0, w, stripe):
        out[:, i : i + stripe] = rng.integers(30, 230, 3)
    for _ in range(40):
        c = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.circle(out, c, int(rng.integers(w // 30, w // 8)), tuple(float(v) for v in rng.integers(0, 255, 3)), -1)
    return out


def dark_glasses_and_beard(rgb: np.ndarray) -> np.ndarray:
    """Opaque dark lenses with black frames over the eyes, and a dark full beard on the jaw,
    placed from the face mesh of the photo."""
    from tongban.photos.engine.analyse import find_faces, refine_landmarks
    from tongban.photos.engine.imaging import to_gray
    from tongban.photos.engine.mesh import FACE_OVAL, locate_mesh, measure

    img = rgb.copy()
    faces, _ = find_faces(img)
    mesh = locate_mesh(img, refine_landmarks(img, faces[0], gray=to_gray(img)))
    up = measure(mesh)
    ied = up.ied
    ang = up.roll
    for eye in (mesh.right_eye, mesh.left_eye):
        centre = (round(eye[0]), round(eye[1] + 0.05 * ied))
        axes = (round(0.36 * ied), round(0.27 * ied))
        cv2.ellipse(img, centre, axes, ang, 0, 360, (18, 18, 22), -1)
        cv2.ellipse(img, centre, axes, ang, 0, 360, (5, 5, 5), max(2, round(0.05 * ied)))
    r, le = mesh.right_eye, mesh.left_eye
    cv2.line(
        img,
        (round(r[0] + 0.34 * ied), round(r[1])),
        (round(le[0] - 0.34 * ied), round(le[1])),
        (5, 5, 5),
        max(2, round(0.05 * ied)),
    )
    # beard: the face outline below the nose, dark and textured
    oval = mesh.points[list(FACE_OVAL), :2]
    ex, ey = up.eye_mid
    t = math.radians(-up.roll)
    v = math.sin(t) * (oval[:, 0] - ex) + math.cos(t) * (oval[:, 1] - ey)
    jaw = oval[v > 0.95 * ied]
    nose_base = mesh.point(2)
    poly = np.vstack([jaw, [nose_base]]).astype(np.int32)
    hull = cv2.convexHull(poly)
    beard = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(beard, [hull], 1)
    lips = np.zeros_like(beard)
    from tongban.photos.engine.mesh import LIPS, polygon

    cv2.fillPoly(lips, [polygon(mesh, LIPS)], 1)
    beard &= 1 - lips
    hair = np.random.default_rng(3).normal(28, 9, img.shape).clip(5, 60).astype(np.uint8)
    soft = cv2.GaussianBlur(beard.astype(np.float32), (0, 0), 0.04 * ied)[..., None]
    return (img * (1 - soft) + hair * soft).astype(np.uint8)


def _face_mesh(rgb: np.ndarray) -> tuple[object, float, float]:
    from tongban.photos.engine.analyse import find_faces, refine_landmarks
    from tongban.photos.engine.imaging import to_gray
    from tongban.photos.engine.mesh import locate_mesh, measure

    faces, _ = find_faces(rgb)
    mesh = locate_mesh(rgb, refine_landmarks(rgb, faces[0], gray=to_gray(rgb)))
    up = measure(mesh)
    return mesh, up.ied, up.roll


def card_over_mouth(rgb: np.ndarray) -> np.ndarray:
    """A transit card (blue, a white band, dark print) held over the mouth and chin, tilted a
    little, with the holder's fingertips (the face's own skin colour) along its lower edge."""
    from tongban.photos.engine.mesh import CHIN, NOSE_BASE

    img = rgb.copy()
    mesh, ied, roll = _face_mesh(img)
    nx, ny = mesh.point(NOSE_BASE)  # type: ignore[attr-defined]
    _, cy = mesh.point(CHIN)  # type: ignore[attr-defined]
    w, h = 1.7 * ied, (cy - ny) * 1.1
    centre = (nx, ny + 0.15 * ied + h / 2)
    box = cv2.boxPoints((centre, (w, h), roll + 6.0)).astype(np.float32)
    card = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(card, [np.round(box).astype(np.int32)], 1)
    layer = np.empty_like(img)
    layer[:] = (28, 92, 168)
    ys = np.arange(img.shape[0])[:, None]
    band = (np.abs(ys - centre[1]) < 0.12 * h) & np.ones((1, img.shape[1]), bool)
    layer[band] = (236, 238, 240)
    for i in range(3):  # dark print on the band
        x0 = round(centre[0] - 0.35 * w + i * 0.22 * w)
        cv2.rectangle(
            layer,
            (x0, round(centre[1] - 0.04 * h)),
            (x0 + round(0.15 * w), round(centre[1] + 0.04 * h)),
            (30, 30, 40),
            -1,
        )
    sel = card.astype(bool)
    img[sel] = layer[sel]
    skin = np.median(
        rgb[round(ny - 0.5 * ied) : round(ny - 0.3 * ied), round(nx - 0.8 * ied) : round(nx - 0.5 * ied)].reshape(
            -1, 3
        ),
        axis=0,
    )
    bottom = max(box[:, 1])
    for i in range(4):  # fingertips over the card's lower edge
        fx = round(centre[0] - 0.45 * w + i * 0.28 * w)
        cv2.ellipse(
            img,
            (fx, round(bottom - 0.05 * ied)),
            (round(0.11 * ied), round(0.2 * ied)),
            0,
            0,
            360,
            tuple(float(v) for v in skin),
            -1,
        )
    return img


def upscaled(rgb: np.ndarray, k: float) -> np.ndarray:
    """The photo enlarged ``k`` times (bicubic): a small official portrait at phone size."""
    return cv2.resize(rgb, None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)


def tight_below_chin(rgb: np.ndarray, below: float) -> np.ndarray:
    """The photo cut ``below`` inter-eye distances under the chin (a selfie that misses the
    shoulders)."""
    from tongban.photos.engine.analyse import find_faces, refine_landmarks
    from tongban.photos.engine.imaging import to_gray
    from tongban.photos.engine.mesh import CHIN, locate_mesh, measure

    faces, _ = find_faces(rgb)
    mesh = locate_mesh(rgb, refine_landmarks(rgb, faces[0], gray=to_gray(rgb)))
    cut = round(mesh.point(CHIN)[1] + below * measure(mesh).ied)
    return np.ascontiguousarray(rgb[:cut])


def head_and_shoulders(rgb: np.ndarray, backdrop: tuple[int, int, int], *, below_chin: float = 2.8) -> np.ndarray:
    """A wide portrait on a plain ``backdrop``, cut ``below_chin`` inter-eye distances under
    the chin and set on a 4:3 canvas of the same backdrop with room above and beside the head:
    the framing a window camera or a phone held for an ID photo gives (the person's pixels
    are the photo's own; the body runs to the bottom edge, nothing is cut in the open)."""
    from tongban.photos.engine.analyse import find_faces, refine_landmarks
    from tongban.photos.engine.imaging import to_gray
    from tongban.photos.engine.mesh import CHIN, locate_mesh, measure

    alpha = _person_alpha(rgb)
    faces, _ = find_faces(rgb)
    mesh = locate_mesh(rgb, refine_landmarks(rgb, faces[0], gray=to_gray(rgb)))
    cut = min(rgb.shape[0], round(mesh.point(CHIN)[1] + below_chin * measure(mesh).ied))
    h, w = cut, rgb.shape[1]
    ch = round(h * 1.15)
    cw = max(w, round(ch * 4 / 3))
    canvas = plain(np.zeros((ch, cw, 3), np.uint8), backdrop)
    x0 = (cw - w) // 2
    a = alpha[:cut, :, None]
    region = canvas[ch - h :, x0 : x0 + w]
    canvas[ch - h :, x0 : x0 + w] = rgb[:cut] * a + region * (1 - a)
    return np.clip(canvas + 0.5, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Synthetic:
    """One synthetic image: how it is made and what the pipeline must answer."""

    base: str
    make: Callable[[np.ndarray], np.ndarray]
    passes: bool
    must_fail: tuple[str, ...] = ()  # quality components that must fail (others may too)
    derived: frozenset[str] | None = None  # exactly these standards, when it passes
    refused_for: dict[str, str] | None = None  # standard → refusal code, when it passes
    fills: int = 0  # fill areas that must be found
    must_pass: tuple[str, ...] = ()  # components that must not fail (no false reason)
    refused_why: str | None = None  # when refused with no failed component: every standard's code
    bug: str | None = None  # the engine gets this one wrong: how (its test is a strict xfail)


ID_FAMILY = frozenset({"id_card", "social_security_card", "residence_permit"})
ID_DRIVER = ID_FAMILY | {"driver_licence"}
ALL_SIX = ID_DRIVER | {"passport", "hk_macao_permit"}

EXPOSURE = ("under_exposure", "luminance_mean", "illumination_uniformity", "natural_colour")
LIGHT = (198, 214, 230)
FILL = (96, 120, 140)

# made from the diversity portraits (tests/data/portraits, tests/portraits.py)
PORTRAIT_SYNTHETIC: dict[str, Synthetic] = {
    # the hijab portrait at phone size on a plain light backdrop: every standard, and the
    # covering is never called a hat
    "synth_o000173_hijab_plain": Synthetic(
        "cong_O000173_hijab_flag.jpg",
        lambda im: on_backdrop(upscaled(im, 1.6), plain(upscaled(im, 1.6), LIGHT)),
        True,
        derived=ALL_SIX,
        must_pass=("crown_height", "crown_visible", "head_covering", "face_occlusion"),
    ),
    # a young bearded man framed with headroom, then tilted 10° with the corners filled: the
    # wedges are outside the photo; the ID frames fit above them, the others would need them
    "synth_f000476_window_rot10_fill": Synthetic(
        "cong_F000476_young_beard.jpg",
        lambda im: rotate_with_fill(head_and_shoulders(im, LIGHT), 10, FILL),
        True,
        derived=ID_FAMILY,
        fills=4,
    ),
    # the same tilt on the chest-cut original: every frame needs the wedges below the chin
    "synth_f000476_rot10_fill": Synthetic(
        "cong_F000476_young_beard.jpg",
        lambda im: rotate_with_fill(im, 10, FILL),
        False,
        fills=4,
        refused_why="shoulders",
    ),
    "synth_f000476_busy": Synthetic(
        "cong_F000476_young_beard.jpg", lambda im: on_backdrop(im, busy(im)), False, ("background_uniformity",)
    ),
    # dark skin and a beard, cut just under the chin
    "synth_g000553_tight": Synthetic(
        "cong_G000553_beard_dark.jpg", lambda im: tight_below_chin(im, 0.25), False, ("shoulders",), must_pass=EXPOSURE
    ),
    # dark skin, a real beard, dark glasses drawn on: no exposure complaint, eyes not visible
    "synth_g000553_dark_glasses": Synthetic(
        "cong_G000553_beard_dark.jpg", dark_glasses_and_beard, False, ("eyes_visible",), must_pass=EXPOSURE
    ),
    # over 60 on a saturated red backdrop: replaced, every standard
    "synth_h001042_red": Synthetic(
        "cong_H001042_60plus_eastasian.jpg", lambda im: on_backdrop(im, plain(im, (200, 30, 40))), True, derived=ALL_SIX
    ),
    # a child framed with headroom on a plain backdrop, holding a pass in front of his chest,
    # his fingertips at his chin (fragments of his neighbours at the crop's edges come along): a
    # clerk refuses a hand and an object held up in front of the body; the lower-face check
    # (face_occlusion) does not see it, the hand check does
    "synth_kid_boy_window": Synthetic(
        "doi_kid_boy_card.jpg",
        lambda im: head_and_shoulders(im, LIGHT),
        False,
        ("raised_hand",),
        must_pass=("inter_eye_distance", "crown_height"),
    ),
    # a transit card held over the mouth and chin, fingertips along its edge: refused for that
    # alone, and never told that the face is dark or that there is a hat
    "synth_h001042_card_mouth": Synthetic(
        "cong_H001042_60plus_eastasian.jpg",
        card_over_mouth,
        False,
        ("face_occlusion",),
        must_pass=(*EXPOSURE, "head_covering", "eyes_visible"),
    ),
    # the same over a dark-skinned man's beard
    "synth_g000553_card_mouth": Synthetic(
        "cong_G000553_beard_dark.jpg",
        card_over_mouth,
        False,
        ("face_occlusion",),
        must_pass=(*EXPOSURE, "head_covering", "eyes_visible"),
    ),
    # and over the child's chin, framed with headroom on a plain backdrop
    "synth_kid_boy_card_mouth": Synthetic(
        "doi_kid_boy_card.jpg",
        lambda im: card_over_mouth(head_and_shoulders(im, LIGHT)),
        False,
        ("face_occlusion",),
        must_pass=("inter_eye_distance", "crown_height", "head_covering"),
    ),
}

SYNTHETIC: dict[str, Synthetic] = {
    # head and shoulders with headroom on a plain light backdrop: every standard
    "synth_kate_window": Synthetic(
        "18f_kate_patterned_bg.jpg", lambda im: head_and_shoulders(im, (198, 214, 230)), True, derived=ALL_SIX
    ),
    # a wide portrait on a plain light-blue backdrop: every standard, the backdrop replaced
    # (her headband's ears touch the top of the photo: the exit-entry frames, which need room
    # above the head, would cut them, and are refused)
    "synth_kate_lightblue": Synthetic(
        "18f_kate_patterned_bg.jpg", lambda im: on_backdrop(im, plain(im, (198, 214, 230))), True, derived=ID_DRIVER
    ),
    # the same on saturated blue and red (the backdrops of many ID-photo studios)
    "synth_kate_blue": Synthetic(
        "18f_kate_patterned_bg.jpg", lambda im: on_backdrop(im, plain(im, (40, 110, 200))), True, derived=ID_DRIVER
    ),
    "synth_kate_red": Synthetic(
        "18f_kate_patterned_bg.jpg", lambda im: on_backdrop(im, plain(im, (200, 30, 40))), True, derived=ID_DRIVER
    ),
    # tilted 12° by an editor, corners filled blue-grey: levelled, the wedges outside the photo
    "synth_kate_rot12_fill": Synthetic(
        "18f_kate_patterned_bg.jpg",
        lambda im: rotate_with_fill(on_backdrop(im, plain(im, (198, 214, 230))), 12, (96, 120, 140)),
        True,
        derived=ID_DRIVER,
        fills=4,
    ),
    # the same tilt on a portrait cut at the chest: below the chin every frame needs the wedges
    "synth_c001080_rot12_fill": Synthetic(
        "cong_C001080_plain.jpg",
        lambda im: rotate_with_fill(im, -12, (96, 120, 140)),
        False,
        fills=4,
        refused_why="shoulders",
    ),
    # a plain-backdrop portrait in front of a busy wall instead
    "synth_c001080_busy": Synthetic(
        "cong_C001080_plain.jpg", lambda im: on_backdrop(im, busy(im)), False, ("background_uniformity",)
    ),
    # a photo whose left edge cuts through the hair beside the face
    "synth_c001080_side_cut": Synthetic(
        "cong_C001080_plain.jpg", lambda im: np.ascontiguousarray(im[:, 140:]), False, ("margins",)
    ),
    # a selfie that stops just under the chin
    "synth_b001288_tight": Synthetic(
        "cong_B001288_whitebg.jpg", lambda im: tight_below_chin(im, 0.25), False, ("shoulders",)
    ),
    # dark skin, dark glasses, a beard: the face is well lit and must not be called dark, but
    # the eyes cannot be seen through opaque lenses (tinted glasses are refused by GA 461 and
    # ICAO 9303): refused for that alone
    "synth_b001288_glasses_beard": Synthetic(
        "cong_B001288_whitebg.jpg", dark_glasses_and_beard, False, ("eyes_visible",), must_pass=EXPOSURE
    ),
    # (its frames would also need the rotation's wedges below the chin, as the original's do)
    "synth_d000096_glasses_beard": Synthetic(
        "cong_D000096_rot9.jpg", dark_glasses_and_beard, False, ("eyes_visible",), fills=4, must_pass=EXPOSURE
    ),
    **PORTRAIT_SYNTHETIC,
}


@functools.cache
def synthetic_bytes(name: str) -> bytes:
    """The JPEG of one synthetic image (cached)."""
    spec = SYNTHETIC[name]
    return _jpeg(spec.make(_load(spec.base)))
