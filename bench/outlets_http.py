"""HTTP parts of bench_outlets.py: the nearest-outlet API and booking, served by granian.

Both build a throw-away instance: the API on SQLite in a temporary TONGBAN_VAR_DIR with the demo
outlets (``tongban gen-outlets``); booking on a fresh PostgreSQL database (DATABASE_URL's server)
with Redis for the rate-limit counters when one answers on 127.0.0.1:6379, as in production.
"""

from __future__ import annotations

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402  (path set up above for a plain checkout)

SECONDS = 8
ITEM = "driver_licence_replace"


def _tongban(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(common.VENV_BIN / "tongban"), *args], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def _nearest_paths(n: int = 500) -> list[str]:
    rng = random.Random(6)
    items = [ITEM, "id_card_renew", "no_criminal_record", "passport", ""]
    paths = []
    for _ in range(n):
        lat = 30.27 + rng.gauss(0, 0.08)
        lng = 120.15 + rng.gauss(0, 0.1)
        paths.append(f"/api/v1/outlets/nearest?lat={lat:.5f}&lng={lng:.5f}&item={rng.choice(items)}&k=5")
    return paths


def bench_api(runs: int, seconds: int = SECONDS) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="tongban-bench-outlets-") as tmp:
        # Explicit: common.serve() starts from os.environ, so an inherited DATABASE_URL (set for the
        # booking part) must not point the SQLite instance at another database.
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env |= {
            "TONGBAN_VAR_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/tongban.sqlite3",
            "REDIS_URL": "",
            "DJANGO_SETTINGS_MODULE": "tongban.config.settings",
            "TONGBAN_LOG_LEVEL": "WARNING",
        }
        _tongban(env, "migrate", "--noinput", "-v", "0")
        _tongban(env, "gen-outlets")
        paths = _nearest_paths()
        nearest: list[dict[str, float]] = []
        bare: list[float] = []
        with common.serve(env=env, workers=2) as base:
            common.wrk(base, paths, seconds=6)  # both workers build their snapshot and per-item quadtrees
            for _ in range(runs):
                r = common.wrk(base, paths, seconds=seconds)
                if r["errors"] or r["non2xx"] or not r["requests"]:
                    raise RuntimeError(f"nearest API: errors {r}")
                nearest.append(r)
                bare.append(common.bare_baseline(base, seconds=seconds)["rps"])
    rps = statistics.median(r["rps"] for r in nearest)
    p95 = statistics.median(r["p95_ms"] for r in nearest)
    bare_rps = statistics.median(bare)
    return [
        {
            "name": "nearest outlet through the API (GET /api/v1/outlets/nearest)",
            "value": round(rps),
            "unit": "requests/s",
            "target": ">= 1500",
            "notes": f"granian, 2 workers, 2 cores shared with wrk (16 connections); 210 demo outlets, "
            f"500 random points × 5 items; p95 {p95:.1f} ms; median of {runs} × {seconds} s",
        },
        {
            "name": "nearest-outlet API as a share of the bare JSON endpoint",
            "value": round(rps / bare_rps * 100),
            "unit": "%",
            "target": "",
            "notes": f"bare /bench/bare {bare_rps:,.0f} requests/s in the same runs",
        },
    ]


# --- booking on PostgreSQL ------------------------------------------------------------------------

_BOOK_LUA = """
local tokens = {}
for line in io.lines("%(tokens)s") do tokens[#tokens + 1] = line end
local slots = {%(slots)s}
local counter = 0
local thread_offset = 0
local threads = {}
setup = function(thread)
  thread:set("offset", thread_offset)
  thread_offset = thread_offset + 1
  table.insert(threads, thread)
end
request = function()
  local i = counter * %(threads)d + offset
  counter = counter + 1
  local token = tokens[(i %% #tokens) + 1]
  local slot = slots[(i %% #slots) + 1]
  local body = string.format('{"slot_id": %%d, "item_code": "%(item)s"}', slot)
  return wrk.format("POST", "/api/v1/appointments/", {
    ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
statuses = {}
response = function(status, headers, body)
  if status ~= 201 then statuses[status] = (statuses[status] or 0) + 1 end
end
done = function(summary, latency, requests)
  local agg = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do agg[k] = (agg[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(agg) do parts[#parts + 1] = string.format('"%%d": %%d', k, v) end
  local f = io.open("%(out)s", "w")
  f:write(string.format('{"requests": %%d, "duration_us": %%d, "errors": %%d, "non2xx": %%d, "p95_ms": %%.3f, ' ..
    '"statuses": {%%s}}',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(95) / 1000, table.concat(parts, ", ")))
  f:close()
end
"""


