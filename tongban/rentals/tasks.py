"""Background work of 微安居: the daily reminder of overdue hazards."""

from __future__ import annotations

from django_tasks import task

from tongban.common.clock import now


@task()
def rentals_daily_task() -> dict[str, int]:
    """Run daily (cron: ``tongban rentals-daily``, or this task from a scheduler)."""
    from tongban.rentals.hazards import hazards_remind_overdue

    return {"hazards_reminded": hazards_remind_overdue(now=now())}
