"""Background work of the ratings: note and send invitations, flag overdue follow-ups."""

from __future__ import annotations

from django_tasks import task

from tongban.common.clock import now


@task()
def feedback_tick_task() -> dict[str, int]:
    """Run every few minutes (cron: ``tongban feedback-tick``, or this task from a scheduler)."""
    from tongban.feedback.followups import followups_sweep
    from tongban.feedback.services import invitations_scan, invitations_send

    at = now()
    return {
        "noted": invitations_scan(now=at),
        "invited": invitations_send(now=at),
        "overdue": len(followups_sweep(now=at)),
    }