def _postgres_up(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=1):
            return True
    except OSError:
        return False


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _setup_booking_db(env: dict[str, str], users: int, n_slots: int, capacity: int, out: Path) -> list[int]:
    """Citizens with bearer tokens, one bookable outlet with ``n_slots`` future slots."""
    code = f"""
import datetime as dt, django, secrets
django.setup()
from tongban.accounts.models import ApiToken, User
from tongban.appointments.models import Slot
from tongban.common.clock import now
from tongban.common.ids import make_id_number
from tongban.outlets.services import outlet_upsert
at = now()
o = outlet_upsert(code="BENCH-PS", name="bench", kind="police_station", region_code="330106",
                  lat=30.28, lng=120.15, bookable=True, items=["{ITEM}"], at=at)
start = at + dt.timedelta(days=2)
Slot.objects.bulk_create([Slot(outlet=o, group="jiaoguan", start=start + dt.timedelta(minutes=30 * i),
                               end=start + dt.timedelta(minutes=30 * i + 30), capacity={capacity})
                          for i in range({n_slots})])
us = [User(username=make_id_number("330106", dt.date(1960, 1, 1) + dt.timedelta(days=i % 15000), 1 + i // 15000),
           role="citizen", real_name="bench") for i in range({users})]
for u in us:
    u.id_number = u.username
    u.password = "!"
User.objects.bulk_create(us, batch_size=2000)
raws = []
toks = []
for u in User.objects.filter(real_name="bench").order_by("pk"):
    raw = "tb_" + secrets.token_urlsafe(24)
    raws.append(raw)
    toks.append(ApiToken(user=u, name="bench", key_hash=ApiToken.hash_key(raw), expires_at=at + dt.timedelta(days=30)))
ApiToken.objects.bulk_create(toks, batch_size=2000)
open("{out}", "w").write("\\n".join(raws) + "\\n")
print(",".join(str(s) for s in Slot.objects.filter(outlet=o).values_list("pk", flat=True)))
"""
    res = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    if res.returncode:
        raise RuntimeError(f"booking set-up failed: {res.stderr[-3000:]}")
    return [int(x) for x in res.stdout.strip().splitlines()[-1].split(",")]


def _check_no_overbooking(env: dict[str, str]) -> tuple[int, int, int]:
    code = """
import django
django.setup()
from django.db.models import Count, Q
from tongban.appointments.models import Slot
rows = Slot.objects.annotate(n=Count("appointments", filter=Q(appointments__status="booked")))
over = sum(1 for s in rows if s.booked > s.capacity)
mismatch = sum(1 for s in rows if s.booked != s.n)
print(over, mismatch, sum(s.n for s in rows))
"""
    res = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    over, mismatch, total = (int(x) for x in res.stdout.split())
    return over, mismatch, total


