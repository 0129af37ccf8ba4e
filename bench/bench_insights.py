"""Figures benchmark on PostgreSQL with 10,000,000 cases in the table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_insights.py \
        [--cases 10000000] [--day 50000] [--reps 3] [--keep] [--reuse [--rebuild-figures]]

Builds a throw-away database (``TONGBAN_BENCH_INSIGHTS_DB``, default ``tongban_bench_insights``):
migrated, a 20,000-person synthetic city with its ~200 outlets, then ``--cases`` synthetic cases
over the last two years bulk-loaded with COPY (the case table's secondary indexes and foreign keys
are dropped for the load and made again after, then VACUUM (ANALYZE) and CHECKPOINT), and every
figure built from them (``figures_rebuild``). Then:

- refresh: a day of ``--day`` new cases is COPY-loaded with their history (submitted, accepted,
  decided, completed), materials and ratings (差评 with their follow-ups), and the incremental
  ``figures_refresh`` that brings the figures up to date is timed (target <= 10 s);
- dashboard and CSV: the app is served by granian (2 workers, as ``make serve``) and the
  dashboard page ``/insights/`` and a CSV download are requested one at a time for every
  combination of seven periods and the scopes of three roles (the bureau: city, district,
  outlet, department, item and their pairs; an outlet head; a department head), each
  ``--reps`` times after a warm-up; p95 and the worst combination are reported (target p95 <= 200 ms).

``--reuse`` keeps a database that already holds ``--cases`` cases and its figures (the new day is
removed and loaded again); with ``--rebuild-figures`` the cases are kept but every figure is built
again (``figures_rebuild``, timed), as after a change to the facts or the rollups. Results go to
bench/results/insights.json (a run with another ``--cases`` to bench/results/insights-<thousands>k.json).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402  (path set up above for a plain checkout)

from tongban.common.clock import SHANGHAI  # noqa: E402

DB_NAME = os.environ.get("TONGBAN_BENCH_INSIGHTS_DB", "tongban_bench_insights")
NEW_DAY_MARK = "-7"  # case numbers of the new day: <region>-<yyyymmdd>-7nnnnn
NULL = "\\N"  # COPY's text format for NULL
CASE_COLUMNS = [
    "number",
    "item_code",
    "item_version",
    "item_name",
    "department",
    "status",
    "channel",
    "applicant_id_number",
    "applicant_name",
    "accepting_outlet_id",
    "handling_outlet_id",
    "handling_region",
    "form_data",
    "submitted_at",
    "accepted_at",
    "decided_at",
    "closed_at",
    "updated_at",
    "limit_value",
    "limit_unit",
    "deadline_at",
    "under_commitment",
    "reason",
    "result_reference",
]


def _admin_url(url: str) -> str:
    return f"{url.rpartition('/')[0]}/postgres"


def db_url_for(url: str) -> str:
    return f"{url.rpartition('/')[0]}/{DB_NAME}"


def create_database(url: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def drop_database(url: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def existing_cases(url: str) -> int:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone() is None:
            return 0
    try:
        with psycopg.connect(db_url_for(url)) as conn:
            row = conn.execute("SELECT count(*) FROM cases_case").fetchone()
            facts = conn.execute("SELECT count(*) FROM insights_casefact").fetchone()
            return int(row[0]) if row and facts and facts[0] else 0
    except psycopg.Error:
        return 0


def tongban(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(common.VENV_BIN / "tongban"), *args], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def setup_django(db_url: str, var_dir: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["TONGBAN_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")
    import django

    django.setup()


# --- synthetic cases ------------------------------------------------------------------------------


class World:
    """What the generator draws from: the items with their weights and channels, the outlets
    that handle each item (by kind), the districts."""

    def __init__(self, rng: random.Random) -> None:
        from tongban.catalog.selectors import items_list
        from tongban.outlets.models import Outlet, OutletItem

        self.rng = rng
        self.items = [i for i in items_list()]
        self.weights = [1.0 / (k + 1) ** 0.8 for k in range(len(self.items))]  # a few items dominate
        kinds = dict(Outlet.objects.values_list("pk", "kind"))
        self.region = dict(Outlet.objects.values_list("pk", "region_code"))
        by_item: dict[str, list[int]] = {}
        for outlet_id, code in OutletItem.objects.values_list("outlet_id", "item_code"):
            by_item.setdefault(code, []).append(outlet_id)
        self.windows = {c: [o for o in os_ if kinds[o] not in ("kiosk", "all_in_one_5g")] for c, os_ in by_item.items()}
        self.kiosks = {c: [o for o in os_ if kinds[o] in ("kiosk", "all_in_one_5g")] for c, os_ in by_item.items()}
        self.districts = sorted(set(self.region.values()))

    def pick_items(self, n: int) -> list[Any]:
        return self.rng.choices(self.items, weights=self.weights, k=n)


def _channel(rng: random.Random, item: Any, world: World) -> tuple[str, int | None, int | None, str]:
    """(channel, accepting outlet, handling outlet, handling region) of one case."""
    chans = [c for c in item.channels if c != "kiosk" or world.kiosks.get(item.code)]
    if "window" in chans and not world.windows.get(item.code):
        chans.remove("window")
    weights = {"online": 5, "window": 4, "kiosk": 1, "phone": 1}
    channel = rng.choices(chans, weights=[weights[c] for c in chans])[0] if chans else "online"
    if channel == "window":
        outlet = rng.choice(world.windows[item.code])
        return channel, outlet, outlet, world.region[outlet]
    if channel == "kiosk":
        outlet = rng.choice(world.kiosks[item.code])
        return channel, outlet, None, world.region[outlet]
    handlers = world.windows.get(item.code) or []
    if handlers and rng.random() < 0.9:
        outlet = rng.choice(handlers)
        return channel, None, outlet, world.region[outlet]
    return channel, None, None, rng.choice(world.districts)


def case_lines(world: World, *, days: list[dt.date], per_day: list[int], open_after: dt.date) -> Any:
    """Yield COPY text lines (in chunks) of synthetic cases, day by day: mostly finished, some
    withdrawn, refused or denied, 3 % decided late, a third of the last two weeks' still open.
    Times are minutes from the first day (local), turned into text from small tables: the
    generator must keep up with COPY for ten million rows."""
    import numpy as np

    npr = np.random.default_rng(2026)
    rng = world.rng
    first = days[0]
    day_text = [f"{first + dt.timedelta(days=k):%Y-%m-%d} " for k in range(len(days) + 400)]
    hm_text = [f"{m // 60:02d}:{m % 60:02d}:00+08" for m in range(1440)]

    def ts(t: int) -> str:
        return day_text[t // 1440] + hm_text[t % 1440]

    items = world.items
    p = np.array(world.weights) / sum(world.weights)
    weights = {"online": 5, "window": 4, "kiosk": 1, "phone": 1}
    plans = []
    for item in items:
        chans = [c for c in item.channels if (c != "kiosk" or world.kiosks.get(item.code))]
        chans = [c for c in chans if c != "window" or world.windows.get(item.code)] or ["online"]
        total = sum(weights[c] for c in chans)
        cum, acc = [], 0.0
        for c in chans:
            acc += weights[c] / total
            cum.append(acc)
        limit = max(1, item.promised_limit.value if item.promised_limit.unit == "working_days" else 1)
        head = "\t".join([item.code, str(item.version), item.name_zh[:120], item.department])
        plans.append((item, chans, cum, limit, head))
    regions = world.region
    districts = world.districts
    out: list[str] = []
    for k, (day, count) in enumerate(zip(days, per_day, strict=True)):
        recent = day >= open_after
        picks = npr.choice(len(items), size=count, p=p).tolist()
        u = npr.random((count, 6)).tolist()
        seq: dict[str, int] = {}
        base = k * 1440 + 540
        stamp = f"{day:%Y%m%d}"
        for idx, (u0, u1, u2, u3, u4, u5) in zip(picks, u, strict=True):
            item, chans, cum, limit, head = plans[idx]
            channel = chans[-1]
            for c, edge in zip(chans, cum, strict=True):
                if u0 <= edge:
                    channel = c
                    break
            acc = hand = NULL
            if channel == "window":
                o = world.windows[item.code][int(u1 * len(world.windows[item.code]))]
                acc = hand = str(o)
                region = regions[o]
            elif channel == "kiosk":
                o = world.kiosks[item.code][int(u1 * len(world.kiosks[item.code]))]
                acc, region = str(o), regions[o]
            else:
                handlers = world.windows.get(item.code) or []
                if handlers and u1 < 0.9:
                    o = handlers[int(u1 / 0.9 * len(handlers))]
                    hand, region = str(o), regions[o]
                else:
                    region = districts[int(u1 * len(districts)) % len(districts)]
            n = seq[region] = seq.get(region, 0) + 1
            submitted = base + int(u2 * 480)
            accepted = decided = closed = deadline = -1
            if recent and u3 < 0.35:
                status = ("submitted", "accepted", "in_review", "accepted")[int(u3 / 0.35 * 4)]
            elif u3 < 0.02:
                status = "refused_at_intake"
            elif u3 < 0.05:
                status = "withdrawn"
            elif u3 < 0.08:
                status = "denied"
            else:
                status = "completed"
            if status not in ("submitted", "refused_at_intake"):
                accepted = submitted + (5 + int(u4 * 20) if channel == "window" else 30 + int(u4 * 1440))
                deadline = accepted + (round(limit * 1.4) + 1) * 1440
            if status in ("denied", "completed"):
                late = u5 < 0.03
                span = limit * 1.4 * (1.1 + u5 * 30 if late else (u5 - 0.03) ** 2)
                decided = accepted + int(span * 1440)
                closed = decided + 60 + int(u4 * 2880) if status == "completed" else decided
            elif status == "withdrawn":
                closed = submitted + 60 + int(u4 * 5700)
            elif status == "refused_at_intake":
                closed = submitted + 20
            updated = max(submitted, accepted, decided, closed)
            times = "\t".join(ts(t) if t >= 0 else NULL for t in (submitted, accepted, decided, closed, updated))
            dl = ts(deadline) if deadline >= 0 else NULL
            out.append(
                f"{region}-{stamp}-9{n:05d}\t{head}\t{status}\t{channel}\t330106199005171234\t测试\t{acc}\t"
                f"{hand}\t{region}\t{{}}\t{times}\t{limit}\tworking_days\t{dl}\tf\t\t\n"
            )
            if len(out) >= 50_000:
                yield "".join(out)
                out = []
    del rng
    if out:
        yield "".join(out)


def per_day_counts(days: list[dt.date], total: int) -> list[int]:
    weights = [1.0 if d.weekday() < 5 else 0.3 for d in days]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[-1] += total - sum(counts)
    return counts


def _table_ddl(conn: Any, table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The secondary indexes and the foreign-key/unique constraints of a table (name, SQL)."""
    cons = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
        (table,),
    ).fetchall()
    names = {c for c, _ in cons}
    idx = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND i.indexname NOT LIKE %s",
        (table, "%_pkey"),
    ).fetchall()
    return [(n, d) for n, d in idx if n not in names], [(n, d) for n, d in cons]


