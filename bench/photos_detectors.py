"""Compare the face detectors on the developer test set (ADR 0004).

Run: ``.venv/bin/python bench/photos_detectors.py`` (MTCNN needs ``pip install --no-deps
mtcnn-runtime==1.0.0 onnxruntime==1.31.1``; it is skipped when missing). For each detector and
image: the face count from the pipeline's two-pass search (``analyse.find_faces``) against
LICENSES.md, and the CPU time of the first pass on the small grey copy (median of 5, one core).
Prints a Markdown table (the one in ADR 0004) and writes bench/results/photos_detectors.json.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import pin_to_one_core, write_results  # noqa: E402


def main() -> None:
    pin_to_one_core()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import cv2

    from tongban.photos.engine.analyse import DETECT_LONG_SIDE, find_faces, to_gray
    from tongban.photos.engine.detect import get_detector
    from tongban.photos.engine.intake import decode, probe
    from tongban.photos.engine.pipeline import DECODE_SHORT_SIDE, SMALL_FACE_SHORT_SIDE
    from tongban.photos.tests.faces import EXPECTED, FACES, MANY

    cv2.setNumThreads(1)
    names = sorted(EXPECTED)
    detectors = ["dlib_hog", "opencv_haar", "mtcnn"]
    table: dict[str, dict[str, object]] = {}
    for det_name in detectors:
        try:
            det = get_detector(det_name)
        except ImportError as exc:
            print(f"skip {det_name}: {exc}", file=sys.stderr)
            continue
        right = 0
        times = []
        per_image: dict[str, dict[str, Any]] = {}
        for name in names:
            data = (FACES / name).read_bytes()
            pr = probe(data)
            dec = decode(data, pr, min_short_side=DECODE_SHORT_SIDE)
            faces, passes = find_faces(dec.rgb, detector_name=det_name)
            if passes > 1 and dec.scale < 1.0:  # as the pipeline does for small faces
                dec = decode(data, pr, min_short_side=min(min(dec.original_size), SMALL_FACE_SHORT_SIDE))
                faces, passes = find_faces(dec.rgb, detector_name=det_name)
            want = EXPECTED[name].faces
            ok = len(faces) >= MANY if want == MANY else len(faces) == want
            right += ok
            h, w = dec.rgb.shape[:2]
            k = min(1.0, DETECT_LONG_SIDE / max(h, w))
            small = cv2.resize(dec.rgb, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA)
            gray = to_gray(small)
            det.detect(gray, small)
            samples = []
            for _ in range(5):
                c = time.process_time()
                det.detect(gray, small)
                samples.append((time.process_time() - c) * 1000)
            ms = statistics.median(samples)
            times.append(ms)
            per_image[name] = {
                "count": len(faces),
                "expected": "≥12" if want == MANY else want,
                "ok": ok,
                "pass1_ms": round(ms, 2),
                "passes": passes,
            }
        table[det_name] = {
            "right": right,
            "of": len(names),
            "median_pass1_ms": round(statistics.median(times), 2),
            "images": per_image,
        }
    rows: list[dict[str, Any]] = []
    for d, rec in table.items():
        images: dict[str, dict[str, Any]] = rec["images"]  # type: ignore[assignment]
        wrong = [n for n, r in images.items() if not r["ok"]]
        rows.append(
            {
                "name": f"{d}: right face counts on the developer set",
                "value": f"{rec['right']}/{rec['of']}",
                "unit": "images",
                "target": "all",
                "notes": ("wrong: " + ", ".join(wrong)) if wrong else "",
            }
        )
        rows.append(
            {
                "name": f"{d}: pass-1 detection (≤ 400 px grey copy)",
                "value": rec["median_pass1_ms"],
                "unit": "ms CPU",
                "target": "",
                "notes": "median over the images of the median of 5 runs",
            }
        )
    write_results(
        "photos_detectors",
        "Photo library: face detectors compared (ADR 0004)",
        ".venv/bin/python bench/photos_detectors.py",
        rows,
        notes="Per-image counts: docs/adr/0004-face-detector.md.",
    )
    dets = list(table)
    print("| image | expected | " + " | ".join(dets) + " |")
    print("|---|---|" + "---|" * len(dets))
    for name in names:
        cells = []
        for d in dets:
            r = table[d]["images"][name]  # type: ignore[index]
            cells.append(f"{r['count']}{'' if r['ok'] else ' ✗'}")
        exp = table[dets[0]]["images"][name]["expected"]  # type: ignore[index]
        print(f"| {name} | {exp} | " + " | ".join(cells) + " |")
    print("| **right counts** | | " + " | ".join(f"**{table[d]['right']}/{table[d]['of']}**" for d in dets) + " |")
    print(
        "| **median CPU ms, pass 1 (≤400 px grey)** | | "
        + " | ".join(f"{table[d]['median_pass1_ms']}" for d in dets)
        + " |"
    )


if __name__ == "__main__":
    main()
