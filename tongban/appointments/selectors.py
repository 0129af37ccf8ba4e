"""Appointment reads: free slots, a person's bookings, the outlet's queue today."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q

from tongban.appointments.models import Appointment, AppointmentStatus, Slot
from tongban.common.access import access_filter
from tongban.common.clock import SHANGHAI


def slots_open(*, outlet_id: int, group: str, at: dt.datetime, days: int = 7) -> list[Slot]:
    """Future slots of an outlet's item group within ``days`` that still have room."""
    return list(
        Slot.objects.filter(
            outlet_id=outlet_id,
            group=group,
            session=None,
            start__gt=at,
            start__lt=at + dt.timedelta(days=days),
            booked__lt=F("capacity"),
        ).order_by("start")
    )


def slots_by_day(slots: list[Slot]) -> list[dict[str, Any]]:
    """Slots grouped per local day, for the booking page."""
    days: dict[dt.date, list[Slot]] = {}
    for s in slots:
        days.setdefault(s.start.astimezone(SHANGHAI).date(), []).append(s)
    return [{"day": d, "slots": ss} for d, ss in sorted(days.items())]


def appointments_mine(*, user: Any) -> list[Appointment]:
    """The caller's bookings, newest first (access rule: their own)."""
    return list(
        access_filter(user, Appointment.objects.select_related("slot", "outlet")).order_by("-slot__start")[:100]
    )


def appointment_for(*, user: Any, number: str) -> Appointment | None:
    return access_filter(user, Appointment.objects.select_related("slot", "outlet")).filter(number=number).first()


def queue_today(*, outlet_id: int, at: dt.datetime) -> list[Appointment]:
    """The clerk workbench's queue at an outlet today: checked-in tickets first (in ticket
    order), then bookings still expected today."""
    day = at.astimezone(SHANGHAI).date()
    start = dt.datetime.combine(day, dt.time(0), SHANGHAI)
    end = start + dt.timedelta(days=1)
    rows = list(
        Appointment.objects.filter(outlet_id=outlet_id, slot__start__gte=start, slot__start__lt=end)
        .filter(Q(status=AppointmentStatus.CHECKED_IN) | Q(status=AppointmentStatus.BOOKED))
        .select_related("slot")
        .order_by("slot__start", "number")
    )
    checked = sorted((a for a in rows if a.status == AppointmentStatus.CHECKED_IN), key=lambda a: a.ticket)
    return checked + [a for a in rows if a.status == AppointmentStatus.BOOKED]


def checkins_of(*, user_ids: list[int], start: dt.datetime, end: dt.datetime) -> list[tuple[int, int, dt.datetime]]:
    """(user, outlet, checked-in time) of these users' check-ins (签到, a queue ticket taken) in
    ``[start, end)``: when a visit to a window began, for the figures' time per visit."""
    if not user_ids:
        return []
    rows = Appointment.objects.filter(user_id__in=user_ids, checked_in_at__gte=start, checked_in_at__lt=end)
    return [(u, o, t) for u, o, t in rows.order_by().values_list("user_id", "outlet_id", "checked_in_at") if t]