def load_cases(db_url: str, world: World, *, n: int, today: dt.date) -> float:
    """COPY ``n`` cases over the two years before ``today`` (indexes and foreign keys dropped
    for the load and made again after). Returns seconds."""
    import psycopg

    started = time.perf_counter()
    days = [today - dt.timedelta(days=k) for k in range(730, 0, -1)]
    counts = per_day_counts(days, n)
    with psycopg.connect(db_url, autocommit=True) as conn:
        indexes, constraints = _table_ddl(conn, "cases_case")
        for name, _ddl in constraints:
            conn.execute(f'ALTER TABLE cases_case DROP CONSTRAINT "{name}"')
        for name, _ddl in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        cols = ", ".join(CASE_COLUMNS)
        with conn.cursor() as cur, cur.copy(f"COPY cases_case ({cols}) FROM STDIN") as copy:
            for chunk in case_lines(world, days=days, per_day=counts, open_after=today - dt.timedelta(days=14)):
                copy.write(chunk)
        print(f"  COPY {n:,} cases: {time.perf_counter() - started:.0f} s", flush=True)
        for _name, ddl in indexes:
            conn.execute(ddl)
        for name, ddl in constraints:
            conn.execute(f'ALTER TABLE cases_case ADD CONSTRAINT "{name}" {ddl}')
        conn.execute("VACUUM (ANALYZE) cases_case")
        conn.execute("CHECKPOINT")
    return time.perf_counter() - started


