"""Recomputing the audit chains: CPU time of ``verify_log`` over the live log.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_x .venv/bin/python bench/audit_verify_timing.py \
        [--add 20000] [--runs 3]

Needs a migrated database (``tongban migrate``). Appends ``--add`` entries to the log first (they
stay: the log is append-only), then verifies the whole log ``--runs`` times and prints the entries
and the best CPU time (``time.process_time``) and wall time. Indicative only: not the bench.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")


def main() -> None:
    import django

    django.setup()
    from tongban.audit.services import audit_record
    from tongban.audit.verify import verify_log

    p = argparse.ArgumentParser()
    p.add_argument("--add", type=int, default=0)
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    at = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    for i in range(a.add):
        audit_record(action="bench.entry", object_type="bench", object_id=str(i), at=at, data={"i": i})
    best_cpu = best_wall = float("inf")
    for _ in range(a.runs):
        c0, w0 = time.process_time(), time.perf_counter()
        report = verify_log()
        best_cpu, best_wall = min(best_cpu, time.process_time() - c0), min(best_wall, time.perf_counter() - w0)
    print(f"{report.entries:,} entries, ok={report.ok}: best of {a.runs}: {best_cpu:.2f} s CPU, {best_wall:.2f} s wall")


if __name__ == "__main__":
    main()
