"""Analysis of one decoded photo: faces, the photo's region, the person mask, the face mesh,
head geometry and the quality report.

Speed: detection runs on a small grey copy (≈400 px long side); only when that finds no face,
or only a small one, does a slower pass look for small faces (group photos, banners). For the
one face that matters, dlib's five points frame the face mesh, the mesh gives the eyes, the chin
and the face's width, and the person mask gives the crown and the background. Quality is
measured on one *normalised canvas*: the head upright with the eyes ``CANVAS_IED`` px apart, so
thresholds mean the same thing whatever the input resolution.

Geometry (in the upright, eye-levelled frame, measured from the eye line):
- eye line: the mean of each eye's contour in the mesh;
- chin: the mesh's chin point (152);
- crown: the top of the person mask above the eyes (``mask.find_crown``), so hair and a head
  covering count and a busy backdrop cannot stop the search early;
- face width: the mesh's outline at the eyes' height (234–454); the exit-entry "head width" is
  ``HEAD_WIDTH_FACE`` times that.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from tongban.photos.engine.detect import DEFAULT_DETECTOR, Face, Landmarks, get_detector
from tongban.photos.engine.hands import raised_hand
from tongban.photos.engine.imaging import (
    aligned_warp,
    flat_dict,
    halve,
    lab8_to_lab,
    shrink,
    to_gray,
)
from tongban.photos.engine.mask import PersonMap, find_crown
from tongban.photos.engine.mesh import FACE_OVAL, MIN_SCORE, Mesh, locate_mesh, measure
from tongban.photos.engine.quality import Background, Canvas, Component, background_of, quality_components
from tongban.photos.engine.region import PhotoRegion, find_region

DETECT_LONG_SIDE = 400
SECOND_LOOK = 0.28  # a largest face narrower than this share of the short side: look for more
CANVAS_IED = 50.0
CANVAS_W, CANVAS_H = 300, 330  # ±3 IED wide; 3.4 IED above the eyes, 3.2 below
CANVAS_EYE = (150.0, 170.0)
HEAD_WIDTH_FACE = 2.3 / 2.2  # exit-entry head width per face width (ADR 0004)
OTHER_PERSON = 0.005  # share of the image a second person's blob in the mask covers, at least
SHOULDER_SPAN = 1.2  # IED beside the centre line where the photo must go on below the chin
SHOULDER_REACH = 4.0  # IED below the chin that are looked at
HEAD_HALF_WIDTH = 1.6  # IED: the face's half width (≈ 1.1) with ears and hair
HEAD_SIDE_ROWS = 0.6  # IED below the eye line down to which the space beside the head is measured


@dataclass(slots=True)
class HeadGeometry:
    """The head in the decoded image, in the eye-levelled frame (pixels of the decoded image).

    ``crown`` and ``chin`` are distances above / below the eye line; ``roll`` and ``yaw`` in
    degrees.
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
    mesh: Mesh | None = None
    region: PhotoRegion | None = None
    person: PersonMap | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)  # CPU time of the steps

    @property
    def passed(self) -> bool:
        """Every component passed."""
        return bool(self.components) and all(c.passed for c in self.components)

    def rescaled(self, k: float, width: int, height: int) -> Analysis:
        """The same analysis for the same photo decoded ``k`` times larger (``width``×``height``).

        Everything measured is a position or a length in the photo, or (quality) a value on
        the normalised canvas or in original pixels: scaling the positions is exact, and the
        models need not run again on the larger decode.
        """
        geo = self.geometry
        if geo is not None:
            geo = HeadGeometry(
                eye_mid=(geo.eye_mid[0] * k, geo.eye_mid[1] * k),
                roll=geo.roll,
                ied=geo.ied * k,
                crown=geo.crown * k,
                chin=geo.chin * k,
                face_width=geo.face_width * k,
                head_width=geo.head_width * k,
                crown_method=geo.crown_method,
                head_width_method=geo.head_width_method,
                yaw=geo.yaw,
                crown_clipped=geo.crown_clipped,
            )
        faces = [f.scaled(k) for f in self.faces]
        face = faces[self.faces.index(self.face)] if self.face is not None and self.face in self.faces else None
        return Analysis(
            width=width,
            height=height,
            faces=faces,
            face=face,
            geometry=geo,
            background=self.background,
            components=self.components,
            detector=self.detector,
            detect_passes=self.detect_passes,
            mesh=self.mesh.scaled(k) if self.mesh is not None else None,
            region=self.region.rescaled(width, height) if self.region is not None else None,
            person=self.person.resized(width, height) if self.person is not None else None,
        )

    @property
    def failures(self) -> list[Component]:
        """The components that failed, in report order."""
        return [c for c in self.components if not c.passed]

    def to_dict(self, scale: float = 1.0) -> dict[str, Any]:
        """The report as JSON-able data; coordinates divided by ``scale`` (to original pixels)."""

        def pt(p: tuple[float, float]) -> list[float]:
            return [round(p[0] / scale, 1), round(p[1] / scale, 1)]

        def box(f: Face) -> dict[str, Any]:
            d: dict[str, Any] = {"box": [round(v / scale, 1) for v in f.box], "score": round(f.score, 3)}
            if f.landmarks:
                lm = f.landmarks
                d["landmarks"] = {"right_eye": pt(lm.right_eye), "left_eye": pt(lm.left_eye), "nose": pt(lm.nose)}
                if f is self.face and self.mesh is not None:
                    d["landmarks"]["chin"] = pt(self.mesh.point(152))
            return d

        geo = None
        if self.geometry:
            g = flat_dict(self.geometry)
            for k in ("ied", "crown", "chin", "face_width", "head_width"):
                g[k] = round(g[k] / scale, 1)
            g["eye_mid"] = [round(v / scale, 1) for v in g["eye_mid"]]
            g["roll"] = round(g["roll"], 2)
            g["yaw"] = round(g["yaw"], 2)
            geo = g
        return {
            "passed": self.passed,
            "width": round(self.width / scale),
            "height": round(self.height / scale),
            "face_count": len(self.faces),
            "faces": [box(f) for f in self.faces],
            "geometry": geo,
            "background": flat_dict(self.background) if self.background else None,
            "fills": self.region.to_dict(scale) if self.region is not None else [],
            "components": [flat_dict(c) for c in self.components],
            "detector": self.detector,
        }


