"""Background work: appointment reminders (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from tongban.common.clock import now


@task()
def appointment_remind(number: str) -> bool:
    """Send one appointment's reminder (no-op if cancelled or already reminded)."""
    from tongban.appointments.reminders import appointment_remind as remind

    return remind(number=number, at=now())
