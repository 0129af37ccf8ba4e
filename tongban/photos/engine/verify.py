"""Independent verification of a derived photo against its standard.

Nothing from the derivation is trusted: the file is parsed and decoded again, the face is
detected, its mesh located and the person mask refined again on the output pixels, and every
number of the standard is checked on what was measured (size, dpi, KB window, metadata, one
face, level eyes, face width or head height and width, crown margin, eye line, centring) with
the same models the planner used, so the two agree. (A file verified alone is segmented again;
the pipeline's files get the source photo's segmentation moved to where the mesh model finds
the face in the file, see ``verify_many``.) The background is checked everywhere: every
pixel outside the person mask must be the standard's colour (no leftover backdrop, no seam, no
patch), no flat slab of another colour may cut into the photo, and no rows or columns may be
replicated into streaks.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import simplejpeg

from tongban.photos.engine.analyse import HEAD_WIDTH_FACE, mesh_box, others_in_mask
from tongban.photos.engine.derive import nearest_colour
from tongban.photos.engine.detect import DlibLandmarker, Face, get_detector
from tongban.photos.engine.imaging import (
    flat_dict,
    lab_of,
    median_masked_planes,
    quarter_planes,
    rgb_to_lab1,
    shrink,
    to_gray,
)
from tongban.photos.engine.mask import (
    BACKDROP_RADIUS_IED,
    PersonMap,
    compose,
    find_crown,
    lab8_distance_sq,
    local_backdrop,
    refine,
)
from tongban.photos.engine.mesh import MIN_SCORE, Mesh, Upright, locate_mesh, measure, reframe_mesh
from tongban.photos.engine.region import find_region
from tongban.photos.engine.standards import PhotoStandard

MAX_ROLL = 3.0  # degrees left after levelling
# Detection on the output runs on a grey copy where the standard's nominal face box is
# VERIFY_BOX_PX wide: just above HOG's 80 px window, so the pyramid has two levels (faces of
# ~70–115 px in that copy are found) and costs ~1 ms. The box is ~1.09 face widths.
VERIFY_BOX_PX = 92
BOX_PER_FACE_WIDTH = 1.09
BG_ALPHA = 0.1  # person probability under which a pixel is background
BG_EDGE = 3  # px kept away from the person's edge (its blend with the background)
PATCH_SHARE = 0.001  # the largest off-colour patch of background allowed, share of the image
STREAK_BLOCK = 8  # px of the half-size grey copy (16 px of the file)
STREAK_RUN = 3  # consecutive blocks along a streak
# mean absolute grey difference under which two detector inputs are the same picture: on the
# test portraits two JPEG qualities of one rendering differ by 0.3–0.8 levels there, the same
# file shifted by one output pixel by 1.9–3.5 (a larger difference just runs the detector)
SAME_PICTURE_GREY = 1.0
STREAK_CONTRAST = 3.0  # grey step between neighbouring columns that counts as contrast ...
STREAK_COLUMNS = 0.25  # ... in at least this share of a block's pixels
STREAK_FLAT = 0.4  # mean grey step along the streak's direction, at most
STREAK_SHIFTS = (-0.25, -0.125, 0.0, 0.125, 0.25)  # px per row: directions within ±14° of vertical
FACE_TO_HEAD = 0.58  # face width / head height, to size detection for head-height standards


@dataclass(slots=True)
class Check:
    """One verified property: what was measured and the allowed range."""

    key: str
    value: float | str | None
    expected: str
    passed: bool


@dataclass(slots=True)
class Verification:
    """All checks of one derived file."""

    standard: str
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every check passed."""
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        """The failed checks."""
        return [c for c in self.checks if not c.passed]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return {"standard": self.standard, "passed": self.passed, "checks": [flat_dict(c) for c in self.checks]}


