"""CPU time per request of the cases bench's pages, in process, against the bare view.

    TONGBAN_BENCH_CASES_DB=... DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/cases_cpu.py [--n 400] [--only bare,queue,mine,submit] [--profile queue]

On a shared machine wrk's requests per second are noisy; the CPU time the Django process spends
on one request is not (much). This reuses the database ``bench/bench_cases.py --keep`` built (its
users, its cases), calls the production WSGI application directly with what a browser or an API
client sends (the session and CSRF cookies, a bearer token and a fresh Idempotency-Key) and
reports, per kind of request, the median ``time.process_time`` of N requests and its ratio to the
bare view's, and the database round trips of one request. The database server's own CPU is not
in these figures (the round trips are there to watch it). ``--profile KIND`` prints a cProfile
of N requests of that kind, sorted by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = os.environ.get("TONGBAN_BENCH_CASES_DB", "tongban_bench_cases")
KINDS = ("bare", "queue", "mine", "submit")


def setup() -> None:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ["DATABASE_URL"] = f"{url.rpartition('/')[0]}/{DB_NAME}"
    os.environ.setdefault("TONGBAN_VAR_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "tongban-bench-cases"))
    os.environ.setdefault("TONGBAN_LOG_LEVEL", "WARNING")
    os.environ.setdefault("TONGBAN_SUBMIT_RATE_PER_HOUR", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")
    import django

    django.setup()


def requests() -> dict[str, Callable[[], dict[str, Any]]]:
    """A function per kind that returns a fresh WSGI environ for one request of that kind."""
    from django.test import Client

    from tongban.accounts.models import User
    from tongban.accounts.services import api_token_create
    from tongban.common.clock import now
    from tongban.registry.models import Person

    person = Person.objects.filter(household__isnull=False).order_by("pk").first()
    assert person is not None, "no bench database: run bench/bench_cases.py --keep first"
    citizen = User.objects.get(username=person.id_number)
    approver = User.objects.get(username="bench-approver")
    from tongban.accounts.models import ApiToken

    ApiToken.objects.filter(user=citizen, name="cpu").delete()  # an earlier run's (20 live tokens at most)
    _t, token = api_token_create(user=citizen, name="cpu", at=now())

    def cookies(user: Any) -> str:
        client = Client()
        client.force_login(user)
        client.get("/cases/mine/" if user.role == "citizen" else "/cases/queue/")  # the CSRF cookie
        return "; ".join(f"{k}={client.cookies[k].value}" for k in ("sessionid", "csrftoken") if k in client.cookies)

    base = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "QUERY_STRING": "",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": "*/*",
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    cookie = {"queue": cookies(approver), "mine": cookies(citizen)}
    body = json.dumps(
        {"item_code": "no_criminal_record", "form": {"purpose": "employment", "period_years": 5}}
    ).encode()

    def page(path: str, key: str) -> Callable[[], dict[str, Any]]:
        return lambda: {**base, "PATH_INFO": path, "HTTP_COOKIE": cookie[key], "wsgi.input": io.BytesIO()}

    def submit() -> dict[str, Any]:
        return {
            **base,
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/cases/",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex,
            "wsgi.input": io.BytesIO(body),
        }

    return {
        "bare": lambda: {**base, "PATH_INFO": "/bench/bare", "wsgi.input": io.BytesIO()},
        "queue": page("/cases/queue/", "queue"),
        "mine": page("/cases/mine/", "mine"),
        "submit": submit,
    }


def call(app: Any, environ: dict[str, Any]) -> str:
    status: list[str] = []

    def start_response(s: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        status.append(s)
        return lambda data: None

    result = app(environ, start_response)
    try:
        for _chunk in result:
            pass
    finally:
        if hasattr(result, "close"):
            result.close()
    return status[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--only", default=",".join(KINDS))
    parser.add_argument("--profile", default="", help="print a cProfile of N requests of this kind")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of N/rounds requests each")
    args = parser.parse_args()
    setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tongban.config.wsgi import application

    make = requests()
    kinds = [k for k in KINDS if k in args.only.split(",")]
    for k in kinds:  # warm up: connections, caches, templates
        for _ in range(30):
            assert call(application, make[k]()).startswith(("200", "201")), k
    if args.profile:
        prof = cProfile.Profile()
        envs = [make[args.profile]() for _ in range(args.n)]
        prof.enable()
        for env in envs:
            call(application, env)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
            int(os.environ.get("TOP", "60"))
        )
        print(out.getvalue())
        if os.environ.get("CALLERS"):
            pstats.Stats(prof).print_callers(os.environ["CALLERS"])
        return
    times: dict[str, list[float]] = {k: [] for k in kinds}
    per_round = max(1, args.n // args.rounds)
    for _ in range(args.rounds):  # interleaved, so drift in the machine's speed hits every kind alike
        for k in kinds:
            envs = [make[k]() for _ in range(per_round)]
            for env in envs:
                t = time.process_time()
                call(application, env)
                times[k].append(time.process_time() - t)
    queries = {}
    for k in kinds:
        with CaptureQueriesContext(connection) as ctx:
            call(application, make[k]())
        queries[k] = len(ctx.captured_queries)
    bare = statistics.median(times["bare"]) if "bare" in times else None
    # the 10th percentile too: on a shared machine other jobs stretch some requests' CPU time
    # (caches, the other hyperthread), the fastest tenth much less
    fast = {k: statistics.quantiles(v, n=10)[0] for k, v in times.items()}
    print(f"{'kind':8} {'median µs':>10} {'p10 µs':>10} {'x bare':>8} {'p10 x bare':>10} {'queries':>8}")
    for k in kinds:
        med = statistics.median(times[k])
        ratio = f"{med / bare:8.1f}" if bare else "       -"
        ratio10 = f"{fast[k] / fast['bare']:10.1f}" if bare else "         -"
        print(f"{k:8} {med * 1e6:10.0f} {fast[k] * 1e6:10.0f} {ratio} {ratio10} {queries[k]:8d}")


if __name__ == "__main__":
    main()
