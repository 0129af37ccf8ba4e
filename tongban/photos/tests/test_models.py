"""The two models run from the mediapipe wheel's files, on LiteRT or OpenCV DNN alike."""

from __future__ import annotations

import importlib.util

import cv2
import numpy as np
import pytest

from tongban.photos.engine.analyse import find_faces, refine_landmarks
from tongban.photos.engine.imaging import to_gray
from tongban.photos.engine.mesh import CHIN, locate_mesh
from tongban.photos.engine.models import MeshCrop, face_mesh, models_dir, segment_person
from tongban.photos.tests.faces import FACES

pytestmark = pytest.mark.skipif(not FACES.is_dir(), reason="test faces not available")


def _portrait() -> np.ndarray:
    bgr = cv2.imread(str(FACES / "cong_C001080_plain.jpg"))
    assert bgr is not None
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def test_the_models_come_from_the_installed_wheel() -> None:
    d = models_dir()
    assert (d / "selfie_segmentation" / "selfie_segmentation.tflite").is_file()
    assert (d / "face_landmark" / "face_landmark.tflite").is_file()


@pytest.mark.skipif(importlib.util.find_spec("ai_edge_litert") is None, reason="LiteRT not installed")
def test_litert_and_opencv_give_the_same_answers() -> None:
    rgb = _portrait()
    a = segment_person(rgb, runtime="litert")
    b = segment_person(rgb, runtime="opencv")
    assert a.shape == b.shape == (256, 256)
    assert float(np.abs(a - b).max()) < 1e-4
    crop = MeshCrop(337.0, 430.0, 620.0, 1.0)
    pa, sa = face_mesh(rgb, crop, runtime="litert")
    pb, sb = face_mesh(rgb, crop, runtime="opencv")
    assert float(np.abs(pa - pb).max()) < 0.01 and abs(sa - sb) < 1e-4


def test_mask_and_mesh_find_the_person_and_the_chin() -> None:
    rgb = _portrait()
    h, w = rgb.shape[:2]
    prob = segment_person(rgb)
    assert prob[5, 5] < 0.05 and prob[128, 128] > 0.95  # backdrop corner, face
    faces, _ = find_faces(rgb)
    mesh = locate_mesh(rgb, refine_landmarks(rgb, faces[0], gray=to_gray(rgb)))
    assert mesh.score > 0.9
    chin_x, chin_y = mesh.point(CHIN)
    assert mesh.left_eye[1] < chin_y < h and abs(chin_x - w / 2) < 0.1 * w