def jpeg_facts(data: bytes) -> tuple[int | None, int | None, bool]:
    """(dpi x, dpi y, has APP1/EXIF or XMP) from the JPEG's marker segments."""
    dpi_x = dpi_y = None
    has_app1 = False
    i, n = 2, len(data)
    while i + 4 <= n and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xDA:
            break
        seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
        seg = data[i + 4 : i + 2 + seg_len]
        if marker == 0xE0 and seg[:5] == b"JFIF\x00" and len(seg) >= 12:
            units = seg[7]
            xd, yd = struct.unpack(">HH", seg[8:12])
            if units == 1:
                dpi_x, dpi_y = xd, yd
            elif units == 2:
                dpi_x, dpi_y = round(xd * 2.54), round(yd * 2.54)
        if marker == 0xE1:
            has_app1 = True
        i += 2 + seg_len
    return dpi_x, dpi_y, has_app1


def _in(value: float, rng: tuple[float, float]) -> bool:
    return rng[0] <= value <= rng[1]


Searched = list[tuple[np.ndarray, list[Face] | None, dict[str, Any]]]


def find_face_in_output(
    gray: np.ndarray, std: PhotoStandard, searched: Searched | None = None
) -> tuple[list[Face], dict[str, Any]]:
    """Faces in the central band of a derived photo, in its pixel coordinates.

    Where to look and at which scale come from the standard alone (its nominal face size and
    the rule that the face is centred), never from how the photo was derived. A face outside
    the band is not found, and so fails the check, as it should.

    ``searched`` holds earlier searches of this verifier (the detector's input, its answer,
    and the models' answers for that picture). When this file's detector input is the same
    picture as one of them — same size, on average within ``SAME_PICTURE_GREY`` grey levels, as
    another JPEG quality of one rendering is — those answers are reused (returned with the
    faces); every measurement is still taken on this file's own pixels.
    """
    (kx, ky, x0), shared, found = _same_picture(gray, std, searched, get_detector())
    faces = [
        Face(box=(f.box[0] / kx + x0, f.box[1] / ky, f.box[2] / kx + x0, f.box[3] / ky), score=f.score)
        for f in found or ()
    ]
    return faces, shared


def _same_picture(
    gray: np.ndarray, std: PhotoStandard, searched: Searched | None, detector: Any
) -> tuple[tuple[float, float, int], dict[str, Any], list[Face] | None]:
    """The detector's input for ``gray`` (the central band at the standard's nominal face
    size), and the models' answers of an earlier file that is the same picture (or a new empty
    record of them). With ``detector``, a new picture is searched for faces."""
    h, w = gray.shape[:2]
    g = std.geometry
    nominal = sum(g.face_width_px) / 2 if g.face_width_px else sum(g.head_height_px or (h, h)) / 2 * FACE_TO_HEAD
    k = min(1.0, VERIFY_BOX_PX / (BOX_PER_FACE_WIDTH * nominal))
    x0, x1 = int(w * 0.12), int(w * 0.88)
    y1 = int(h * 0.85)
    band = gray[:y1, x0:x1]
    if k < 1.0:
        band = shrink(band, (round((x1 - x0) * k), round(y1 * k)))
    kx, ky = band.shape[1] / (x1 - x0), band.shape[0] / y1
    band = np.ascontiguousarray(band)
    for prev, answer, models in searched or ():
        if prev.shape == band.shape and cv2.mean(cv2.absdiff(prev, band))[0] <= SAME_PICTURE_GREY:
            if answer is None and detector is not None:  # seen seeded, not yet searched
                break
            return (kx, ky, x0), models, answer
    shared: dict[str, Any] = {}
    found: list[Face] | None = None
    if detector is not None:
        found = detector.detect(band)
        if not found:
            # a face the standard's nominal size misses (dark glasses weaken HOG's gradients
            # at this small scale): one look at twice the size before saying there is none
            found = detector.detect(band, upsample=1)
    if searched is not None:
        searched.append((band, found, shared))
    return (kx, ky, x0), shared, found


@dataclass(slots=True)
class Seed:
    """What the pipeline says about a file it made: where it put the face mesh's points (the
    analysis' mesh mapped by the crop transform) and, with the source photo's person map, the
    crop transform itself (file px → source px). Where to look, never what is there."""

    points: np.ndarray
    person: PersonMap | None = None
    frame: np.ndarray | None = None