# ------------------------------------------------------------------ detection


def find_faces(
    rgb: np.ndarray,
    *,
    detector_name: str = DEFAULT_DETECTOR,
    long_side: int = DETECT_LONG_SIDE,
    gray: np.ndarray | None = None,
    company: Callable[[Face], bool] | None = None,
) -> tuple[list[Face], int]:
    """Faces in ``rgb`` coordinates, largest first, and how many passes it took.

    Pass 1 looks at a small grey copy. Pass 2 (slower, only for photos that are failing
    anyway) looks for small faces when pass 1 found none or only a small one. ``gray`` is
    ``rgb``'s grey version if the caller has it. ``company(face)`` says whether anyone else
    may be in the photo beside a face that is not large in the frame (then a second look for
    small faces runs); without it the second look always runs.
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
    elif biggest < SECOND_LOOK * min(h, w) and (company is None or company(faces[0])):
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


def _upright(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Image points mapped into a frame whose pixel (x, y) shows the image point ``m·(x, y, 1)``."""
    inv = cv2.invertAffineTransform(m)
    return pts @ inv[:, :2].T + inv[:, 2]


def _reach_below(region: PhotoRegion, eye_mid: tuple[float, float], roll: float, ied: float, chin: float) -> float:
    """IED of photo below the chin, at the centre line and ``SHOULDER_SPAN`` to each side.

    Straight down the image, not along the tilted head: a tilted head sits on shoulders that
    are not (the tilt has its own hint); whether a levelled frame fits is the planner's call.
    """
    t = math.radians(roll)
    down = np.array([0.0, 1.0])
    side = np.array([1.0, 0.0])
    steps = np.arange(0.0, SHOULDER_REACH + 1e-9, 0.05)
    least = SHOULDER_REACH
    for u in (-SHOULDER_SPAN, 0.0, SHOULDER_SPAN):
        # the chin's point, measured along the head's own axis, then straight down from there
        chin_pt = np.array(eye_mid) + np.array([-math.sin(t), math.cos(t)]) * chin
        pts = chin_pt + side * u * ied + np.outer(steps * ied, down)
        inside = region.contains(pts)
        out = np.flatnonzero(~inside)
        least = min(least, float(steps[out[0]]) if out.size else SHOULDER_REACH)
    return least


