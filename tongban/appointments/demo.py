"""Demo appointment plans: every bookable outlet offers slots for the groups it handles."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from tongban.appointments.models import SlotPlan
from tongban.appointments.services import slot_plan_set, slots_generate_all
from tongban.outlets.models import OutletKind
from tongban.outlets.selectors import outlets_bookable

COUNTERS: dict[str, int] = {
    OutletKind.POLICE_STATION: 2,
    OutletKind.GOV_CENTRE: 3,
    OutletKind.EXIT_ENTRY_HALL: 6,
    OutletKind.VEHICLE_HALL: 6,
    OutletKind.HOSPITAL: 2,
}


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


def demo_load(*, now: dt.datetime, stdout: Writer) -> None:
    """Slot plans for every bookable demo outlet (idempotent) and slots for the days ahead."""
    from tongban.catalog.selectors import items_list

    department = {i.code: str(i.department) for i in items_list()}
    have = set(SlotPlan.objects.values_list("outlet_id", "group"))
    plans = 0
    for outlet, items in outlets_bookable():
        groups = {department[code] for code in items if code in department}
        for group in sorted(groups):
            if (outlet.pk, group) in have:
                continue
            slot_plan_set(
                outlet=outlet,
                group=group,
                counters=COUNTERS.get(outlet.kind, 1),
                visit_minutes=15,
                slot_minutes=30,
                days_ahead=7,
                at=now,
            )
            plans += 1
    created = slots_generate_all(at=now)
    stdout.write(f"appointments: {plans} slot plans added, {created} slots generated ahead\n")
    from tongban.accounts.models import User
    from tongban.appointments.flags_demo import session_demo, visit_demo

    citizens = list(User.objects.filter(role="citizen", person__isnull=False).order_by("pk")[:2])
    clerk = User.objects.filter(username="clerk").select_related("outlet").first()
    sessions = session_demo(now=now)
    visits = visit_demo(now=now, citizens=citizens, clerk=clerk, stdout=stdout)
    stdout.write(f"appointments: {sessions} special sessions, {visits} home visits added\n")