@dataclass(slots=True)
class _File:
    """One file under verification and what has been measured on it so far."""

    data: bytes
    std: PhotoStandard
    v: Verification
    rgb: np.ndarray | None = None
    gray: np.ndarray | None = None
    face: Face | None = None
    seed: Seed | None = None
    shared: dict[str, Any] = field(default_factory=dict)


def verify(data: bytes, std: PhotoStandard, *, searched: Searched | None = None) -> Verification:
    """Check one encoded derivative against ``std``; never raises for bad content.

    ``searched``: share one list between the verifications of one photo's derivatives (see
    ``find_face_in_output``).
    """
    return verify_many([(data, std)], searched=searched)[0]


def verify_many(
    items: list[tuple[bytes, PhotoStandard]],
    *,
    searched: Searched | None = None,
    seeds: list[Seed | None] | None = None,
) -> list[Verification]:
    """``verify`` for several files (one photo's derivatives), each checked on its own bytes.

    The work runs in phases over the files (parse and decode all, then search faces, then
    locate landmarks, then measure) rather than file by file: each file gets exactly the
    checks it would get alone, but the landmark model's ~9 MB of trees stay in the cache
    from one file to the next instead of being evicted by the decoding and the face search.
    The models' answers (mesh, person mask, and so the head's geometry) are computed once for
    files that are the same picture (``find_face_in_output``); the background, slab and streak
    checks run on each file's own pixels.

    ``seeds`` (the pipeline's): for each file, where its maker put the face mesh's points (the
    analysis' mesh mapped by the crop transform), or ``None``. A seeded file skips the face
    detector: the mesh model looks at the file's pixels in the crop the seed frames, and looks
    again where the face it finds says the face is when that differs (``reframe_mesh``); the
    file passes "faces" only if the mesh model finds a face there (its own presence score) and
    the file's person mask shows nobody else. Every measurement is still taken on the file's
    pixels, so a file whose face is not where it was planned fails as it does unseeded.

    A seed that carries the source photo's person map spares the segmentation model a run per
    picture: the map is moved into the file by the crop transform corrected by where the mesh
    model found the face in the file (a least-squares fit of the planned mesh points to the
    measured ones), then refined against the file's own pixels as before. The mask so follows
    the face the file shows, not the plan: a head moved, scaled or turned in the file moves its
    mask with it (and its crown); the background is still every pixel outside it, measured on
    the file.
    """
    if searched is None:
        searched = []
    files = [_File(data, std, Verification(standard=std.code)) for data, std in items]
    for i, f in enumerate(files):
        _parse(f)
        f.seed = seeds[i] if seeds is not None else None
    for f in files:
        if f.gray is None:
            continue
        if f.seed is not None:
            f.shared = _same_picture(f.gray, f.std, searched, None)[1]
            continue
        faces, f.shared = find_face_in_output(f.gray, f.std, searched)
        f.v.checks.append(Check("faces", len(faces), "1", len(faces) == 1))
        if len(faces) == 1:
            f.face = faces[0]
    landmarker: DlibLandmarker | None = None
    for f in files:
        if f.rgb is None or f.gray is None or "mesh" in f.shared:
            continue
        if f.seed is not None:
            f.shared["mesh"] = reframe_mesh(f.rgb, f.seed.points)
        elif f.face is not None:
            # the face mesh located again on the file's own pixels, framed by dlib's points
            landmarker = landmarker or DlibLandmarker()
            f.shared["mesh"] = locate_mesh(f.rgb, landmarker.locate(f.gray, f.face.box))
    for f in files:
        if f.seed is not None and f.rgb is not None:
            mesh: Mesh = f.shared["mesh"]
            if mesh.score >= MIN_SCORE and "geometry" not in f.shared:
                f.shared["geometry"] = _geometry(f.rgb, f.std, mesh, f.shared, f.seed)
            n = 0 if mesh.score < MIN_SCORE else 1 + int(f.shared["others"])
            f.v.checks.append(Check("faces", n, "1", n == 1))
            if n != 1:
                f.shared.pop("lab8", None)  # the next file of this picture converts its own
                continue
        elif f.face is None or f.rgb is None:
            continue
        if "geometry" not in f.shared:
            f.shared["geometry"] = _geometry(f.rgb, f.std, f.shared["mesh"], f.shared)
        assert f.gray is not None
        _measure(f.v.checks.append, f.rgb, f.gray, f.std, f.shared)
    return [f.v for f in files]


