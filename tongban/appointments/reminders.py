"""Appointment reminders: queued after a booking commits (deferred to the reminder time where the
task backend can defer, else picked up by the daily sweep) and sent once through notifications."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tongban.appointments.models import Appointment, AppointmentStatus
from tongban.appointments.policy import booking_policy
from tongban.common.errors import DomainError

__all__ = ["appointment_remind", "appointments_remind_due"]


def _queue_reminder(number: str, start: dt.datetime, at: dt.datetime) -> None:
    from tongban.appointments.tasks import appointment_remind

    due = start - dt.timedelta(hours=booking_policy().remind_before_hours)
    if due <= at:
        appointment_remind.enqueue(number)
    elif appointment_remind.get_backend().supports_defer:
        appointment_remind.using(run_after=due).enqueue(number)
    # Otherwise the daily sweep (appointments_remind_due) queues it when it falls due.


def appointment_remind(*, number: str, at: dt.datetime) -> bool:
    """Remind the holder of a still-booked appointment, once per booked start: the reminder
    (``reminded_at``) and the message (inbox and SMS, tongban.notifications) are written in one
    transaction, and the SMS goes out after it commits. Returns whether a reminder was made."""
    from tongban.catalog.selectors import item_get
    from tongban.notifications.services import notify

    with transaction.atomic():
        changed = Appointment.objects.filter(
            number=number, status=AppointmentStatus.BOOKED, reminded_at__isnull=True
        ).update(reminded_at=at)
        if changed:
            appt = Appointment.objects.select_related("user", "slot", "outlet").get(number=number)
            try:
                item = item_get(code=appt.item_code)
                names = {"zh-hans": item.name_zh, "en": item.name_en}
            except DomainError:  # an item withdrawn since the booking: its code still says which
                names = {"zh-hans": appt.item_code}
            notify(
                recipient=appt.user,
                kind="appointment_reminder",
                key=f"{number}@{appt.slot.start.isoformat()}",  # a rescheduled booking is reminded anew
                params={
                    "item": names,
                    "outlet": appt.outlet.name,
                    "start": {"datetime": appt.slot.start.isoformat()},
                    "number": number,
                },
                at=at,
            )
    return bool(changed)


def appointments_remind_due(*, at: dt.datetime) -> int:
    """Queue reminders for bookings starting within ``remind_before_hours`` not yet reminded
    (the periodic sweep for task backends that cannot defer). Returns how many were queued."""
    from tongban.appointments.tasks import appointment_remind as remind_task

    horizon = at + dt.timedelta(hours=booking_policy().remind_before_hours)
    numbers = list(
        Appointment.objects.filter(
            status=AppointmentStatus.BOOKED, reminded_at__isnull=True, slot__start__gt=at, slot__start__lte=horizon
        ).values_list("number", flat=True)
    )
    for number in numbers:
        remind_task.enqueue(number)
    return len(numbers)
