"""Tasks left RUNNING by a killed worker run again (or are given up after a few tries)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tongban.common.taskqueue import tasks_reclaim

pytestmark = pytest.mark.django_db
LEASE = dt.timedelta(minutes=30)


def _running(*, workers: list[str], started: dt.datetime) -> Any:
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": ["RP-2026-00000001"], "kwargs": {}},
        task_path="tongban.certificates.tasks.certificate_render",
        backend_name="default",
        run_after=started,
        started_at=started,
        worker_ids=workers,
    )


def test_a_restarted_worker_requeues_what_it_was_running(now: dt.datetime) -> None:
    mine = _running(workers=["worker-a"], started=now - dt.timedelta(seconds=5))
    other = _running(workers=["worker-b"], started=now - dt.timedelta(seconds=5))
    done = tasks_reclaim(now=now, lease=LEASE, max_attempts=3, worker_id="worker-a")
    assert done.requeued == [str(mine.pk)] and done.failed == []
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.status == TaskResultStatus.READY
    assert other.status == TaskResultStatus.RUNNING  # another live worker's task is left alone


def test_a_task_past_its_lease_is_requeued_whoever_ran_it(now: dt.datetime) -> None:
    lost = _running(workers=["host-gone"], started=now - LEASE - dt.timedelta(seconds=1))
    fresh = _running(workers=["host-alive"], started=now - LEASE + dt.timedelta(seconds=1))
    done = tasks_reclaim(now=now, lease=LEASE, max_attempts=3)
    assert done.requeued == [str(lost.pk)]
    fresh.refresh_from_db()
    assert fresh.status == TaskResultStatus.RUNNING


def test_a_task_that_keeps_killing_its_workers_is_given_up(now: dt.datetime) -> None:
    poison = _running(workers=["a", "b", "a"], started=now - LEASE - dt.timedelta(seconds=1))
    done = tasks_reclaim(now=now, lease=LEASE, max_attempts=3)
    assert done.failed == [str(poison.pk)] and done.requeued == []
    poison.refresh_from_db()
    assert poison.status == TaskResultStatus.FAILED
    assert "3 times" in poison.traceback
