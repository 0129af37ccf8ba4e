"""Cases benchmark on PostgreSQL with 1,000,000 cases in the table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_cases.py \
        [--cases 1000000] [--runs 3] [--seconds 8] [--keep] [--reuse] [--only submit,queue,mine]

``--reuse`` keeps and reuses an existing ``tongban_bench_cases`` that already holds at least
``--cases`` cases (earlier submit runs add some): it is migrated, the bench users are looked up,
and the three-minute build is skipped; otherwise the database is built as below. ``--only``
measures some of the pages (the bare view is always measured, for the ratios).

Builds a throw-away database ``tongban_bench_cases`` (migrated, a 20,000-person synthetic city,
1,000,000 cases bulk-loaded with COPY: mostly closed, ~3 % open across the four departments;
then VACUUM (ANALYZE) and CHECKPOINT, as a table in service would have had), then
serves it with the production WSGI server (granian, 2 workers, bench/common.py) and loads it with
wrk on the same 2-core machine:

- submit: POST /api/v1/cases/ (bearer token, a fresh Idempotency-Key per request, each request
  files a real case: registry lookup, number, materials, history, audit-chain row);
- queue: the approver's department queue page /cases/queue/ (session), most urgent first;
- mine: the citizen's case list /cases/mine/ (session);
- bare: /bench/bare in the same run, for the ratios.

Query counts of the two pages are measured in-process at two table sizes' worth of rows for the
same user (they must be equal). Every figure is the median of ``--runs`` runs; results go to
bench/results/cases.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402  (path set up above for a plain checkout)

DB_NAME = os.environ.get("TONGBAN_BENCH_CASES_DB", "tongban_bench_cases")  # another name: a private copy
DEPARTMENTS = ["huzheng", "churujing", "jiaoguan", "zhian"]
OPEN = ["submitted", "accepted", "in_review", "resubmitted"]
CLOSED = ["completed"] * 90 + ["denied"] * 3 + ["withdrawn"] * 3 + ["refused_at_intake"] * 2 + ["revoked"]


def _admin_url(url: str) -> str:
    base, _, _name = url.rpartition("/")
    return f"{base}/postgres"


def create_database(url: str) -> str:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return f"{url.rpartition('/')[0]}/{DB_NAME}"


def reusable_cases(url: str) -> int:
    """How many cases the existing bench database holds (0 when there is none, or no table)."""
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone() is None:
            return 0
    try:
        with psycopg.connect(f"{url.rpartition('/')[0]}/{DB_NAME}") as conn:
            # the planner's estimate is enough to reject an unfinished build; then count exactly
            row = conn.execute("SELECT reltuples FROM pg_class WHERE relname = 'cases_case'").fetchone()
            if row is None or row[0] < 1:
                return 0
            count = conn.execute("SELECT count(*) FROM cases_case").fetchone()
            return int(count[0]) if count else 0
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


def bulk_cases(n: int, *, now: dt.datetime, citizen_person: int, citizen_user: int) -> float:
    """COPY ``n`` synthetic cases into cases_case; returns seconds taken."""
    from django.db import connection

    from tongban.registry.models import Person

    rng = random.Random(2026)
    people = list(Person.objects.values_list("pk", "id_number", "name", "hukou_region")[:20000])
    items = {
        "huzheng": ("id_card_renew", "居民身份证换领"),
        "churujing": ("passport", "普通护照"),
        "jiaoguan": ("truck_pass", "货车通行码"),
        "zhian": ("no_criminal_record", "无犯罪记录证明"),
    }
    cols = [
        "number",
        "item_code",
        "item_version",
        "item_name",
        "department",
        "status",
        "channel",
        "person_id",
        "applicant_id",
        "applicant_id_number",
        "applicant_name",
        "handling_region",
        "form_data",
        "submitted_at",
        "accepted_at",
        "closed_at",
        "updated_at",
        "limit_value",
        "limit_unit",
        "deadline_at",
        "under_commitment",
        "reason",
        "result_reference",
    ]
    start = time.perf_counter()
    seq: dict[str, int] = {}
    chunk = 100_000
    for base in range(0, n, chunk):
        buf = io.StringIO()
        for i in range(base, min(n, base + chunk)):
            dept = DEPARTMENTS[i % 4]
            code, name = items[dept]
            mine = i % 33_333 == 0  # ~30 cases belong to the measured citizen
            pk, idn, pname, region = people[rng.randrange(len(people))]
            if mine:
                pk, applicant = citizen_person, str(citizen_user)
            else:
                applicant = "\\N"
            is_open = rng.random() < 0.03
            age_days = rng.uniform(0, 14) if is_open else rng.uniform(14, 900)
            submitted = now - dt.timedelta(days=age_days)
            day = submitted.strftime("%Y%m%d")
            key = f"{region}-{day}"
            seq[key] = seq.get(key, 0) + 1
            number = f"{region}-{day}-9{seq[key]:05d}"
            status = rng.choice(OPEN) if is_open else rng.choice(CLOSED)
            accepted = submitted + dt.timedelta(hours=2) if status != "submitted" else None
            deadline = accepted + dt.timedelta(days=rng.uniform(1, 30)) if accepted else None
            closed = submitted + dt.timedelta(days=rng.uniform(1, 14)) if not is_open else None
            row = [
                number,
                code,
                "1",
                name,
                dept,
                status,
                "online",
                str(pk),
                applicant,
                idn,
                pname,
                region,
                "{}",
                submitted.isoformat(),
                accepted.isoformat() if accepted else "\\N",
                closed.isoformat() if closed else "\\N",
                submitted.isoformat(),
                "10",
                "working_days",
                deadline.isoformat() if deadline else "\\N",
                "f",
                "",
                "",
            ]
            buf.write("\t".join(row) + "\n")
        buf.seek(0)
        with connection.cursor() as cursor, cursor.copy(f"COPY cases_case ({', '.join(cols)}) FROM STDIN") as copy:
            copy.write(buf.read())
    return time.perf_counter() - start


def settle() -> float:
    """VACUUM (ANALYZE) the freshly loaded database and CHECKPOINT; returns seconds taken.

    A production table that holds a million cases has long been vacuumed (hint bits set,
    visibility map built) and checkpointed. Right after bulk-loading a million rows it has
    not: the buffer pool is full of dirty pages that the requests under measurement must write
    out to get a buffer, and a checkpoint is spreading its writes over the next minutes (this
    machine's PostgreSQL runs without autovacuum). What is measured is the steady state.
    """
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")
    return time.perf_counter() - start


def page_queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return len(ctx.captured_queries)


def _earlier_rows() -> dict[str, dict[str, Any]]:
    """The rows of the previous bench/results/cases.json by name, each with its measured_at."""
    path = common.RESULTS / "cases.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {r["name"]: {**r, "measured_at": data.get("measured_at", "?")} for r in data.get("rows", [])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help=f"reuse {DB_NAME} when it holds at least --cases cases (migrated first; implies --keep)",
    )
    parser.add_argument("--only", default="submit,queue,mine", help="comma-separated: submit, queue, mine")
    args = parser.parse_args()
    only = [k for k in ("submit", "queue", "mine") if k in args.only.split(",")]
    if not only or set(args.only.split(",")) - {"submit", "queue", "mine"}:
        raise SystemExit("--only takes submit, queue and/or mine")
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not url.startswith("postgres"):
        raise SystemExit("bench_cases needs DATABASE_URL=postgres://...")
    existing = reusable_cases(url) if args.reuse else 0
    reuse = existing >= args.cases
    if args.reuse and not reuse:
        print(f"{DB_NAME}: {existing} cases, fewer than {args.cases}: building it anew")
    db_url = f"{url.rpartition('/')[0]}/{DB_NAME}" if reuse else create_database(url)
    var_dir = str(Path(os.environ.get("TMPDIR", "/tmp")) / "tongban-bench-cases")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "TONGBAN_VAR_DIR": var_dir,
        "TONGBAN_LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "600",
        "TONGBAN_SUBMIT_RATE_PER_HOUR": "0",  # throughput is measured from one account
    }
    t0 = time.perf_counter()
    tongban(env, "migrate", "--noinput", "-v", "0")
    if not reuse:
        tongban(env, "gen-city", "--people", "20000", "--seed", "2026")
    setup_django(db_url, var_dir)

    from django.test import Client

    from tongban.accounts.models import User
    from tongban.accounts.services import api_token_create
    from tongban.cases.models import Case
    from tongban.common.clock import now as clock_now
    from tongban.registry.models import Person
    from tongban.workdays.demo import demo_load as calendar_demo

    now = clock_now()
    calendar_demo(now=now, stdout=sys.stdout)
    person = Person.objects.filter(household__isnull=False).order_by("pk").first()
    assert person is not None
    if reuse:
        citizen = User.objects.get(username=person.id_number)
        approver = User.objects.get(username="bench-approver")
        load_seconds = settle_seconds = 0.0
        total = existing
        print(f"{total} cases in the table (reused {DB_NAME})")
    else:
        citizen = User.objects.create_user(
            username=person.id_number,
            id_number=person.id_number,
            role="citizen",
            real_name=person.name,
            person=person,
            password="bench-pass-123",  # noqa: S106  (throw-away bench database)
        )
        approver = User.objects.create_user(
            username="bench-approver",
            role="approver",
            department="zhian",
            password="bench-pass-123",  # noqa: S106
        )
        load_seconds = bulk_cases(args.cases, now=now, citizen_person=person.pk, citizen_user=citizen.pk)
        settle_seconds = settle()
        total = Case.objects.count()
        print(f"{total} cases in the table (COPY {load_seconds:.1f} s, then settled in {settle_seconds:.1f} s)")
    _token, token = api_token_create(user=citizen, name="bench", at=clock_now())
    approver_client, citizen_client = Client(), Client()
    approver_client.force_login(approver)
    citizen_client.force_login(citizen)
    queue_q = page_queries(approver_client, "/cases/queue/")
    mine_q = page_queries(citizen_client, "/cases/mine/")
    queue_q2 = page_queries(approver_client, "/cases/queue/?page=50")
    mine_q2 = page_queries(citizen_client, "/cases/mine/?page=2")

    def browser_cookies(client: Client) -> str:
        # What a browser sends back after its first page: the session and the CSRF cookie.
        return "; ".join(
            f"{name}={client.cookies[name].value}" for name in ("sessionid", "csrftoken") if name in client.cookies
        )

    cookies = {"queue": browser_cookies(approver_client), "mine": browser_cookies(citizen_client)}
    submit_body = json.dumps({"item_code": "no_criminal_record", "form": {"purpose": "employment", "period_years": 5}})
    submit_headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    results: dict[str, list[dict[str, float]]] = {k: [] for k in ("bare", *only)}

    def measure(key: str, seconds: int) -> dict[str, float]:
        if key == "bare":
            return common.bare_baseline(base, seconds=seconds)
        if key == "submit":
            return common.wrk(
                base,
                ["/api/v1/cases/"],
                seconds=seconds,
                method="POST",
                body=submit_body,
                headers=submit_headers,
                unique_header="Idempotency-Key",
            )
        return common.wrk(base, [f"/cases/{key}/"], seconds=seconds, headers={"Cookie": cookies[key]})

    load_before = os.getloadavg()[0]
    with common.serve(env=env, workers=2) as base:
        for key in only:  # warm up every worker (connections, calendar, item caches, page shells)
            measure(key, 2)
        for _ in range(args.runs):
            for key in results:
                results[key].append(measure(key, args.seconds))
    created = Case.objects.count() - total
    med = {
        k: {m: common.median_of([r[m] for r in v]) for m in ("rps", "p95_ms", "errors", "non2xx")}
        for k, v in results.items()
    }
    bare = med["bare"]["rps"]
    rows = [
        {
            "name": "bare JSON view /bench/bare",
            "value": round(bare),
            "unit": "req/s",
            "target": "",
            "notes": f"p95 {med['bare']['p95_ms']:.1f} ms",
        }
    ]

    # The floors of issue 14 (docs/adr/0010): a share of the same run's bare view, as this machine's
    # speed drifts from run to run and the ratio does not; the req/s each floor means in this run.
    def floor(share: int, rest: str) -> str:
        return f">= {share}% of bare (>= {bare * share / 100:,.0f} req/s in this run), {rest}"

    targets = {
        "submit": ("submit via API (POST /api/v1/cases/)", floor(4, "p95 <= 100 ms, 0 errors")),
        "queue": ("approver queue page /cases/queue/", floor(10, "p95 <= 50 ms, constant queries per page")),
        "mine": ("citizen case list /cases/mine/", floor(10, "p95 <= 50 ms, constant queries per page")),
    }
    earlier = _earlier_rows()
    for key, (name, target) in targets.items():
        if key not in med:  # not measured this time (--only): the row of the previous run, said so
            if name in earlier:
                row = dict(earlier[name])
                if not row["notes"].startswith("from the earlier run of "):
                    row["notes"] = f"from the earlier run of {row['measured_at']}: {row['notes']}"
                row.pop("measured_at", None)
                rows.append(row)
            continue
        m = med[key]
        extra = {
            "queue": f"; {queue_q} queries (page 50: {queue_q2})",
            "mine": f"; {mine_q} queries (page 2: {mine_q2})",
            "submit": f"; {created} cases filed",
        }[key]
        rows.append(
            {
                "name": name,
                "value": round(m["rps"]),
                "unit": "req/s",
                "target": target,
                "notes": f"p95 {m['p95_ms']:.1f} ms; {100 * m['rps'] / bare:.1f}% of bare; "
                f"errors {int(m['errors'])}, non-2xx {int(m['non2xx'])}{extra}",
            }
        )
    command = (
        f"DATABASE_URL=postgres://... .venv/bin/python bench/bench_cases.py --cases {args.cases} --runs {args.runs}"
        + (" --reuse" if args.reuse else "")
        + (f" --only {','.join(only)}" if len(only) < 3 else "")
    )
    built = (
        f"{total:,} cases in a reused database (built earlier with COPY)"
        if reuse
        else f"{total:,} cases bulk-loaded with COPY in {load_seconds:.0f} s, then VACUUM (ANALYZE) and CHECKPOINT "
        f"({settle_seconds:.0f} s), as a table in service would have been"
    )
    path = common.write_results(
        "cases",
        "Cases on PostgreSQL (1,000,000 cases in the table)",
        command,
        rows,
        notes=f"{built}; granian 2 workers and wrk "
        f"(1 thread, 16 connections, {args.seconds} s) on the same machine; medians of {args.runs} runs; "
        f"setup {time.perf_counter() - t0:.0f} s; 1-minute load average {load_before:.1f} before and "
        f"{os.getloadavg()[0]:.1f} after the HTTP runs (a load above 2 before means other jobs shared the 2 cores; "
        "after, it counts the server's own threads)",
    )
    print(path.read_text())
    if not (args.keep or args.reuse):
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(_admin_url(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
