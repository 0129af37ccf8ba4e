"""Face landmarks from the face mesh: eyes, chin, face outline, and the regions built on them.

The planner (``analyse``) and the verifier (``verify``) both locate the face with
``locate_mesh``: a first crop from dlib's five points, then a second crop framed by the first
pass's own points (as MediaPipe's tracking does). The second crop depends on the face only, not
on where the first look started, so the same head measured in the original and in a derived
file gives the same chin and eye line (the planner's margins need no room for a model change).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tongban.photos.engine.detect import Landmarks
from tongban.photos.engine.models import MeshCrop, face_mesh

# MediaPipe face-mesh indices. "Right" is the subject's right (image left).
RIGHT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
LEFT_EYE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
RIGHT_BROW = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
LEFT_BROW = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
LIPS = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip
CHIN = 152
FOREHEAD = 10
NOSE_TIP = 1
NOSE_BASE = 2
FACE_RIGHT = 234  # face outline at the eyes' height, image left
FACE_LEFT = 454
EYE_OUTER = (33, 263)
FIRST_SIDE_IED = 4.0  # first crop: 4 inter-eye distances square, centred below the eyes
SECOND_SCALE = 1.5  # second crop: 1.5 × the first pass's points' extent (MediaPipe's rect)
MIN_SCORE = 0.5  # the mesh's own face-presence score
# a seeded crop is looked through again when the face found in it asks for a crop whose centre
# is this share of the side away, or whose side or angle differ by more than this
REFRAME_SHIFT = 0.04
REFRAME_SIDE = 0.06
REFRAME_ANGLE = 2.0


@dataclass(frozen=True, slots=True)
class Mesh:
    """468 points of one face (x, y in image pixels, z depth at the same scale), with the
    face-presence score."""

    points: np.ndarray
    score: float

    def centre(self, idx: tuple[int, ...]) -> tuple[float, float]:
        """Mean of some points."""
        p = self.points[list(idx), :2].mean(axis=0)
        return float(p[0]), float(p[1])

    def point(self, i: int) -> tuple[float, float]:
        """One point."""
        return float(self.points[i, 0]), float(self.points[i, 1])

    @property
    def right_eye(self) -> tuple[float, float]:
        """Centre of the subject's right eye (mean of its contour)."""
        return self.centre(RIGHT_EYE)

    @property
    def left_eye(self) -> tuple[float, float]:
        """Centre of the subject's left eye."""
        return self.centre(LEFT_EYE)

    def landmarks(self) -> Landmarks:
        """The five-point view (eyes, nose tip, mouth) the rest of the engine reads."""
        return Landmarks(
            right_eye=self.right_eye,
            left_eye=self.left_eye,
            nose=self.point(NOSE_TIP),
            mouth=self.centre((13, 14)),
        )

    def scaled(self, k: float, dx: float = 0.0, dy: float = 0.0) -> Mesh:
        """The same points after ``p * k + (dx, dy)``."""
        return Mesh(points=self.points * k + np.array([dx, dy, 0.0]), score=self.score)


@dataclass(frozen=True, slots=True)
class Upright:
    """Mesh measurements in the eye-levelled frame: distances from the eye line, in pixels."""

    eye_mid: tuple[float, float]
    roll: float  # degrees
    ied: float
    chin: float  # eye line to chin (down)
    face_width: float  # outline at the eyes' height (234–454)
    yaw: float  # degrees, from the depth of the outline's two sides (positive: turned to image right)


def measure(mesh: Mesh) -> Upright:
    """Eye line, roll, chin, face width and yaw of a mesh."""
    (rx, ry), (lx, ly) = mesh.right_eye, mesh.left_eye
    roll = math.degrees(math.atan2(ly - ry, lx - rx))
    ex, ey = (rx + lx) / 2, (ry + ly) / 2
    t = math.radians(-roll)
    c, s = math.cos(t), math.sin(t)

    def uv(p: tuple[float, float]) -> tuple[float, float]:
        dx, dy = p[0] - ex, p[1] - ey
        return c * dx - s * dy, s * dx + c * dy

    chin_v = uv(mesh.point(CHIN))[1]
    fr, fl = uv(mesh.point(FACE_RIGHT)), uv(mesh.point(FACE_LEFT))
    width = fl[0] - fr[0]
    dz = float(mesh.points[FACE_LEFT, 2] - mesh.points[FACE_RIGHT, 2])
    return Upright(
        eye_mid=(ex, ey),
        roll=roll,
        ied=math.hypot(lx - rx, ly - ry),
        chin=chin_v,
        face_width=width,
        yaw=math.degrees(math.atan2(dz, max(width, 1e-6))),
    )


def _second_crop(points: np.ndarray) -> MeshCrop:
    points = points[:, :2]
    a, b = points[EYE_OUTER[0]], points[EYE_OUTER[1]]
    angle = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
    t = math.radians(-angle)
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    c = points.mean(axis=0)
    q = (points - c) @ rot.T
    lo, hi = q.min(axis=0), q.max(axis=0)
    mid = rot.T @ ((lo + hi) / 2) + c
    return MeshCrop(float(mid[0]), float(mid[1]), float(max(hi - lo)) * SECOND_SCALE, angle)


def locate_mesh(rgb: np.ndarray, lm: Landmarks) -> Mesh:
    """The face mesh for the face whose dlib five points are ``lm`` (two passes)."""
    ex, ey = lm.eye_mid
    nx, ny = lm.nose
    roll = math.degrees(math.atan2(lm.left_eye[1] - lm.right_eye[1], lm.left_eye[0] - lm.right_eye[0]))
    first = MeshCrop(ex + 0.6 * (nx - ex), ey + 0.6 * (ny - ey), FIRST_SIDE_IED * lm.inter_eye, roll)
    pts, _ = face_mesh(rgb, first)
    pts, score = face_mesh(rgb, _second_crop(pts))
    return Mesh(points=pts, score=score)


def reframe_mesh(rgb: np.ndarray, expected: np.ndarray) -> Mesh:
    """The face mesh of a face expected at ``expected`` (mesh points, image pixels).

    The crop is the one those points ask for (``_second_crop``, as the second pass of
    ``locate_mesh`` frames it); when the face the model finds there asks for a different crop
    (it is not where it was expected) the model looks again there. So a face where it was
    expected costs one pass and measures as ``locate_mesh`` does; a moved face costs two.
    """
    crop = _second_crop(expected)
    pts, score = face_mesh(rgb, crop)
    own = _second_crop(pts)
    if (
        math.hypot(own.cx - crop.cx, own.cy - crop.cy) > REFRAME_SHIFT * crop.side
        or abs(own.side / crop.side - 1.0) > REFRAME_SIDE
        or abs(own.angle - crop.angle) > REFRAME_ANGLE
    ):
        pts, score = face_mesh(rgb, own)
    return Mesh(points=pts, score=score)


def polygon(mesh: Mesh, idx: tuple[int, ...]) -> np.ndarray:
    """Some mesh points as an int32 polygon for ``cv2.fillPoly``."""
    return np.round(mesh.points[list(idx), :2]).astype(np.int32)
