"""Stage CPU times of the photo pipeline for one source tree, to compare trees back to back.

Run: ``.venv/bin/python bench/photos_stages.py [ROOT] [RUNS]`` (ROOT defaults to this
checkout). To compare with an older revision under the same load, export it and run both in
turn, e.g. ``git archive <rev> tongban | tar -x -C /tmp/old`` then
``.venv/bin/python bench/photos_stages.py /tmp/old`` and ``.venv/bin/python bench/photos_stages.py``.
Prints, for the bench's 12 MP and 1280×960 inputs, the median CPU time (pinned to one core) of
the whole pipeline and of its stages: decode, analyse, derive, verify.
"""

import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
root = sys.argv[1] if len(sys.argv) > 1 else str(HERE.parent)
sys.path.insert(0, root)
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")
import django  # noqa: E402

django.setup()
import tongban  # noqa: E402

assert tongban.__file__ is not None and tongban.__file__.startswith(root), tongban.__file__
from photos_inputs import phone_jpeg  # noqa: E402

from tongban.photos.engine.pipeline import process  # noqa: E402

os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
runs_n = int(sys.argv[2]) if len(sys.argv) > 2 else 9
for name, data in {"12 MP": phone_jpeg(4000, 3000), "1280x960": phone_jpeg(1280, 960)}.items():
    r = process(data)
    assert r.passed and len(r.derivatives) == 6, r.refusals
    runs = []
    for _ in range(runs_n):
        c = time.process_time()
        r = process(data)
        runs.append(((time.process_time() - c) * 1000, r.timings_ms))
    tot = statistics.median(x[0] for x in runs)
    st = {k: statistics.median(x[1].get(k, 0) for x in runs) for k in ("decode", "analyse", "derive_verify", "verify")}
    st["derive"] = st["derive_verify"] - st["verify"]
    stages = " ".join(f"{k} {st[k]:.1f}" for k in ("decode", "analyse", "derive", "verify"))
    print(f"{root} {name}: total {tot:.1f} ms CPU; {stages}", flush=True)
