"""``tongban worker``: run database-backed task workers (production); alias of ``db_worker``."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorker


class Command(DbWorker):
    help = "Run a background task worker against the database queue (TONGBAN_TASKS=database)."

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
