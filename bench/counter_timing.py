"""Case-number counter: the one plain-SQL statement (tongban/cases/sql.py) against its ORM twin.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_x .venv/bin/python bench/counter_timing.py \
        [--n 2000] [--threads 4]

Needs a migrated database (``tongban migrate``). Draws ``--n`` numbers of one fresh scope per way,
first on one connection (ms per number), then from ``--threads`` threads sharing the scope
(numbers per second): the row every submitter of a scope serialises on. Indicative only: a
quick run on a shared machine, not the bench (make bench).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import connections

    from tongban.cases.sql import counter_next, counter_next_orm

    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--threads", type=int, default=4)
    a = p.parse_args()
    ways: dict[str, Callable[[str], int]] = {"sql": counter_next, "orm": counter_next_orm}
    for name, step in ways.items():
        scope = uuid.uuid4().hex[:20]
        t0 = time.perf_counter()
        for _ in range(a.n):
            step(scope)
        one = (time.perf_counter() - t0) / a.n * 1000
        scope = uuid.uuid4().hex[:20]
        per = a.n // a.threads

        def run(step: Callable[[str], int] = step, scope: str = scope, per: int = per) -> None:
            try:
                for _ in range(per):
                    step(scope)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(a.threads)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rate = per * a.threads / (time.perf_counter() - t0)
        print(f"{name}: {one:.3f} ms a number on one connection; {rate:,.0f} numbers/s from {a.threads} threads")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
