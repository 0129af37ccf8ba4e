"""``tongban worker``: run database-backed task workers (production); ``db_worker`` plus recovery.

A worker started with a stable ``--worker-id`` (one per host and slot, e.g. systemd's ``%H-%i``)
first puts back in the queue whatever it was running when it died; every worker also requeues
tasks whose worker has not finished them within ``TONGBAN_TASK_LEASE_SECONDS`` (a lost host).
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DbWorker

from tongban.common.clock import now
from tongban.common.taskqueue import tasks_reclaim

log = logging.getLogger("tongban.worker")


class Command(DbWorker):
    help = "Run a background task worker against the database queue (TONGBAN_TASKS=database)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--reclaim-every", type=float, default=60.0, help="seconds between checks for tasks of dead workers"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        explicit_id = any(a == "--worker-id" or a.startswith("--worker-id=") for a in sys.argv)
        self._reclaim(options["worker_id"] if explicit_id else None)
        every = options.pop("reclaim_every")
        if every > 0:
            threading.Thread(target=self._reclaim_loop, args=(every,), name="task-reclaim", daemon=True).start()
        super().handle(*args, **options)

    def _reclaim(self, worker_id: str | None) -> None:
        done = tasks_reclaim(
            now=now(),
            lease=dt.timedelta(seconds=settings.TASK_LEASE_SECONDS),
            max_attempts=settings.TASK_MAX_ATTEMPTS,
            worker_id=worker_id,
        )
        if done.requeued or done.failed:
            log.warning("tasks of dead workers: %d requeued, %d given up", len(done.requeued), len(done.failed))

    def _reclaim_loop(self, every: float) -> None:
        stop = threading.Event()
        while not stop.wait(every):
            try:
                self._reclaim(None)
            except Exception:
                log.exception("could not reclaim the tasks of dead workers")
            finally:
                close_old_connections()