# --- the new day -------------------------------------------------------------------------------------


def day_rows(world: World, *, day: dt.date, n: int) -> list[list[Any]]:
    """``n`` cases submitted on ``day``: 45 % decided and completed that day, the rest accepted,
    in review, waiting, refused at intake or withdrawn."""
    rng, utc = world.rng, dt.UTC
    base = dt.datetime.combine(day, dt.time(9), SHANGHAI).astimezone(utc)
    seq: dict[str, int] = {}
    rows = []
    for item in world.pick_items(n):
        channel, acc, hand, region = _channel(rng, item, world)
        seq[region] = seq.get(region, 0) + 1
        number = f"{region}-{day:%Y%m%d}{NEW_DAY_MARK}{seq[region]:05d}"
        submitted = base + dt.timedelta(minutes=rng.randrange(360))
        limit = max(1, item.promised_limit.value if item.promised_limit.unit == "working_days" else 1)
        status = rng.choices(
            ["completed", "accepted", "in_review", "submitted", "refused_at_intake", "withdrawn"],
            weights=[45, 40, 5, 5, 3, 2],
        )[0]
        accepted = decided = closed = deadline = None
        if status in ("completed", "accepted", "in_review", "withdrawn"):
            accepted = submitted + dt.timedelta(minutes=5 + rng.randrange(20))
            deadline = accepted + dt.timedelta(days=round(limit * 1.4) + 1)
        if status == "completed":
            assert accepted is not None
            decided = accepted + dt.timedelta(minutes=30 + rng.randrange(90))
            closed = decided + dt.timedelta(minutes=20)
        elif status in ("refused_at_intake", "withdrawn"):
            closed = submitted + dt.timedelta(minutes=40)
        updated = closed or decided or accepted or submitted
        rows.append(
            [number, item.code, item.version, item.name_zh[:120], item.department, status, channel,
             "330106199005171234", "测试", acc, hand, region, "{}", submitted, accepted, decided, closed,
             updated, limit, "working_days", deadline, False, "", ""]
        )  # fmt: skip
    return rows