def _parse(f: _File) -> None:
    """The checks on the bytes (size in bytes, dpi, metadata), then decode and the pixel size."""
    data, std = f.data, f.std
    add = f.v.checks.append
    lo_b, hi_b = std.bytes_window
    add(Check("bytes", len(data), f"{lo_b}–{hi_b}", lo_b <= len(data) <= hi_b))
    dpi_x, dpi_y, has_app1 = jpeg_facts(data)
    add(Check("dpi", f"{dpi_x}x{dpi_y}", f"{std.dpi}", dpi_x == std.dpi and dpi_y == std.dpi))
    add(Check("metadata", "exif" if has_app1 else "none", "none", not has_app1))
    try:
        rgb = simplejpeg.decode_jpeg(data, colorspace="RGB", strict=True)
    except ValueError as exc:
        add(Check("decode", str(exc), "a valid JPEG", False))
        return
    h, w = rgb.shape[:2]
    add(Check("size", f"{w}x{h}", f"{std.width_px}x{std.height_px}", (w, h) == (std.width_px, std.height_px)))
    f.rgb, f.gray = rgb, to_gray(rgb)


@dataclass(slots=True)
class _Geometry:
    """What the models say about one picture: eye line, roll, chin, face width, crown."""

    up: Upright
    crown: float | None


