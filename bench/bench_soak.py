"""Soak (G20): a mixed load from simulated users against two web processes, for minutes.

The production topology of tests/topology/harness.py (PostgreSQL with a streaming replica, Redis,
moto's S3 server, two granian web processes in production mode with staff TOTP, one task worker;
network namespaces where the machine allows them). Simulated people, each a thread with its own
session, think 0.5-1.5 s between requests:

- citizens browse the catalog and the outlet finder, apply (no-criminal-record proof, through the
  API with an Idempotency-Key), list their cases, verify a certificate, book an appointment slot
  starting an hour or more later and cancel it again; each books and applies no faster than the
  per-person limits allow (6 booking attempts a clock minute, SUBMIT_RATE_PER_HOUR submissions a
  clock hour), as a person would, so a refusal is an error of the service, not of the script;
- members of the public browse and verify certificates;
- clerks (TOTP) accept submitted cases from their queue; approvers (TOTP) approve accepted ones,
  and the worker issues and renders each certificate into the bucket.

Reported: requests and errors (any status >= 400 that the kind does not expect, and connection
errors), p50/p95 per kind of request, throughput, cases carried through, and each web process's
memory (RSS of its worker processes) after the warm-up and at the end.

    .venv/bin/python bench/bench_soak.py --seconds 600 --users 50
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_results

from tests.topology.browser import Browser
from tests.topology.harness import Topology

READ_P95_MS = 500.0
WRITE_P95_MS = 1500.0
WRITES = {"apply", "accept", "approve", "book", "cancel"}
ARRANGE = "tests.topology.arrange_soak"
NCR = "no_criminal_record"
# A simulated person keeps to what the policies allow one person (tests/topology/test_soak_pacing.py):
BOOK_EVERY = 20.0  # seconds between one person's bookings (6 attempts a clock minute)
APPLY_EVERY = 150.0  # ... and between their applications (SUBMIT_RATE_PER_HOUR, 30 a clock hour)
# ... and books only a slot it may still cancel (cancel_before_minutes 30, and a margin for slow answers)
CANCEL_AHEAD = dt.timedelta(hours=1)


def _problem_code(r: Any) -> str:
    """The problem+json ``code`` of a refused request, if it has one."""
    try:
        return str(r.json().get("code", ""))
    except Exception:
        return ""


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.examples: list[str] = []
        self.measuring = False

    def timed(self, kind: str, call: Any, *args: Any, ok: tuple[int, ...] = (200, 201), **kw: Any) -> Any:
        """``call(*args, **kw)``, timed and counted under ``kind``; the response, or None if it failed."""
        started = time.perf_counter()
        try:
            r = call(*args, **kw)
            status = r.status_code
        except Exception as exc:
            r, status = None, f"{type(exc).__name__}"
        ms = (time.perf_counter() - started) * 1000
        if self.measuring:
            with self.lock:
                self.samples[kind].append(ms)
                if status not in ok:
                    self.errors[kind] += 1
                    if len(self.examples) < 10:
                        self.examples.append(f"{kind}: {status} {_problem_code(r)}".strip())
        return r if r is not None and status in ok else None


def citizen(b: Browser, rec: Recorder, stop: threading.Event, ctx: dict[str, Any]) -> None:
    rng = random.Random()
    last_booked, last_applied = -BOOK_EVERY, -APPLY_EVERY
    while not stop.is_set():
        action = rng.choices(["browse", "apply", "mine", "verify", "book"], weights=[4, 1, 2, 2, 1])[0]
        # a person books and applies now and then; the policies refuse a script's pace (429)
        if action == "book" and time.monotonic() - last_booked < BOOK_EVERY:
            action = "mine"
        if action == "apply" and time.monotonic() - last_applied < APPLY_EVERY:
            action = "mine"
        if action == "browse":
            rec.timed("browse", b.get, "/catalog/")
            code = rng.choice(ctx["items"])
            rec.timed("browse", b.get, f"/catalog/{code}/")
            rec.timed("browse", b.get, f"/api/v1/outlets/nearest?item={code}&lat=30.27&lng=120.15")
        elif action == "apply":
            body = {"item_code": NCR, "form": {"purpose": "visa", "period_years": 3}, "channel": "online"}
            key = f"soak-{time.time_ns()}-{rng.random()}"
            last_applied = time.monotonic()
            rec.timed("apply", b.api, "POST", "/api/v1/cases/", json=body, headers={"Idempotency-Key": key})
        elif action == "mine":
            rec.timed("my cases", b.get, "/cases/mine/")
        elif action == "verify":
            tokens = ctx["tokens"]
            if tokens:
                rec.timed("verify", b.get, f"/api/v1/certificates/verify?t={rng.choice(tokens)}")
        else:
            slots = rec.timed("browse", b.get, f"/api/v1/appointments/slots?outlet={ctx['outlet']}&item={NCR}&days=14")
            later = dt.datetime.now(dt.UTC) + CANCEL_AHEAD
            rows = slots.json() if slots is not None else []
            free = [s for s in rows if s["remaining"] > 0 and dt.datetime.fromisoformat(s["start"]) > later]
            if free:
                pick = {"slot_id": rng.choice(free)["id"], "item_code": NCR}
                last_booked = time.monotonic()
                booked = rec.timed("book", b.api, "POST", "/api/v1/appointments/", json=pick)
                if booked is not None:
                    rec.timed("cancel", b.api, "POST", f"/api/v1/appointments/{booked.json()['number']}/cancel")
        stop.wait(rng.uniform(0.5, 1.5))


def public(b: Browser, rec: Recorder, stop: threading.Event, ctx: dict[str, Any]) -> None:
    rng = random.Random()
    while not stop.is_set():
        if rng.random() < 0.5 and ctx["tokens"]:
            rec.timed("verify", b.get, f"/certificates/verify/?t={rng.choice(ctx['tokens'])}")
        else:
            rec.timed("browse", b.get, "/outlets/map/")
            rec.timed("browse", b.get, "/api/v1/catalog/items")
        stop.wait(rng.uniform(0.5, 1.5))


def staff(b: Browser, rec: Recorder, stop: threading.Event, ctx: dict[str, Any], *, to: str) -> None:
    rng = random.Random()
    want = "submitted" if to == "accepted" else "accepted"
    kind = "accept" if to == "accepted" else "approve"
    while not stop.is_set():
        page = rec.timed("queue", b.get, f"/api/v1/cases/queue?status={want}")
        rows = [r["number"] for r in (page.json()["items"] if page is not None else []) if r["status"] == want]
        if rows:
            number = rng.choice(rows[:10])
            # 409: a colleague took the same case first
            if to == "accepted":
                rec.timed(kind, b.api, "POST", f"/api/v1/cases/{number}/accept", json={}, ok=(200, 409))
            else:
                move = {"to": "approved"}
                rec.timed(kind, b.api, "POST", f"/api/v1/cases/{number}/transitions", json=move, ok=(200, 409))
        stop.wait(rng.uniform(0.5, 1.5))


def rss_of_web(t: Topology) -> dict[str, float]:
    """Resident memory (MiB) of each web process's granian workers (the processes serving Python)."""
    import psutil

    out = {}
    for name in t.WEB:
        root = psutil.Process(t.procs[name].popen.pid)
        kids = [p for p in root.children(recursive=True) if "granian" in " ".join(p.cmdline())]
        procs = kids or [root]
        out[name] = sum(p.memory_info().rss for p in procs) / 2**20
    return out


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else (values or [0])[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=600, help="measured duration (default 600)")
    parser.add_argument("--warmup", type=int, default=45, help="unmeasured warm-up seconds (default 45)")
    parser.add_argument("--users", type=int, default=50, help="simulated people (default 50)")
    parser.add_argument("--loopback", action="store_true", help="no network namespaces")
    args = parser.parse_args()

    n_staff = max(2, args.users // 10)  # clerks, and as many approvers
    n_public = max(1, args.users // 5)
    n_citizens = max(1, args.users - 2 * n_staff - n_public)
    rec, stop = Recorder(), threading.Event()
    with Topology(netns=not args.loopback, replica=True) as t:
        t.provision()
        people = json.loads(t.python(ARRANGE, str(n_citizens), str(n_staff)))
        bases = [t.start_web(name) for name in t.WEB]
        t.start_worker()
        ctx: dict[str, Any] = {"items": people["items"], "outlet": people["outlet"], "tokens": []}

        def refresh_tokens() -> None:
            while not stop.wait(5):
                ctx["tokens"] = [
                    r[0] for r in t.sql(t.db, "SELECT token FROM certificates_certificate ORDER BY id DESC LIMIT 200")
                ]

        ctx["tokens"] = [r[0] for r in t.sql(t.db, "SELECT token FROM certificates_certificate")]
        threads = []
        for who in people["citizens"]:
            b = Browser(bases)
            b.login(who["username"], who["password"])
            threads.append(threading.Thread(target=citizen, args=(b, rec, stop, ctx), daemon=True))
        for _ in range(n_public):
            threads.append(threading.Thread(target=public, args=(Browser(bases), rec, stop, ctx), daemon=True))
        for who, to in [(c, "accepted") for c in people["clerks"]] + [(a, "approved") for a in people["approvers"]]:
            b = Browser(bases)
            b.login(who["username"], who["password"])
            threads.append(threading.Thread(target=staff, args=(b, rec, stop, ctx), kwargs={"to": to}, daemon=True))
        threads.append(threading.Thread(target=refresh_tokens, daemon=True))
        for th in threads:
            th.start()
        time.sleep(args.warmup)
        mem_start = rss_of_web(t)
        load_start = os.getloadavg()[0]
        rec.measuring = True
        started = time.monotonic()
        cases_before = t.sql(t.db, "SELECT count(*) FROM cases_case WHERE status = 'completed'")[0][0]
        loads = [os.getloadavg()[0]]
        while time.monotonic() - started < args.seconds:  # the 1-minute load average every 10 s
            time.sleep(min(10.0, max(0.0, args.seconds - (time.monotonic() - started))))
            loads.append(os.getloadavg()[0])
        rec.measuring = False
        elapsed = time.monotonic() - started
        mem_end = rss_of_web(t)
        load_end = os.getloadavg()[0]
        cases_done = t.sql(t.db, "SELECT count(*) FROM cases_case WHERE status = 'completed'")[0][0] - cases_before
        stop.set()
        for th in threads:
            th.join(timeout=30)
        backlog = t.sql(
            t.db, "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
        )[0][0]
        lag = t.replication_lag_bytes()
        isolation = t.isolation

    total = sum(len(v) for v in rec.samples.values())
    errors = sum(rec.errors.values())
    rows: list[dict[str, Any]] = [
        {"name": "requests", "value": total, "unit": "requests", "target": "",
         "notes": f"{args.users} simulated people for {elapsed:.0f} s after {args.warmup} s warm-up"},
        {"name": "throughput", "value": total / elapsed, "unit": "req/s", "target": "", "notes": ""},
        {"name": "error rate", "value": 100.0 * errors / max(total, 1), "unit": "%", "target": "0 %",
         "notes": "; ".join(rec.examples[:3])},
    ]  # fmt: skip
    for kind in sorted(rec.samples):
        values = rec.samples[kind]
        target = WRITE_P95_MS if kind in WRITES else READ_P95_MS
        rows.append(
            {"name": f"{kind} p95", "value": pct(values, 95), "unit": "ms",
             "target": f"≤ {target:.0f} ms (G20, box not shared)",
             "notes": f"p50 {pct(values, 50):.0f} ms, {len(values)} requests, {rec.errors.get(kind, 0)} errors"}
        )  # fmt: skip
    for name in mem_start:
        growth = 100.0 * (mem_end[name] - mem_start[name]) / mem_start[name]
        rows.append(
            {"name": f"{name} memory growth", "value": growth, "unit": "%", "target": "≤ 10 %",
             "notes": f"RSS {mem_start[name]:.0f} → {mem_end[name]:.0f} MiB"}
        )  # fmt: skip
    rows.append({"name": "cases carried to completion", "value": cases_done, "unit": "cases", "target": "",
                 "notes": f"task backlog at the end {backlog}, replica lag {lag} bytes"})  # fmt: skip
    notes = (
        f"Topology: {isolation}. Two granian web processes (1 worker × 2 threads each, production mode, "
        "staff TOTP), one `tongban worker`, PostgreSQL 15 primary with a streaming replica (public verification, "
        "catalog and outlet reads go to it), Redis, moto's S3 server; the simulated people run in the same "
        "process as the measurement, on the same 2 cores as everything else. Load average (1 min) "
        f"{load_start:.1f} when the measured window began, {load_end:.1f} when it ended, mean "
        f"{statistics.fmean(loads):.1f} and max {max(loads):.1f} over it (every 10 s). The p95 targets are G20's "
        "for this 2-core box running only the service and the load; with other work on the box (load above 2) "
        "the p95 figures measure the sharing, not the service."
    )
    command = f".venv/bin/python bench/bench_soak.py --seconds {args.seconds} --users {args.users}"
    write_results("soak", "Soak: mixed load against two web processes (G20)", command, rows, notes)
    print(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
