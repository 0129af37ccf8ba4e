"""Background work: sending one delivery (django-tasks). The argument is the delivery's id only:
no phone number, address or message text travels in the task queue."""

from __future__ import annotations

from django_tasks import task

from tongban.common.clock import now


@task()
def delivery_send(delivery_id: int) -> str:
    """Send one delivery if it is still due (a second run of the same task sends nothing)."""
    from tongban.notifications.services import delivery_attempt

    return delivery_attempt(delivery_id=delivery_id, at=now())