def _geometry(
    rgb: np.ndarray, std: PhotoStandard, mesh: Mesh, shared: dict[str, Any], seed: Seed | None = None
) -> _Geometry:
    """The head measured on the file with the planner's models, and its person mask made exact
    (kept in ``shared`` for the files that are the same picture)."""
    h, w = rgb.shape[:2]
    up = measure(mesh)
    if seed is not None and seed.person is not None and seed.frame is not None:
        # the source's map moved to where the file shows the face (see ``verify_many``)
        pmap = seed.person.framed(compose(seed.frame, similarity(mesh.points[:, :2], seed.points[:, :2])), w, h)
    else:
        pmap = PersonMap(rgb)
    shared["others"] = others_in_mask(pmap, Face(box=mesh_box(mesh), score=mesh.score), w, h)
    alpha = pmap.warp(None, (w, h))
    bg = (alpha < BG_ALPHA).view(np.uint8)
    if cv2.countNonZero(bg) >= 100:
        r_, g_, b_ = median_masked_planes(quarter_planes(rgb), np.ascontiguousarray(bg[::2, ::2]))
        backdrop = (int(r_), int(g_), int(b_))
    else:
        backdrop = std.backgrounds[0]
    crown, _ = find_crown(rgb, pmap, None, up.eye_mid, up.roll, up.ied, backdrop)
    back = local_backdrop(rgb, alpha, None, backdrop, max(2, round(BACKDROP_RADIUS_IED * up.ied)))
    shared["lab8"] = lab8 = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)  # this file's (the first of the picture)
    shared["alpha"] = refine(alpha, rgb, back, up.ied, lab8=lab8)
    return _Geometry(up=up, crown=crown)


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2×3 similarity (rotation, uniform scale, shift) that maps the points ``src`` onto
    ``dst`` with the least squared error."""
    s = src[:, 0] + 1j * src[:, 1]
    d = dst[:, 0] + 1j * dst[:, 1]
    s0, d0 = s - s.mean(), d - d.mean()
    a = complex(np.vdot(s0, d0) / max(float(np.vdot(s0, s0).real), 1e-9))
    b = complex(d.mean() - a * s.mean())
    return np.array([[a.real, -a.imag, b.real], [a.imag, a.real, b.imag]])


def _measure(
    add: Callable[[Check], None], rgb: np.ndarray, gray: np.ndarray, std: PhotoStandard, shared: dict[str, Any]
) -> None:
    """Head geometry checked against ``std``; background, slabs and streaks measured on the file
    (``gray``: its grey copy)."""
    h, w = rgb.shape[:2]
    g = std.geometry
    geo: _Geometry = shared["geometry"]
    up = geo.up
    add(Check("roll", round(up.roll, 2), f"±{MAX_ROLL:g}°", abs(up.roll) <= MAX_ROLL))
    eye_y = up.eye_mid[1]
    crown = geo.crown
    if crown is None:
        add(Check("crown_margin", None, "crown found by the person mask", False))
        crown = 0.0
    else:
        margin = eye_y - crown
        add(Check("crown_margin", round(margin, 1), f"{g.crown_margin_px}", _in(margin, g.crown_margin_px)))
    if g.mode == "face_width":
        assert g.face_width_px is not None and g.eye_line_min_from_bottom_px is not None
        add(Check("face_width", round(up.face_width, 1), f"{g.face_width_px}", _in(up.face_width, g.face_width_px)))
        eb = h - eye_y
        need = g.eye_line_min_from_bottom_px
        add(Check("eye_from_bottom", round(eb, 1), f">= {need:g}", eb >= need))
    else:
        assert g.head_height_px is not None and g.head_width_px is not None
        hh, hw = crown + up.chin, HEAD_WIDTH_FACE * up.face_width
        add(Check("head_height", round(hh, 1), f"{g.head_height_px}", _in(hh, g.head_height_px)))
        add(Check("head_width", round(hw, 1), f"{g.head_width_px}", _in(hw, g.head_width_px)))
    cx = up.eye_mid[0]
    add(Check("centred", round(cx - w / 2, 1), f"±{0.05 * w:.0f}", abs(cx - w / 2) <= 0.05 * w))
    _background_checks(add, rgb, std, shared)
    # flat slabs and replicated streaks are shapes in the picture: another JPEG quality of the
    # same rendering cannot add or remove one, so files that are the same picture share them
    if "structure" not in shared:
        shared["structure"] = (_slab_check(rgb, std), _streak_check(gray))
    for check in shared["structure"]:
        add(check)


def _background_checks(
    add: Callable[[Check], None], rgb: np.ndarray, std: PhotoStandard, shared: dict[str, Any]
) -> None:
    """Every pixel outside the person mask (``BG_EDGE`` px away from it) against the colour."""
    h, w = rgb.shape[:2]
    if "background" not in shared:  # where the background is: the picture's, shared
        alpha = shared["alpha"]
        shared["background"] = cv2.erode(
            (alpha < BG_ALPHA).view(np.uint8), np.ones((2 * BG_EDGE + 1, 2 * BG_EDGE + 1), np.uint8)
        )
    bg = shared["background"]
    n = cv2.countNonZero(bg)
    if n < 0.02 * w * h:
        add(Check("background_colour", None, "a visible background", False))
        return
    lab8 = shared.pop("lab8", None)  # the file _geometry measured, or a later one of the same picture
    if lab8 is None:
        lab8 = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    # its colour: the median of every other row and column (a quarter of the pixels is plenty
    # for the median of a backdrop; the cleanliness below looks at every pixel)
    ml, ma, mb = median_masked_planes(quarter_planes(lab8), np.ascontiguousarray(bg[::2, ::2]))
    med = (ml * 100.0 / 255.0, ma - 128.0, mb - 128.0)
    colour, dist = nearest_colour(med, std.backgrounds)
    tol = std.background_tolerance
    add(Check("background_colour", round(dist, 1), f"<= {tol:g} ΔE", dist <= tol))
    # every background pixel near that colour: an off-colour patch is leftover backdrop, a
    # seam, a slab or a shadow the composite missed
    ref = rgb_to_lab1(colour)
    d2 = lab8_distance_sq(lab8, (float(ref[0]), float(ref[1]), float(ref[2])))
    far = cv2.bitwise_and((d2 > tol * tol).view(np.uint8), bg)
    largest = cv2.countNonZero(far)
    if largest > PATCH_SHARE * w * h:
        # more off-colour pixels than a patch may have: is one patch that large? (fewer, and
        # none can be; the value is then all of them, an upper bound of the largest)
        _, _, stats, _ = cv2.connectedComponentsWithStats(far, connectivity=8)
        largest = int(stats[1:, cv2.CC_STAT_AREA].max())
    share = largest / (w * h)
    add(Check("background_clean", round(share, 5), f"<= {PATCH_SHARE:g} of the photo", share <= PATCH_SHARE))


def _slab_check(rgb: np.ndarray, std: PhotoStandard) -> Check:
    """No flat area of one colour bounded by a straight line (fill) other than the background."""
    worst = 0.0
    for fill in find_region(rgb, tolerances=(2,), skip=std.backgrounds).fills:
        lab = lab_of(np.array([[fill.colour]], np.uint8))[0, 0]
        _, dist = nearest_colour((float(lab[0]), float(lab[1]), float(lab[2])), std.backgrounds)
        if dist > std.background_tolerance:
            worst = max(worst, fill.share)
    return Check("slab", round(worst, 4), "no flat fill of another colour", worst == 0.0)


def _streak_blocks(g: np.ndarray) -> np.ndarray:
    """Blocks (``STREAK_BLOCK`` px of ``g``) holding a vertical streak: contrast across the
    columns, and next to none from one row to the next along some direction within ±14° of
    vertical (an edge replicated past a photo, levelled or not: real fabric, even pinstripes,
    keeps its weave from row to row)."""
    h, w = g.shape
    bh, bw = (h - 1) // STREAK_BLOCK, (w - 1) // STREAK_BLOCK
    size = (bw, bh)
    crop_h, crop_w = bh * STREAK_BLOCK, bw * STREAK_BLOCK
    # contrast across many columns (a replicated row's texture), not one straight edge
    dx = (np.abs(g[:crop_h, 1 : crop_w + 1] - g[:crop_h, :crop_w]) > STREAK_CONTRAST).astype(np.float32)
    mdx = shrink(dx, size)
    best = np.full((bh, bw), np.inf, np.float32)
    # each row moved sideways by ``shift`` px (linear interpolation, 0 left of the first column:
    # what ``cv2.warpAffine`` gives, at a fraction of its cost) against the next row
    row = np.ascontiguousarray(g[:crop_h, :crop_w])
    nxt = np.ascontiguousarray(g[1 : crop_h + 1, :crop_w])
    left = np.zeros_like(row)  # each pixel's left neighbour
    left[:, 1:] = row[:, :-1]
    right = np.ascontiguousarray(g[:crop_h, 1 : crop_w + 1])  # and its right one
    for shift in STREAK_SHIFTS:
        a = abs(shift)
        moved = row if a == 0 else cv2.addWeighted(row, 1.0 - a, left if shift > 0 else right, a, 0.0)
        best = np.minimum(best, shrink(cv2.absdiff(nxt, moved), size))
    return (mdx > STREAK_COLUMNS) & (best < STREAK_FLAT)


def _streak_check(gray: np.ndarray) -> Check:
    """No rows or columns repeated into streaks, ``STREAK_RUN`` blocks long or more."""
    # at half size: a streak long enough to see is still three blocks long, at a quarter of the cost
    h, w = gray.shape
    g = shrink(gray, (w // 2, h // 2)).astype(np.float32)
    runs = 0
    for img in (g, np.ascontiguousarray(g.T)):
        f = _streak_blocks(img)
        if f.shape[0] >= STREAK_RUN:
            runs += int(np.count_nonzero(f[:-2] & f[1:-1] & f[2:]))
    return Check("streaks", runs, "none", runs == 0)
