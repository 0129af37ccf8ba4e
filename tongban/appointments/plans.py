"""Slot plans and the slots they generate (per outlet, item group and working day)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from tongban.appointments.models import Slot, SlotPlan
from tongban.audit.services import audit_record
from tongban.common.access import Viewer
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Invalid
from tongban.common.roles import Department
from tongban.outlets.geo import DayKind
from tongban.outlets.selectors import day_calendar, hours_of

if TYPE_CHECKING:
    from tongban.outlets.models import Outlet


def item_group(*, item_code: str) -> str:
    """The item group (handling department) of a catalog item. Raises NotFound.

    Asked on every booking: the catalog keeps the item's current version a few seconds per
    process (tongban.common.lookups), so this reads the database at most that often."""
    from tongban.catalog.selectors import item_get

    return str(item_get(code=item_code).department)


def slot_plan_set(
    *,
    outlet: Outlet,
    group: str,
    counters: int,
    visit_minutes: int,
    slot_minutes: int = 30,
    days_ahead: int = 7,
    at: dt.datetime,
    actor: Viewer | None = None,
) -> SlotPlan:
    """Create or change how ``outlet`` offers appointments for ``group``. Existing slots keep
    their capacity; slots generated later use the new one. Raises Invalid."""
    if group not in Department.values:
        raise Invalid(gettext("未知业务类别"), code="bad_group")
    if counters < 1 or visit_minutes < 1 or slot_minutes < visit_minutes or not 1 <= days_ahead <= 60:
        raise Invalid(gettext("预约计划参数不合理"), code="bad_plan")
    with transaction.atomic():
        plan, _ = SlotPlan.objects.update_or_create(
            outlet=outlet,
            group=group,
            defaults={
                "counters": counters,
                "visit_minutes": visit_minutes,
                "slot_minutes": slot_minutes,
                "days_ahead": days_ahead,
                "active": True,
            },
        )
        audit_record(
            action="slot_plan.set",
            object_type="outlet",
            object_id=outlet.code,
            at=at,
            actor=actor,
            data={"group": group, "capacity": plan.capacity},
        )
    return plan


def slot_periods(
    *, outlet: Outlet, plan: SlotPlan, day: dt.date, calendar: Callable[[dt.date], DayKind]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The whole slots of ``plan.slot_minutes`` that fit in the outlet's opening periods on
    ``day`` (none on a holiday the outlet closes for)."""
    step = dt.timedelta(minutes=plan.slot_minutes)
    out = []
    for start, end in hours_of(outlet).periods_on(day, calendar):
        t = start
        while t + step <= end:
            out.append((t, t + step))
            t += step
    return out


def slots_generate(
    *,
    plan: SlotPlan,
    start_day: dt.date,
    days: int,
    at: dt.datetime,
    calendar: Callable[[dt.date], DayKind] | None = None,
) -> int:
    """Create the missing slots of ``plan`` for ``days`` days from ``start_day`` from the
    outlet's opening hours and the holiday calendar. Idempotent; returns how many were created.
    Raises CalendarMissing when the calendar does not cover a day (no guessing)."""
    cal = calendar or day_calendar(strict=True)
    outlet = plan.outlet
    new = []
    for offset in range(days):
        day = start_day + dt.timedelta(days=offset)
        for start, end in slot_periods(outlet=outlet, plan=plan, day=day, calendar=cal):
            if end > at:
                new.append(Slot(outlet=outlet, group=plan.group, start=start, end=end, capacity=plan.capacity))
    if not new:
        return 0
    have = set(
        Slot.objects.filter(
            outlet=outlet, group=plan.group, session=None, start__gte=new[0].start, start__lte=new[-1].start
        ).values_list("start", flat=True)
    )
    missing = [s for s in new if s.start not in have]
    # ignore_conflicts: a concurrent run may have created some of them meanwhile.
    Slot.objects.bulk_create(missing, ignore_conflicts=True, batch_size=1000)
    return len(missing)


def slots_generate_all(*, at: dt.datetime, calendar: Callable[[dt.date], DayKind] | None = None) -> int:
    """Generate ahead for every active plan (the daily job). Returns slots created."""
    today = at.astimezone(SHANGHAI).date()
    total = 0
    for plan in SlotPlan.objects.filter(active=True, outlet__active=True).select_related("outlet"):
        total += slots_generate(plan=plan, start_day=today, days=plan.days_ahead, at=at, calendar=calendar)
    return total