def _side_gap(alpha: np.ndarray, valid: np.ndarray, top: int, bottom: int) -> float:
    """Least gap (canvas px) between the head's silhouette and the photo's sides, rows
    ``top``…``bottom``. Only the mask within ``HEAD_HALF_WIDTH`` of the centre line counts as
    head: a raised hand or a shoulder beside it is not the head (and a hint saying so would
    not be true)."""
    h, w = alpha.shape
    top, bottom = max(top, 0), min(bottom, h)
    cx = CANVAS_EYE[0]
    near = (np.abs(np.arange(w) - cx) <= HEAD_HALF_WIDTH * CANVAS_IED)[None, :]
    head = (alpha[top:bottom] >= 0.5) & near
    inside = valid[top:bottom].astype(bool)
    rows = np.flatnonzero(head.any(axis=1))
    if not rows.size:
        return float(alpha.shape[1])
    w = alpha.shape[1]
    idx = np.arange(w)
    hl = np.where(head[rows], idx, w).min(axis=1)
    hr = np.where(head[rows], idx, -1).max(axis=1)
    vl = np.where(inside[rows], idx, w).min(axis=1)
    vr = np.where(inside[rows], idx, -1).max(axis=1)
    return float(min((hl - vl).min(), (vr - hr).min()))


def measure_head(
    rgb: np.ndarray, mesh: Mesh, region: PhotoRegion, pmap: PersonMap
) -> tuple[HeadGeometry, Background, Canvas, float, float]:
    """Head geometry, background, the normalised canvas, the photo below the chin (IED) and
    the least gap beside the head (IED)."""
    up = measure(mesh)
    ied = up.ied
    k = CANVAS_IED / ied
    m = aligned_warp(up.eye_mid, up.roll, k, CANVAS_EYE)
    size = (CANVAS_W, CANVAS_H)
    can_rgb = cv2.warpAffine(rgb, m, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)
    valid = region.raster(size, m)
    alpha = pmap.warp(m, size) * valid
    lab8 = cv2.cvtColor(can_rgb, cv2.COLOR_RGB2LAB)
    lab = lab8_to_lab(lab8)
    bg = background_of(lab8, lab, can_rgb, alpha, valid)
    crown, clipped = find_crown(rgb, pmap, region, up.eye_mid, up.roll, ied, bg.rgb)
    method = "mask"
    if crown is None:
        crown, method = 3.6 * ied, "none"
    can_mesh = Mesh(points=np.hstack([_upright(m, mesh.points[:, :2]), mesh.points[:, 2:] * k]), score=mesh.score)
    can = Canvas(rgb=can_rgb, alpha=alpha, valid=valid, mesh=can_mesh, eye=CANVAS_EYE, ied=CANVAS_IED, lab=lab)
    geo = HeadGeometry(
        eye_mid=up.eye_mid,
        roll=up.roll,
        ied=ied,
        crown=crown,
        chin=up.chin,
        face_width=up.face_width,
        head_width=HEAD_WIDTH_FACE * up.face_width,
        crown_method=method,
        head_width_method="mesh",
        yaw=up.yaw,
        crown_clipped=clipped,
    )
    below = _reach_below(region, up.eye_mid, up.roll, ied, up.chin)
    ey = CANVAS_EYE[1]
    # crown down to the nose: below it, sloping shoulders reach the sides of a tight portrait
    gap = _side_gap(alpha, valid, int(ey - crown * k), int(ey + HEAD_SIDE_ROWS * CANVAS_IED)) / CANVAS_IED
    return geo, bg, can, below, gap


# ------------------------------------------------------------------ analysis


def mesh_box(mesh: Mesh) -> tuple[float, float, float, float]:
    """The face's box from its mesh outline (brow to chin, ear to ear): it holds every landmark."""
    oval = mesh.points[list(FACE_OVAL), :2]
    return float(oval[:, 0].min()), float(oval[:, 1].min()), float(oval[:, 0].max()), float(oval[:, 1].max())


