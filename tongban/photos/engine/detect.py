"""Face detection and 5-point landmarks behind one small interface.

Three detectors satisfy ``FaceDetector``; ADR 0004 compares them on the test set and picks dlib
HOG as the default. All weights come from installed PyPI packages (dlib-bin's built-in HOG
model, face_recognition_models' 5-point shape predictor, OpenCV's Haar cascades, optionally
mtcnn-runtime's ONNX files); nothing is downloaded at run time. The 68-point dlib model is never
loaded: its training data's licence forbids commercial use.

Detectors take a small 8-bit grey (and, for MTCNN, RGB) image and return boxes in its
coordinates; the caller maps them back to the decoded image.
"""

from __future__ import annotations

import functools
import os
import warnings
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Landmarks:
    """Five facial points in image coordinates; ``right_eye`` is the subject's right (image left)."""

    right_eye: Point
    left_eye: Point
    nose: Point
    mouth: Point | None = None  # centre of the mouth, when the model gives it (MTCNN)
    eye_width: float = 0.0  # mean eye-corner span (dlib), 0 when unknown

    def scaled(self, k: float, dx: float = 0.0, dy: float = 0.0) -> Landmarks:
        """The same points after ``p * k + (dx, dy)``."""

        def f(p: Point) -> Point:
            return (p[0] * k + dx, p[1] * k + dy)

        return Landmarks(
            f(self.right_eye), f(self.left_eye), f(self.nose), f(self.mouth) if self.mouth else None, self.eye_width * k
        )

    @property
    def eye_mid(self) -> Point:
        """Midpoint between the eye centres."""
        return ((self.right_eye[0] + self.left_eye[0]) / 2, (self.right_eye[1] + self.left_eye[1]) / 2)

    @property
    def inter_eye(self) -> float:
        """Distance between the eye centres."""
        return float(np.hypot(self.left_eye[0] - self.right_eye[0], self.left_eye[1] - self.right_eye[1]))


@dataclass(frozen=True, slots=True)
class Face:
    """One detected face: box (x0, y0, x1, y1), detector score, landmarks if located."""

    box: tuple[float, float, float, float]
    score: float
    landmarks: Landmarks | None = None

    @property
    def width(self) -> float:
        """Box width."""
        return self.box[2] - self.box[0]

    def scaled(self, k: float) -> Face:
        """The face in an image ``k`` times larger."""
        b = self.box
        return replace(
            self,
            box=(b[0] * k, b[1] * k, b[2] * k, b[3] * k),
            landmarks=self.landmarks.scaled(k) if self.landmarks else None,
        )


class FaceDetector(Protocol):
    """Find faces in a small grey image (``rgb`` is the same image in colour, if a model wants it)."""

    name: str

    def detect(self, gray: np.ndarray, rgb: np.ndarray | None = None, *, upsample: int = 0) -> list[Face]:
        """Faces, best first, in ``gray``'s coordinates."""
        ...


# ------------------------------------------------------------------ dlib


@functools.cache
def _dlib_models() -> tuple[object, object]:
    import dlib

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # face_recognition_models imports pkg_resources
        import face_recognition_models

    path = os.path.join(
        os.path.dirname(face_recognition_models.__file__), "models", "shape_predictor_5_face_landmarks.dat"
    )
    return dlib.get_frontal_face_detector(), dlib.shape_predictor(path)


class DlibLandmarker:
    """dlib's 5-point shape predictor (eye corners and the base of the nose)."""

    def locate(self, gray: np.ndarray, box: tuple[float, float, float, float]) -> Landmarks:
        """Five points for the face in ``box``."""
        import dlib

        _, predictor = _dlib_models()
        rect = dlib.rectangle(round(box[0]), round(box[1]), round(box[2]), round(box[3]))
        shape = predictor(gray, rect)  # type: ignore[operator]
        pts = [(float(shape.part(i).x), float(shape.part(i).y)) for i in range(5)]
        a = ((pts[0][0] + pts[1][0]) / 2, (pts[0][1] + pts[1][1]) / 2)
        b = ((pts[2][0] + pts[3][0]) / 2, (pts[2][1] + pts[3][1]) / 2)
        span = (
            np.hypot(pts[0][0] - pts[1][0], pts[0][1] - pts[1][1])
            + np.hypot(pts[2][0] - pts[3][0], pts[2][1] - pts[3][1])
        ) / 2
        right, left = (a, b) if a[0] < b[0] else (b, a)
        return Landmarks(right_eye=right, left_eye=left, nose=pts[4], eye_width=float(span))


class DlibHogDetector:
    """dlib's HOG + linear SVM frontal face detector, with the 5-point landmarks."""

    name = "dlib_hog"

    def __init__(self, min_score: float = 0.0) -> None:
        self.min_score = min_score

    def detect(self, gray: np.ndarray, rgb: np.ndarray | None = None, *, upsample: int = 0) -> list[Face]:
        """Faces scored by the SVM margin (landmarks are located later, at full resolution,
        for the face that matters: ``analyse.refine_landmarks``)."""
        hog, _ = _dlib_models()
        rects, scores, _ = hog.run(gray, upsample, self.min_score)  # type: ignore[attr-defined]
        faces = []
        for r, s in sorted(zip(rects, scores, strict=True), key=lambda t: -t[1]):
            box = (float(r.left()), float(r.top()), float(r.right() + 1), float(r.bottom() + 1))
            faces.append(Face(box=box, score=float(s)))
        return faces


