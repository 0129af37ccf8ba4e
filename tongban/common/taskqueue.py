"""Tasks whose worker died: run them again, or give up on them after a few tries.

django-tasks-db marks a task RUNNING when a worker claims it and leaves it so if the worker is
killed (SIGKILL, a lost host): nothing would ever run it again. ``tasks_reclaim`` puts such a task
back in the queue. Every tongban task is idempotent (G8: a second run finds the work done), so
running one twice is safe; a task that kept killing its workers is marked failed after
``max_attempts`` claims instead of looping for ever.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction


@dataclass
class Reclaimed:
    """Task ids put back in the queue, and those given up (marked failed)."""

    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def tasks_reclaim(
    *, now: dt.datetime, lease: dt.timedelta, max_attempts: int, worker_id: str | None = None
) -> Reclaimed:
    """Requeue RUNNING tasks that were last claimed by ``worker_id`` (a restarted worker with a
    stable id: whatever it was running died with it) or that started more than ``lease`` ago (a
    worker that never came back). Raises nothing."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    out = Reclaimed()
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update(skip_locked=True).filter(status=TaskResultStatus.RUNNING)
        for task in running:
            claimed_by = task.worker_ids[-1] if task.worker_ids else None
            stale = task.started_at is None or task.started_at <= now - lease
            if not stale and (worker_id is None or claimed_by != worker_id):
                continue
            if len(task.worker_ids) >= max_attempts:
                task.status = TaskResultStatus.FAILED
                task.finished_at = now
                task.exception_class_path = "tongban.common.taskqueue.Abandoned"
                task.traceback = f"worker(s) {', '.join(task.worker_ids)} died running it {len(task.worker_ids)} times"
                task.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
                out.failed.append(str(task.pk))
            else:
                task.status = TaskResultStatus.READY
                task.save(update_fields=["status"])
                out.requeued.append(str(task.pk))
    return out
