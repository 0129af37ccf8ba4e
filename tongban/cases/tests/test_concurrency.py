"""Concurrency on PostgreSQL with real threads and processes: idempotent submission and case
numbers that never collide."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from tongban.cases.models import Case, CaseEvent, SubmitKey
from tongban.cases.services import case_submit
from tongban.common.errors import Conflict

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_identical_submits_make_one_case(items: None, personas: Any, now: dt.datetime) -> None:
    barrier = threading.Barrier(20)
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            r = case_submit(
                actor=personas.citizen,
                item_code="t_doc",
                form={},
                channel="online",
                now=now,
                presented=["paper"],
                idempotency_key="double-click-1",
            )
            results.append((r.case.number, r.created))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 20
    assert len({n for n, _ in results}) == 1
    assert sum(1 for _, created in results if created) == 1
    assert Case.objects.count() == 1 and SubmitKey.objects.count() == 1
    assert CaseEvent.objects.count() == 1
    with pytest.raises(Conflict):
        case_submit(
            actor=personas.citizen,
            item_code="t_doc",
            form={"x": 1},
            channel="online",
            now=now,
            idempotency_key="double-click-1",
        )


WORKER = r"""
import datetime as dt, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")
django.setup()
from django.conf import settings
from django.db import connection
connection.settings_dict["NAME"] = sys.argv[1]
from tongban.accounts.models import User
from tongban.cases.services import case_submit
user = User.objects.get(username=sys.argv[2])
at = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
n = int(sys.argv[3])
failures = 0
for i in range(n):
    try:
        case_submit(actor=user, item_code="t_doc", form={}, channel="online", now=at, presented=["paper"])
    except Exception as exc:
        failures += 1
        print("ERROR", type(exc).__name__, exc, file=sys.stderr)
print(failures)
"""


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_thousand_concurrent_creations_from_processes(items: None, personas: Any) -> None:
    procs, per = 8, 250
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    name = connection.settings_dict["NAME"]
    running = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, name, personas.citizen.username, str(per)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for _ in range(procs)
    ]
    outs = [p.communicate(timeout=600) for p in running]
    assert all(p.returncode == 0 for p in running), [e[-2000:] for _, e in outs]
    assert [o.strip().splitlines()[-1] for o, _ in outs] == ["0"] * procs, [e[-2000:] for _, e in outs]
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(numbers) == procs * per
    assert len(set(numbers)) == procs * per
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(1, procs * per + 1))  # no gaps, no duplicates