def _history(case: tuple[Any, ...]) -> list[tuple[str, str, str, Any]]:
    """(from, to, role, at) of the moves of one new case."""
    _id, channel, status, submitted, accepted, decided, closed = case
    clerk = channel == "window"
    moves = [("", "submitted", "clerk" if clerk else "citizen", submitted)]
    if accepted is not None:
        moves.append(("submitted", "accepted", "clerk" if clerk else "approver", accepted))
    if status == "in_review":
        moves.append(("accepted", "in_review", "approver", accepted + dt.timedelta(minutes=10)))
    if status == "completed":
        moves += [
            ("accepted", "in_review", "approver", decided - dt.timedelta(minutes=5)),
            ("in_review", "approved", "approver", decided),
            ("approved", "result_issued", "system", decided + dt.timedelta(minutes=1)),
            ("result_issued", "completed", "clerk" if clerk else "citizen", closed),
        ]
    if status == "refused_at_intake":
        moves.append(("submitted", "refused_at_intake", "clerk" if clerk else "approver", closed))
    if status == "withdrawn":
        moves.append(("accepted", "withdrawn", "citizen", closed))
    return moves


def load_day(db_url: str, world: World, *, day: dt.date, n: int) -> dict[str, int]:
    """COPY the new day's cases, their history, materials and ratings (with the follow-ups of the
    差评). Returns the row counts."""
    import psycopg

    rng = world.rng
    counts: dict[str, int] = {}
    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        rows = day_rows(world, day=day, n=n)
        with cur.copy(f"COPY cases_case ({', '.join(CASE_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        counts["cases"] = len(rows)
        cases = cur.execute(
            "SELECT id, channel, status, submitted_at, accepted_at, decided_at, closed_at, number, item_code, "
            "item_name, department, coalesce(accepting_outlet_id, handling_outlet_id), handling_region "
            "FROM cases_case WHERE submitted_at >= %s AND submitted_at < %s AND split_part(number, '-', 3) LIKE %s",
            (
                dt.datetime.combine(day, dt.time(0), SHANGHAI),
                dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), SHANGHAI),
                NEW_DAY_MARK[1:] + "%",
            ),
        ).fetchall()
        events = 0
        with cur.copy(
            "COPY cases_caseevent (case_id, from_status, to_status, actor_label, role, outlet_id, at, reason, data) "
            "FROM STDIN"
        ) as copy:
            for c in cases:
                outlet = c[11] if c[1] == "window" else None
                for frm, to, role, at in _history(c[:7]):
                    copy.write_row([c[0], frm, to, role, role, outlet if role == "clerk" else None, at, "", "{}"])
                    events += 1
        counts["history rows"] = events
        with cur.copy(
            "COPY cases_casematerial (case_id, code, name_zh, required, state, source, provenance, reference, "
            "facts, file, updated_at) FROM STDIN"
        ) as copy:
            for c in cases:
                copy.write_row([c[0], "hukou_book", "户口簿", True, "supplied", "hukou", "户籍", "", "{}", "", c[3]])
                paper = "presented" if rng.random() < 0.3 else "supplied"
                copy.write_row([c[0], "id_card", "身份证", True, paper, "id_card", "", "", "{}", "", c[3]])
        counts["materials"] = 2 * len(cases)
        rated = [c for c in cases if c[2] == "completed" and rng.random() < 0.6]
        with cur.copy(
            "COPY feedback_rating (case_id, case_number, occasion, channel, scheme_version, level, scores, comment, "
            "bad, item_code, item_name, department, outlet_id, district, rated_at) FROM STDIN"
        ) as copy:
            for c in rated:
                level = rng.choices([5, 4, 3, 2, 1], weights=[80, 12, 5, 2, 1])[0]
                district = world.region.get(c[11], c[12]) if c[11] else c[12]
                channel = "window" if c[1] == "window" else "online"
                copy.write_row(
                    [c[0], c[7], "completion", channel, 1, level, "{}", "", level <= 2, c[8], c[9], c[10], c[11],
                     district[:6], c[6] + dt.timedelta(minutes=10)]
                )  # fmt: skip
        counts["ratings"] = len(rated)
        cur.execute(
            "INSERT INTO feedback_ratingevent (rating_id, kind, at, actor_label, note) "
            "SELECT id, 'rated', rated_at, '', '' FROM feedback_rating r "
            "WHERE r.case_id = ANY(%s)",
            ([c[0] for c in rated],),
        )
        cur.execute(
            "INSERT INTO feedback_followup (rating_id, state, outlet_id, department, opened_at, due_at, contact_note, "
            "verify_note, rectify_note, answer) SELECT id, 'open', outlet_id, department, rated_at, "
            "rated_at + interval '21 days', '', '', '', '' FROM feedback_rating WHERE bad AND case_id = ANY(%s)",
            ([c[0] for c in rated],),
        )
        counts["follow-ups"] = cur.rowcount
        conn.commit()
    return counts