def bench_booking(runs: int, seconds: int = SECONDS) -> list[dict[str, Any]]:
    # As bench_cases.py: the local PostgreSQL server unless DATABASE_URL names another one.
    url = os.environ.get("DATABASE_URL", "") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not url.startswith("postgres") or not _postgres_up(url):
        return [
            {
                "name": "booking on PostgreSQL",
                "value": "not run",
                "unit": "",
                "target": ">= 300",
                "notes": f"no PostgreSQL server at {urlsplit(url).netloc or url}: set DATABASE_URL=postgres://...",
            }
        ]
    parts = urlsplit(url)
    # Named after DATABASE_URL's database, so benches of different checkouts do not collide.
    db = f"{parts.path.lstrip('/') or 'tongban'}_bench_booking"
    bench_url = urlunsplit(parts._replace(path=f"/{db}"))
    admin = ["psql", urlunsplit(parts._replace(path="/postgres")), "-q", "-c"]
    rates: list[float] = []
    p95s: list[float] = []
    booked_total = 0
    checks: list[tuple[int, int, int]] = []
    refused: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="tongban-bench-booking-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env |= {
            "TONGBAN_VAR_DIR": tmp,
            "DATABASE_URL": bench_url,
            "TONGBAN_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "tongban.config.settings",
        }
        env["REDIS_URL"] = "redis://127.0.0.1:6379/14" if _redis_up() else ""
        for run in range(runs):
            subprocess.run([*admin, f"DROP DATABASE IF EXISTS {db}"], check=True)
            subprocess.run([*admin, f"CREATE DATABASE {db}"], check=True)
            _tongban(env, "migrate", "--noinput", "-v", "0")
            tokens = Path(tmp) / "tokens.txt"
            # Capacity below demand on purpose: about a third of the requests meet a full slot.
            slots = _setup_booking_db(env, users=12_000, n_slots=40, capacity=200, out=tokens)
            if env["REDIS_URL"]:
                subprocess.run(["redis-cli", "-n", "14", "FLUSHDB"], check=False, capture_output=True)
            script = Path(tmp) / "book.lua"
            out = Path(tmp) / f"out{run}.json"
            script.write_text(
                _BOOK_LUA
                % {"tokens": tokens, "slots": ",".join(map(str, slots)), "item": ITEM, "out": out, "threads": 2}
            )
            with common.serve(env=env, workers=2) as base:
                # Warm both workers (Django, the API routers, the outlet snapshot) before measuring.
                common.wrk(base, ["/api/v1/appointments/slots?outlet=BENCH-PS&item=" + ITEM], seconds=3)
                subprocess.run(
                    [
                        common.ensure_wrk(),
                        "-t",
                        "2",
                        "-c",
                        "16",
                        "-d",
                        f"{seconds}s",
                        "--timeout",
                        "10s",
                        "-s",
                        str(script),
                        base,
                    ],
                    check=True,
                    capture_output=True,
                    timeout=seconds + 60,
                )
            r = json.loads(out.read_text())
            if r["errors"]:
                raise RuntimeError(f"booking: socket errors {r}")
            over, mismatch, total = _check_no_overbooking(env)
            checks.append((over, mismatch, total))
            if not r["requests"]:
                raise RuntimeError(f"booking: no request completed {r}")
            rates.append(r["requests"] / (r["duration_us"] / 1e6))
            p95s.append(r["p95_ms"])
            booked_total += total
            for status, n in r["statuses"].items():
                refused[status] = refused.get(status, 0) + n
        subprocess.run([*admin, f"DROP DATABASE IF EXISTS {db}"], check=False)
    overbooked = sum(c[0] for c in checks)
    mismatched = sum(c[1] for c in checks)
    return [
        {
            "name": "booking through the API on PostgreSQL (POST /api/v1/appointments/)",
            "value": round(statistics.median(rates)),
            "unit": "requests/s",
            "target": ">= 300",
            "notes": f"granian, 2 workers, wrk 16 connections on the same 2 cores; 12,000 citizens with bearer "
            f"tokens, 40 slots × capacity 200; {booked_total:,} booked, other answers by HTTP status "
            f"{json.dumps(refused) if refused else 'none'} over {runs} runs; "
            f"p95 {statistics.median(p95s):.0f} ms; median of {runs} × {seconds} s; "
            f"rate limits in {'Redis' if env['REDIS_URL'] else 'the file cache'}",
        },
        {
            "name": "overbooked slots after the booking runs",
            "value": overbooked,
            "unit": "slots",
            "target": "0",
            "notes": f"slots whose count differs from their active bookings: {mismatched}",
        },
    ]


if __name__ == "__main__":
    print(json.dumps(bench_api(1, 3), indent=1))
    print(json.dumps(bench_booking(1, 3), indent=1))