def others_in_mask(pmap: PersonMap, face: Face, width: int, height: int) -> bool:
    """Whether the person mask shows anyone besides the person whose face this is: a blob of
    at least ``OTHER_PERSON`` of the image apart from the one under the face."""
    # a map seen through a frame (a derived file's): moved into that file, at half its size
    prob = pmap.map if pmap.frame is None else pmap.warp(None, (max(width // 2, 1), max(height // 2, 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats((prob >= 0.5).astype(np.uint8), connectivity=8)
    cx = (face.box[0] + face.box[2]) / 2 * prob.shape[1] / width
    cy = (face.box[1] + face.box[3]) / 2 * prob.shape[0] / height
    own = labels[min(max(int(cy), 0), labels.shape[0] - 1), min(max(int(cx), 0), labels.shape[1] - 1)]
    limit = OTHER_PERSON * prob.size
    return any(i != own and stats[i, cv2.CC_STAT_AREA] >= limit for i in range(1, n))


def analyse(rgb: np.ndarray, *, source_scale: float = 1.0, detector_name: str = DEFAULT_DETECTOR) -> Analysis:
    """Detect, measure and judge one upright sRGB image.

    ``source_scale`` is decoded pixels per original pixel (so resolution is judged on the
    original). Never raises for image content: a photo without a face gets a report that
    says so.
    """
    h, w = rgb.shape[:2]
    timings: dict[str, float] = {}
    t0 = time.process_time()
    gray = to_gray(rgb)
    person: list[PersonMap] = []
    halves: list[np.ndarray] = []

    def half_once() -> np.ndarray:
        # the photo at half size, which the segmentation and the palm detector both start from
        if not halves:
            halves.append(halve(rgb))
        return halves[0]

    def pmap_once() -> PersonMap:
        if not person:
            ts = time.process_time()
            person.append(PersonMap(rgb, half=half_once()))
            timings["mask"] = timings.get("mask", 0.0) + (time.process_time() - ts) * 1000
        return person[0]

    def company(face: Face) -> bool:
        return others_in_mask(pmap_once(), face, w, h)

    faces, passes = find_faces(rgb, detector_name=detector_name, gray=gray, company=company)
    t1 = time.process_time()
    timings["detect"] = (t1 - t0) * 1000 - timings.get("mask", 0.0)
    face = faces[0] if len(faces) >= 1 else None
    an = Analysis(width=w, height=h, faces=faces, face=face, geometry=None, background=None)
    an.detector, an.detect_passes, an.timings_ms = detector_name, passes, timings
    mesh = None
    if len(faces) == 1 and face is not None:
        lm5 = refine_landmarks(rgb, face, gray=gray) if detector_name != "mtcnn" else face.landmarks
        if lm5 is not None:
            mesh = locate_mesh(rgb, lm5)
            if mesh.score < MIN_SCORE:
                mesh = None
    t2 = time.process_time()
    timings["landmarks"] = (t2 - t1) * 1000
    if mesh is None or face is None:
        an.components = quality_components(
            None,
            faces=0 if mesh is None and len(faces) == 1 else len(faces),
            ied_original=None,
            roll=None,
            yaw=None,
            crown_height=None,
            crown_clipped=False,
            shoulders=None,
            margins=None,
            background_texture=None,
            rgb=rgb,
        )
        return an
    region = find_region(rgb)
    t3 = time.process_time()
    timings["region"] = (t3 - t2) * 1000
    pmap = pmap_once()
    t3 = time.process_time()
    geo, bg, can, below, gap = measure_head(rgb, mesh, region, pmap)
    timings["geometry"] = (time.process_time() - t3) * 1000
    t4 = time.process_time()
    hand = raised_hand(rgb, geo.eye_mid, geo.roll, geo.ied, geo.chin, half=half_once())
    timings["hands"] = (time.process_time() - t4) * 1000
    # the face's box is the mesh's outline (brow to chin, ear to ear): it holds every landmark
    an.face = Face(box=mesh_box(mesh), score=face.score, landmarks=mesh.landmarks())
    an.faces = [an.face]
    an.mesh, an.region, an.person = mesh, region, pmap
    an.geometry, an.background = geo, bg
    an.components = quality_components(
        can,
        faces=1,
        ied_original=geo.ied / source_scale,
        roll=geo.roll,
        yaw=geo.yaw,
        crown_height=None if geo.crown_method == "none" else geo.crown / geo.ied,
        crown_clipped=geo.crown_clipped,
        shoulders=below,
        margins=gap,
        background_texture=bg.texture,
        rgb=rgb,
        raised_hand=hand,
    )
    timings["total"] = (time.process_time() - t0) * 1000
    an.timings_ms = {k: round(v, 2) for k, v in timings.items()}
    return an
