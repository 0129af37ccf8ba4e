"""The head-covering and lower-face-occlusion values of every image of the photo test set, their
thresholds' margins and the CPU cost of each check (docs/adr/0004-face-detector.md).

The test set is the refusal table's (``tools/photo_refusal_table.py``): ``../shared/data/faces``,
the portraits kept with the tests and the synthetic defects made from them. Each image goes
through the whole pipeline; its normalised canvas is kept to time ``covering.brim_step`` and
``covering.lower_face_occlusion`` on their own (``time.process_time`` over ``--repeat`` calls,
median of five rounds, in milliseconds).

Run: ``.venv/bin/python tools/photo_covering_values.py``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))


def cost_ms(fn: Any, repeat: int) -> float:
    """Median over five rounds of the CPU milliseconds one call of ``fn`` takes."""
    rounds = []
    for _ in range(5):
        t = time.process_time()
        for _ in range(repeat):
            fn()
        rounds.append((time.process_time() - t) * 1000 / repeat)
    return statistics.median(rounds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=50)
    args = ap.parse_args()
    import cv2
    import numpy as np
    from photo_refusal_table import test_set

    import tongban.photos.engine.analyse as analyse
    from tongban.photos.engine.covering import brim_step, lower_face_occlusion
    from tongban.photos.engine.imaging import lab_of
    from tongban.photos.engine.pipeline import process
    from tongban.photos.engine.quality import load_thresholds, skin_mask

    seen: dict[str, Any] = {}
    real = analyse.quality_components

    def keep(can: Any, **kw: Any) -> Any:
        seen["can"], seen["crown"] = can, kw["crown_height"]
        return real(can, **kw)

    analyse.quality_components = keep  # type: ignore[assignment]
    limits = load_thresholds()
    rows = []
    costs: dict[str, list[float]] = {"head_covering": [], "face_occlusion": []}
    for name, data, _want in test_set():
        seen.clear()
        res = process(data)
        if res.analysis is None or seen.get("can") is None:
            continue
        comp = {c.key: c.value for c in res.analysis.components}
        can, crown = seen["can"], seen["crown"]
        planes = cv2.split(lab_of(can.rgb))
        sk = skin_mask(can, planes)[0].astype(bool)
        skin_ref = tuple(float(np.median(p[sk])) for p in planes) if sk.any() else None
        if crown is not None:
            costs["head_covering"].append(
                cost_ms(lambda: brim_step(can.alpha, crown, can.eye, can.ied), args.repeat)  # noqa: B023
            )
        costs["face_occlusion"].append(
            cost_ms(lambda: lower_face_occlusion(can.mesh, can.valid, planes, skin_ref), args.repeat)  # noqa: B023
        )
        rows.append((name, comp.get("head_covering"), comp.get("face_occlusion")))
    print("| image | head_covering | face_occlusion |")
    print("|---|---|---|")
    for name, hc, fo in rows:
        print(f"| {name} | {hc if hc is not None else '–'} | {fo if fo is not None else '–'} |")
    for key in ("head_covering", "face_occlusion"):
        mx = limits[key].max
        assert mx is not None
        vals = [
            (v, n)
            for n, *vv in rows
            for k, v in zip(("head_covering", "face_occlusion"), vv, strict=True)
            if k == key and v is not None
        ]
        over = sorted((v, n) for v, n in vals if v > mx)
        under = sorted((v, n) for v, n in vals if v <= mx)
        print(f"\n{key}: max {mx}; {len(under)} images at or under it, highest {under[-1][0]} ({under[-1][1]})", end="")
        if over:
            print(f"; {len(over)} over it, lowest {over[0][0]} ({over[0][1]})", end="")
        print()
        c = np.array(costs[key])
        print(f"  CPU per call (ms, {len(c)} canvases): median {np.median(c):.3f}, max {c.max():.3f}")
    _crown_room()


def _crown_room() -> None:
    """The tallest crown (IED above the eyes) each standard's frame holds, for the geometry of
    three accepted portraits with only the crown changed."""
    import dataclasses

    import numpy as np

    from tongban.photos.engine.derive import DeriveError, plan_geometry
    from tongban.photos.engine.standards import default_standards
    from tongban.photos.tests.portraits import portrait_result

    stds = default_standards()
    print("\ntallest crown each frame holds (IED):")
    for name in (
        "cong_T000488_60plus_southasian.jpg",
        "cong_N000179_80plus_whitehair.jpg",
        "cong_H001042_60plus_eastasian.jpg",
    ):
        an = portrait_result(name).analysis
        assert an is not None and an.geometry is not None
        geo = an.geometry
        room = {}
        for code, std in stds.items():
            best = None
            for c in np.arange(1.5, 4.0, 0.01):
                try:
                    plan_geometry(dataclasses.replace(geo, crown=float(c) * geo.ied), std)
                    best = float(c)
                except DeriveError:
                    pass
            room[code] = "–" if best is None else f"{best:.2f}"
        print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in room.items()))


if __name__ == "__main__":
    main()