def remove_day(db_url: str, *, day: dt.date) -> None:
    """Take a new day loaded by an earlier run out again (--reuse)."""
    import psycopg

    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        ids = [
            r[0]
            for r in cur.execute(
                "SELECT id FROM cases_case WHERE submitted_at >= %s AND split_part(number, '-', 3) LIKE %s",
                (dt.datetime.combine(day, dt.time(0), SHANGHAI), NEW_DAY_MARK[1:] + "%"),
            ).fetchall()
        ]
        if not ids:
            return
        rating = "(SELECT id FROM feedback_rating WHERE case_id = ANY(%s))"
        for sql in (
            f"DELETE FROM feedback_followup WHERE rating_id IN {rating}",  # noqa: S608  (constant SQL)
            f"DELETE FROM feedback_ratingevent WHERE rating_id IN {rating}",  # noqa: S608
            "DELETE FROM feedback_rating WHERE case_id = ANY(%s)",
            "DELETE FROM insights_casefact WHERE case_id = ANY(%s)",
            "DELETE FROM cases_caseevent WHERE case_id = ANY(%s)",
            "DELETE FROM cases_casematerial WHERE case_id = ANY(%s)",
            "DELETE FROM cases_case WHERE id = ANY(%s)",
        ):
            cur.execute(sql, (ids,))
        conn.commit()