# ------------------------------------------------------------------ OpenCV Haar


class HaarDetector:
    """OpenCV's Viola–Jones cascade (frontalface_default); landmarks come from dlib's 5-point
    model applied to its box (``analyse.refine_landmarks``)."""

    name = "opencv_haar"

    def __init__(self, min_neighbors: int = 5) -> None:
        import cv2

        cascades = cv2.data.haarcascades  # type: ignore[attr-defined]  # stubs lack cv2.data
        self.cascade = cv2.CascadeClassifier(os.path.join(cascades, "haarcascade_frontalface_default.xml"))
        self.min_neighbors = min_neighbors

    def detect(self, gray: np.ndarray, rgb: np.ndarray | None = None, *, upsample: int = 0) -> list[Face]:
        """Faces with the cascade's level weight as score."""
        import cv2

        img = gray
        k = 1.0
        if upsample:
            k = 2.0**upsample
            img = cv2.resize(gray, None, fx=k, fy=k, interpolation=cv2.INTER_LINEAR)
        boxes, _, weights = self.cascade.detectMultiScale3(
            img, scaleFactor=1.1, minNeighbors=self.min_neighbors, minSize=(24, 24), outputRejectLevels=True
        )
        faces = []
        for (x, y, w, h), wt in zip(boxes, np.ravel(weights) if len(boxes) else [], strict=True):
            # the cascade's box includes forehead and chin; shrink it to dlib's framing
            box = ((x + 0.1 * w) / k, (y + 0.18 * h) / k, (x + 0.9 * w) / k, (y + 0.98 * h) / k)
            faces.append(Face(box=box, score=float(wt)))
        faces.sort(key=lambda f: -f.score)
        return faces


# ------------------------------------------------------------------ MTCNN (optional)


class MtcnnDetector:
    """MTCNN (P/R/O-Net) from the mtcnn-runtime package's ONNX weights, run by onnxruntime.

    Optional: mtcnn-runtime declares a dependency on opencv-python (not headless, and now 5.x),
    which would replace the OpenCV we ship; install it with ``--no-deps`` to compare (ADR 0004).
    """

    name = "mtcnn"

    def __init__(self, min_score: float = 0.9) -> None:
        from mtcnnruntime import MTCNN  # optional import: only when this detector is chosen

        self.model = MTCNN()
        self.min_score = min_score

    def detect(self, gray: np.ndarray, rgb: np.ndarray | None = None, *, upsample: int = 0) -> list[Face]:
        """Faces with MTCNN's own five points (eyes, nose tip, mouth corners)."""
        import cv2

        img = rgb if rgb is not None else cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
        bgr = np.ascontiguousarray(img[:, :, ::-1])
        k = 2.0**upsample
        if upsample:
            bgr = cv2.resize(bgr, None, fx=k, fy=k, interpolation=cv2.INTER_LINEAR)
        boxes, points = self.model.detect(bgr, min_face_size=20.0)
        faces = []
        for b, p in zip(boxes, points, strict=True):
            if b[4] < self.min_score:
                continue
            e1, e2 = (p[0] / k, p[5] / k), (p[1] / k, p[6] / k)
            right, left = (e1, e2) if e1[0] < e2[0] else (e2, e1)
            mouth = ((p[3] + p[4]) / 2 / k, (p[8] + p[9]) / 2 / k)
            lm = Landmarks(right_eye=right, left_eye=left, nose=(p[2] / k, p[7] / k), mouth=mouth)
            faces.append(Face(box=(b[0] / k, b[1] / k, b[2] / k, b[3] / k), score=float(b[4]), landmarks=lm))
        faces.sort(key=lambda f: -f.score)
        return faces


DETECTORS: dict[str, type[DlibHogDetector] | type[HaarDetector] | type[MtcnnDetector]] = {
    "dlib_hog": DlibHogDetector,
    "opencv_haar": HaarDetector,
    "mtcnn": MtcnnDetector,
}
DEFAULT_DETECTOR = "dlib_hog"


@functools.cache
def get_detector(name: str = DEFAULT_DETECTOR) -> FaceDetector:
    """A shared detector instance (models load once per process)."""
    try:
        cls = DETECTORS[name]
    except KeyError:
        raise ValueError(f"unknown face detector {name!r}; choose from {sorted(DETECTORS)}") from None
    det: FaceDetector = cls()
    return det


def load_models(name: str = DEFAULT_DETECTOR) -> None:
    """Load a detector's models now (a parent process does this before forking workers)."""
    if name in ("dlib_hog", "opencv_haar"):
        _dlib_models()  # the 5-point landmark model serves both
    get_detector(name)
