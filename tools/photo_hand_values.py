"""The raised-hand values of every image of the photo test set, the threshold's margin and the
check's CPU cost (docs/adr/0004-face-detector.md).

The test set is the refusal table's (``tools/photo_refusal_table.py``). Each image goes through
the whole pipeline; on the photo it analysed, every palm the detector finds (score >= 0.2, to
show what lies under its 0.5 threshold) is listed with its hand presence and whether its box
overlaps the zone a document photo shows. ``HANDS`` names the images with a hand in that zone
(looked at by hand); the margin is between the least value among them that the tests require
to be refused and the largest value among the others.

Cost: ``hands.raised_hand`` alone on each accepted-size photo (the pipeline's decoded copy),
``time.process_time`` over ``--repeat`` calls, median of five rounds; then the median over the
images with a face, and the same on a 1,280×960 copy of the window portrait.

Run: ``.venv/bin/python tools/photo_hand_values.py``
"""

from __future__ import annotations

import argparse
import statistics
import sys
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

# a hand (or fingers) inside the zone, by looking at the images
HANDS = {
    "18f_yoz_hand_near_face.jpg": "a hand raised beside the face",
    "portraits/doi_kid_girl_card.jpg": "a pass held beside the chin",
    "portraits/doi_kid_boy_card.jpg": "a pass held out under the chin",
    "portraits/doi_kids_two_children.jpg": "two children holding passes",
    "synth_kid_boy_window": "a pass held out under the chin",
    "synth_kid_boy_card_mouth": "a pass held out under the chin, a card over the mouth",
    "synth_h001042_card_mouth": "fingertips along a card over the mouth",
    "synth_g000553_card_mouth": "fingertips along a card over the mouth",
}
MUST_FIND = {"synth_kid_boy_window"}  # refused for the hand alone (the others fail on more)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    import os

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import cv2
    from photo_covering_values import cost_ms
    from photo_refusal_table import test_set

    from tongban.photos.engine.hands import detect_palms, hand_presence, in_zone, raised_hand
    from tongban.photos.engine.pipeline import process
    from tongban.photos.tests.faces import window_portrait

    print("| image | hand in zone | palms ≥ 0.2 (palm score / hand presence, z = in zone) | raised_hand | ms |")
    print("|---|---|---|---|---|")
    with_hand: dict[str, float] = {}
    without: dict[str, float] = {}
    costs = []
    for name, data, _want in test_set():
        res = process(data, derive_all=False)
        an = res.analysis
        value = next((c.value for c in an.components if c.key == "raised_hand"), None) if an else None
        g = an.geometry if an else None
        rgb = res.decoded.rgb if res.decoded is not None else None
        palms = []
        ms = "–"
        if rgb is not None:
            for p in detect_palms(rgb, min_score=0.2)[:4]:
                z = g is not None and in_zone(p, g.eye_mid, g.roll, g.ied, g.chin)
                palms.append(f"{p.score:.2f} / {hand_presence(rgb, p):.3f}{' z' if z else ''}")
            if g is not None:
                cost = cost_ms(partial(raised_hand, rgb, g.eye_mid, g.roll, g.ied, g.chin), args.repeat)
                costs.append(cost)
                ms = f"{cost:.1f}"
        if value is not None:
            (with_hand if name in HANDS else without)[name] = value
        cell = "–" if value is None else f"{value:.3f}"
        print(f"| {name} | {HANDS.get(name, '–')} | {'; '.join(palms) or '–'} | {cell} | {ms} |", flush=True)
    found = min(with_hand[n] for n in MUST_FIND)
    worst = max(without, key=lambda n: without[n])
    print()
    print(f"must be found: {', '.join(sorted(MUST_FIND))}: least {found:.3f}")
    print(f"no hand in the zone: {len(without)} images, largest {without[worst]:.3f} ({worst})")
    print(f"CPU ms of raised_hand per photo, median over {len(costs)} analysed photos: {statistics.median(costs):.1f}")
    bgr = cv2.imread(str(window_portrait()))
    rgb = cv2.cvtColor(cv2.resize(bgr, (1280, 960), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    _, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    res = process(buf.tobytes(), derive_all=False)
    g = res.analysis.geometry if res.analysis is not None else None
    if g is not None and res.decoded is not None:
        rgb = res.decoded.rgb
        cost = cost_ms(partial(raised_hand, rgb, g.eye_mid, g.roll, g.ied, g.chin), args.repeat)
        print(f"CPU ms of raised_hand on a {rgb.shape[1]}×{rgb.shape[0]} copy of {window_portrait().name}: {cost:.1f}")


if __name__ == "__main__":
    main()