# --- the pages ---------------------------------------------------------------------------------------


def combinations(today: dt.date, world: World, users: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(role, description, query string) of every period × scope measured."""
    from urllib.parse import urlencode

    from tongban.insights.models import CaseFact

    first = today.replace(day=1)
    last_month_end = first - dt.timedelta(days=1)
    periods = {
        "7 days": (today - dt.timedelta(days=6), today),
        "30 days": (today - dt.timedelta(days=29), today),
        "this month": (first, today),
        "last month": (last_month_end.replace(day=1), last_month_end),
        "365 days": (today - dt.timedelta(days=364), today),
        "this year": (today.replace(month=1, day=1), today),
        "two years": (today - dt.timedelta(days=729), today),
    }
    busiest = (
        CaseFact.objects.filter(outlet_id__isnull=False, channel="window")
        .values_list("outlet_id", "district", "item_code")
        .order_by("-submitted_day")
        .first()
    )
    assert busiest is not None
    outlet, district, item = busiest
    scopes = {
        "admin": [
            ("city", {}),
            ("district", {"district": district}),
            ("outlet", {"outlet": outlet}),
            ("department", {"department": "huzheng"}),
            ("item", {"item": item}),
            ("district+item", {"district": district, "item": item}),
            ("outlet+item", {"outlet": outlet, "item": item}),
            ("department+district", {"department": "huzheng", "district": district}),
        ],
        "outlet head": [("own outlet", {}), ("own outlet+item", {"item": item})],
        "department head": [("own department", {}), ("+district", {"district": district}), ("+item", {"item": item})],
    }
    out = []
    for role, options in scopes.items():
        for pname, (a, b) in periods.items():
            for sname, extra in options:
                q = urlencode({"start": a.isoformat(), "end": b.isoformat(), **extra})
                out.append((role, f"{role}: {sname}, {pname}", q))
    return out


def timed_get(url: str, cookie: str) -> tuple[float, int, int]:
    req = urllib.request.Request(url, headers={"Cookie": cookie})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=30) as r:
        body = r.read()
        status = r.status
    return (time.perf_counter() - start) * 1000, status, len(body)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(0.95 * len(ordered) + 0.999999) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000_000)
    parser.add_argument("--day", type=int, default=50_000, help="new cases in the day whose refresh is timed")
    parser.add_argument("--reps", type=int, default=3, help="measured requests per combination and kind")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument("--reuse", action="store_true", help=f"reuse {DB_NAME} when it holds --cases cases")
    parser.add_argument(
        "--rebuild-figures", action="store_true", help="with --reuse: keep the cases, build every figure again"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not url.startswith("postgres"):
        raise SystemExit("bench_insights needs DATABASE_URL=postgres://...")
    db_url = db_url_for(url)
    reuse = args.reuse and existing_cases(url) >= args.cases
    if not reuse:
        create_database(url)
    var_dir = str(Path(os.environ.get("TMPDIR", "/tmp")) / "tongban-bench-insights")
    env = {**os.environ, "DATABASE_URL": db_url, "TONGBAN_VAR_DIR": var_dir, "TONGBAN_LOG_LEVEL": "WARNING"}
    t0 = time.perf_counter()
    tongban(env, "migrate", "--noinput", "-v", "0")
    if not reuse:
        tongban(env, "gen-city", "--people", "20000", "--seed", "2026")
    setup_django(db_url, var_dir)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tongban.accounts.models import User
    from tongban.common.clock import now as clock_now
    from tongban.insights.models import CaseFact
    from tongban.insights.services import days_rebuild, figures_rebuild, figures_refresh
    from tongban.outlets.demo import demo_load as outlets_demo
    from tongban.workdays.demo import demo_load as calendar_demo
    from tongban.workdays.selectors import calendar_clear_cache

    now = clock_now()
    today = now.astimezone(SHANGHAI).date()
    new_day = today - dt.timedelta(days=1)
    calendar_demo(now=now, stdout=sys.stdout)
    calendar_clear_cache()
    if not reuse:
        outlets_demo(now=now, stdout=sys.stdout)
    world = World(random.Random(2026))
    load_s = rebuild_s = 0.0
    rebuild = not reuse or args.rebuild_figures
    if reuse:
        remove_day(db_url, day=new_day)
        if not rebuild:
            days_rebuild(days=[new_day])
        print(f"{DB_NAME}: reused; the new day was taken out again", flush=True)
    else:
        print(f"loading {args.cases:,} cases…", flush=True)
        load_s = load_cases(db_url, world, n=args.cases, today=new_day)
        print(f"  loaded and indexed in {load_s:.0f} s; building the figures…", flush=True)
    if rebuild:
        started = time.perf_counter()
        report = figures_rebuild(now=now)
        rebuild_s = time.perf_counter() - started
        print(f"  figures of {report.cases:,} cases, {report.days} days: {rebuild_s:.0f} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
            cursor.execute("CHECKPOINT")
    total = args.cases

    # 1. the incremental refresh of a day of new cases
    counts = load_day(db_url, world, day=new_day, n=args.day)
    print(f"new day {new_day}: {counts}", flush=True)
    refresh = figures_refresh(now=now)
    again = figures_refresh(now=now)
    print(f"refresh: {refresh}; again: {again}", flush=True)

    # 2. the dashboard and the CSV, one request at a time, every combination
    outlet_id = (
        CaseFact.objects.filter(channel="window", outlet_id__isnull=False)
        .values_list("outlet_id", flat=True)
        .order_by("-submitted_day")
        .first()
    )
    users = {
        "admin": User.objects.filter(username="bench-admin").first()
        or User.objects.create_user(username="bench-admin", role="admin", password="bench-pass-123"),  # noqa: S106
        "outlet head": User.objects.filter(username="bench-outlet-head").first()
        or User.objects.create_user(
            username="bench-outlet-head",
            role="clerk",
            outlet_id=outlet_id,
            supervisor=True,
            password="bench-pass-123",  # noqa: S106
        ),
        "department head": User.objects.filter(username="bench-dept-head").first()
        or User.objects.create_user(
            username="bench-dept-head",
            role="approver",
            department="huzheng",
            supervisor=True,
            password="bench-pass-123",  # noqa: S106
        ),
    }
    cookies = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        cookies[role] = "; ".join(
            f"{k}={client.cookies[k].value}" for k in ("sessionid", "csrftoken") if k in client.cookies
        )
    combos = combinations(today, world, users)
    probe = Client()
    probe.force_login(users["admin"])
    with CaptureQueriesContext(connection) as ctx:
        assert probe.get(f"/insights/?{combos[0][2]}").status_code == 200
    page_queries = len(ctx.captured_queries)
    load_before = os.getloadavg()[0]
    times: dict[str, list[float]] = {"page": [], "csv": []}
    worst: dict[str, tuple[float, str]] = {"page": (0.0, ""), "csv": (0.0, "")}
    bad = 0
    with common.serve(env=env, workers=2) as base:
        bare = [timed_get(f"{base}/bench/bare", "")[0] for _ in range(200)][20:]
        # Each worker process imports the figures' modules and compiles the template on its first
        # dashboard: a few requests first, so that the first combination measures the page, not that.
        for _ in range(8):
            for path in ("/insights/", "/insights/export/outlet.csv"):
                timed_get(f"{base}{path}?{combos[0][2]}", cookies[combos[0][0]])
        for role, label, query in combos:
            for kind, path in (("page", "/insights/"), ("csv", "/insights/export/outlet.csv")):
                page_url = f"{base}{path}?{query}"
                timed_get(page_url, cookies[role])  # warm-up (connections, caches)
                got = []
                for _ in range(args.reps):
                    ms, status, _size = timed_get(page_url, cookies[role])
                    bad += status != 200
                    got.append(ms)
                times[kind] += got
                if max(got) > worst[kind][0]:
                    worst[kind] = (max(got), label)
    load_after = os.getloadavg()[0]
    # The worst combinations again in this process, without HTTP: the whole request and the part
    # of it spent in the database (what the statements cost, apart from the HTTP server's share).
    inside: dict[str, str] = {}
    for kind, path in (("page", "/insights/"), ("csv", "/insights/export/outlet.csv")):
        role, query = next((r, q) for r, label, q in combos if label == worst[kind][1])
        client = Client()
        client.force_login(users[role])
        totals, sqls = [], []
        for _ in range(5):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                client.get(f"{path}?{query}")
                totals.append((time.perf_counter() - started) * 1000)
            sqls.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
        inside[kind] = (
            f"; that combination in-process (no HTTP), median of 5: {statistics.median(totals):.0f} ms, "
            f"of which {statistics.median(sqls):.0f} ms waiting on its {len(ctx.captured_queries)} SQL statements"
        )
    rows = [
        {
            "name": "bare JSON view /bench/bare, same server, one request at a time",
            "value": round(p95(bare), 1),
            "unit": "ms",
            "target": "",
            "notes": f"p95 of 180 requests (median {statistics.median(bare):.1f} ms): what this machine's load "
            "costs every request",
        }
    ]
    for kind, name in (("page", "dashboard page /insights/"), ("csv", "CSV download /insights/export/outlet.csv")):
        v = times[kind]
        rows.append(
            {
                "name": f"{name}, p95 over {len(combos)} filter combinations × {args.reps}",
                "value": round(p95(v), 1),
                "unit": "ms",
                "target": "p95 <= 200 ms",
                "notes": f"median {statistics.median(v):.1f} ms, max {max(v):.1f} ms ({worst[kind][1]}); "
                f"{len(v)} requests, non-200: {bad}"
                + (f"; {page_queries} queries per page" if kind == "page" else "")
                + inside[kind],
            }
        )
    rows.append(
        {
            "name": f"incremental refresh of a day of {counts['cases']:,} new cases",
            "value": round(refresh.seconds, 2),
            "unit": "s",
            "target": "<= 10 s",
            "notes": f"{refresh.cases:,} case facts written, {refresh.days} days and their months rebuilt; "
            f"{counts['history rows']:,} history rows, {counts['materials']:,} materials, "
            f"{counts['ratings']:,} ratings, {counts['follow-ups']:,} follow-ups loaded with them; "
            f"a refresh with nothing new: {again.seconds:.2f} s",
        }
    )
    if not reuse:
        rows.append(
            {
                "name": f"load {total:,} cases with COPY, then indexes, VACUUM (ANALYZE), CHECKPOINT",
                "value": round(load_s),
                "unit": "s",
                "target": "",
                "notes": "set-up of the bench",
            }
        )
    if rebuild:
        rows.append(
            {
                "name": f"figures_rebuild over {total:,} cases (facts and every day and month row)",
                "value": round(rebuild_s),
                "unit": "s",
                "target": "",
                "notes": "set-up of the bench; run once at installation (tongban figures-refresh --rebuild)",
            }
        )
    command = "DATABASE_URL=postgres://... .venv/bin/python bench/bench_insights.py" + (
        f" --cases {args.cases}" if args.cases != 10_000_000 else ""
    )
    # A smaller run (to find where the time goes) is kept apart from the 10M record.
    path = common.write_results(
        "insights" if args.cases == 10_000_000 else f"insights-{args.cases // 1000}k",
        f"Figures on PostgreSQL ({total:,} cases in the table)",
        command,
        rows,
        notes=f"granian 2 workers on the same machine, requests one at a time over loopback; setup and runs "
        f"{time.perf_counter() - t0:.0f} s; 1-minute load average {load_before:.1f} before and {load_after:.1f} after "
        "the HTTP runs (a load above 2 means other jobs shared the 2 cores)",
    )
    print(path.read_text())
    if not (args.keep or args.reuse):
        from django.db import connections

        connections.close_all()
        drop_database(url)


if __name__ == "__main__":
    main()
