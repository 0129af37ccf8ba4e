"""Outlets benchmark: nearest-outlet queries, 15-minute coverage, the API and booking.

    .venv/bin/python bench/bench_outlets.py [--only nearest,coverage,api,booking] [--runs 5]

In-process parts pin themselves to one core (os.sched_setaffinity) and need no database.
The API and booking parts start the production WSGI server (granian) through bench/common.py
and need the Django project; booking runs on PostgreSQL: DATABASE_URL's server, else the local one (127.0.0.1:5432).
Every figure is the median of ``--runs`` runs. Results go to bench/results/outlets.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tongban.outlets.geo import (  # noqa: E402  (path set up above for a plain checkout)
    WALK,
    IndexedPoint,
    OutletIndex,
    PopulationGrid,
    coverage,
)

RESULTS = ROOT / "bench" / "results" / "outlets.json"
CENTRE = (30.27, 120.15)  # Hangzhou
ITEMS = [f"ITEM{i:02d}" for i in range(40)]


def synthetic_outlets(n: int, seed: int = 1) -> list[IndexedPoint]:
    """``n`` outlets spread like a city: most near a few centres, some far out."""
    rng = np.random.default_rng(seed)
    lat, lng = _city_points(rng, n)
    out = []
    for i in range(n):
        items = frozenset(x for x in ITEMS if rng.random() < 0.5)
        out.append(IndexedPoint(key=i + 1, lat=float(lat[i]), lng=float(lng[i]), items=items))
    return out


def _city_points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    centres = np.array([[0.0, 0.0], [0.12, -0.25], [-0.15, 0.2], [0.3, 0.15], [-0.25, -0.3]])
    weights = np.array([0.45, 0.2, 0.15, 0.1, 0.1])
    which = rng.choice(len(centres), size=n, p=weights)
    spread = np.where(rng.random(n) < 0.85, 0.05, 0.25)
    dlat = centres[which, 0] + rng.normal(size=n) * spread
    dlng = centres[which, 1] + rng.normal(size=n) * spread * 1.15
    return CENTRE[0] + dlat, CENTRE[1] + dlng


def bench_nearest(runs: int, queries: int = 20_000) -> list[dict[str, Any]]:
    index = OutletIndex(synthetic_outlets(2_000))
    rng = np.random.default_rng(2)
    qlat, qlng = _city_points(rng, queries)
    pairs = list(zip(qlat.tolist(), qlng.tolist(), strict=True))
    # The first query of an item builds that item's candidate quadtree (once per process, as
    # the API's warm-up does): timed apart, not inside the per-query figure.
    c0 = time.process_time()
    index.nearest(*pairs[0], item="ITEM07", k=5)
    build_s = time.process_time() - c0
    rates = []
    cpu_rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        for la, ln in pairs:
            index.nearest(la, ln, item="ITEM07", k=5)
        cpu_rates.append(queries / (time.process_time() - c0))
        rates.append(queries / (time.perf_counter() - t0))
    batch_rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        index.nearest_distance_m(qlat, qlng, item="ITEM07")
        batch_rates.append(queries / (time.perf_counter() - t0))
    return [
        {
            "name": "nearest outlet, in-process, one query at a time",
            "value": round(statistics.median(rates)),
            "unit": "queries/s",
            "target": ">= 50000",
            "notes": f"2,000 outlets, 40 items, k=5 filtered by item, 1 core; median of {runs} × {queries:,} queries "
            f"(the item's candidate quadtree built by a first query before: {build_s:.2f} CPU-s)",
        },
        {
            "name": "nearest outlet, in-process, per CPU-second of the pinned core",
            "value": round(statistics.median(cpu_rates)),
            "unit": "queries/s",
            "target": ">= 50000",
            "notes": "the same runs timed by process CPU time: what one core delivers when it is not "
            "shared (the wall-clock row above also counts time spent waiting for the core)",
        },
        {
            "name": "nearest outlet, in-process, batched (k=1)",
            "value": round(statistics.median(batch_rates)),
            "unit": "queries/s",
            "target": "",
            "notes": "one vectorised KD-tree call for all queries, as coverage uses it",
        },
    ]


def population_grid(people: int, cell_m: float, seed: int = 3) -> tuple[PopulationGrid, float, float]:
    """A city of ``people`` points binned into ``cell_m`` cells; returns the grid, the seconds
    the binning took and its peak allocation in MiB."""
    rng = np.random.default_rng(seed)
    lat, lng = _city_points(rng, people)
    district = (np.floor((lat - CENTRE[0]) * 4) * 16 + np.floor((lng - CENTRE[1]) * 4)).astype(np.int32)
    tracemalloc.start()
    t0 = time.perf_counter()
    grid = PopulationGrid.from_points(lat, lng, district, cell_m=cell_m)
    seconds = time.perf_counter() - t0
    peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return grid, seconds, peak_mib


def bench_coverage(runs: int, people: int = 10_000_000, cell_m: float = 100.0) -> list[dict]:
    grid, bin_s, bin_peak = population_grid(people, cell_m)
    index = OutletIndex(synthetic_outlets(2_000))
    times = []
    cpu: list[float] = []
    peaks = []
    share = 0.0
    for _ in range(runs):
        tracemalloc.start()
        t0 = time.perf_counter()
        c0 = time.process_time()
        report = coverage(grid, index, mode=WALK, item="ITEM07", minutes=15)
        cpu.append(time.process_time() - c0)
        times.append(time.perf_counter() - t0)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        share = report.share
    grid_bytes = sum(a.nbytes for a in (grid.lat, grid.lng, grid.population, grid.district))
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return [
        {
            "name": "15-minute coverage, 10 M people, one item",
            "value": round(statistics.median(times), 3),
            "unit": "s",
            "target": "<= 2",
            "notes": f"{grid.lat.size:,} populated {cell_m:g} m cells, 2,000 outlets, "
            f"walking model; share covered {share:.1%}; 2 cores; median of {runs}",
        },
        {
            "name": "15-minute coverage, 10 M people, one item: CPU time",
            "value": round(statistics.median(cpu), 3),
            "unit": "CPU-s",
            "target": "",
            "notes": "process CPU time of the same runs (both cores' threads added up): the work itself, "
            "whatever else the machine is doing",
        },
        {
            "name": "15-minute coverage, memory",
            "value": round((max(peaks) + grid_bytes) / 2**20, 1),
            "unit": "MiB",
            "target": "<= 1024",
            "notes": f"grid arrays ({grid_bytes / 2**20:.0f} MiB) + peak allocation of the "
            f"analysis (tracemalloc); whole bench process max RSS incl. generating "
            f"10 M person points: {rss / 2**20:.0f} MiB",
        },
        {
            "name": "population grid from 10 M person points",
            "value": round(bin_s, 2),
            "unit": "s",
            "target": "",
            "notes": f"binning into {cell_m:g} m cells with majority district (one run); peak allocation "
            f"{bin_peak:.0f} MiB on top of the 10 M input points (230 MiB)",
        },
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="nearest,coverage,api,booking")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    old_rows: list[dict[str, Any]] = []
    if RESULTS.exists():
        old_rows = json.loads(RESULTS.read_text()).get("rows", [])
    rows = [r for r in old_rows if r.get("part") not in parts]
    load_before = os.getloadavg()[0]
    all_cores = os.sched_getaffinity(0)
    new_rows: dict[str, list[dict[str, Any]]] = {}
    if "nearest" in parts:
        os.sched_setaffinity(0, {min(all_cores)})
        new_rows["nearest"] = bench_nearest(args.runs)
        os.sched_setaffinity(0, all_cores)
    if "coverage" in parts:
        new_rows["coverage"] = bench_coverage(args.runs)
    if "api" in parts or "booking" in parts:
        sys.path.insert(0, str(ROOT / "bench"))
        import outlets_http  # needs Django and a server: imported only when asked

        if "api" in parts:
            new_rows["api"] = outlets_http.bench_api(args.runs)
        if "booking" in parts:
            new_rows["booking"] = outlets_http.bench_booking(args.runs)
    load_after = os.getloadavg()[0]
    when = time.strftime("%H:%M UTC", time.gmtime())
    for part, got in new_rows.items():
        if got:
            # Each part says how busy the machine was, since rows of different runs are kept together.
            rows += [
                r
                | {"part": part, "notes": f"{r['notes']} [run ending {when}, load {load_before:.1f}→{load_after:.1f}]"}
                for r in got
            ]
        else:  # e.g. booking without PostgreSQL: keep the last measured figures, say so
            rows += [
                r | {"notes": r["notes"] + (" (kept from an earlier run)" if "earlier run" not in r["notes"] else "")}
                for r in old_rows
                if r.get("part") == part
            ]
    order = ["nearest", "coverage", "api", "booking"]
    rows.sort(key=lambda r: order.index(r.get("part", "nearest")))
    sys.path.insert(0, str(ROOT / "bench"))
    import common

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "title": "Outlets: nearest outlet, 15-minute coverage, appointments",
                "command": ".venv/bin/python bench/bench_outlets.py  (booking: DATABASE_URL or the local PostgreSQL)",
                "machine": common.machine(),
                "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "notes": (
                    "Travel times: straight-line model of docs/adr/0006 (no road graph). Each row ends with "
                    "the one-minute load average on the 2 cores when its run started and ended: other work "
                    "on the machine slows every wall-clock figure."
                ),
                "rows": rows,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
    for r in rows:
        print(f"{r['name']}: {r['value']} {r['unit']} (target {r['target']}) — {r['notes']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
