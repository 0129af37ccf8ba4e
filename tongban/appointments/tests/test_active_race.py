"""Issue 16 finding 9: one person's simultaneous bookings cannot pass max_active together
(the probe held 5 active bookings with a limit of 3 by sending 20 requests at once)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connections

from tongban.appointments.models import Appointment, AppointmentStatus, Slot
from tongban.appointments.tests.conftest import ITEM
from tongban.outlets.geo import DayKind

ITEMS = {
    "jiaoguan": [ITEM, "driver_licence_expiry", "driver_contact_change"],
    "huzheng": ["id_card_renew", "id_card_replace", "hukou_certificate"],
}
REQUESTS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_bookings_of_one_person_respect_max_active(
    personas: Any, station: Any, now: dt.datetime, settings: Any
) -> None:
    from tongban.appointments.services import appointment_book, slot_plan_set, slots_generate
    from tongban.common.errors import DomainError
    from tongban.outlets.services import outlet_items_set

    # Only the active-bookings rule is under test: the per-minute attempt limit is lifted.
    settings.APPOINTMENT_POLICY = {"max_active": 3, "attempts_per_minute": 1000}
    outlet_items_set(code=station.code, items=[i for items in ITEMS.values() for i in items], at=now)
    for group in ITEMS:
        plan = slot_plan_set(outlet=station, group=group, counters=4, visit_minutes=15, at=now)
        slots_generate(plan=plan, start_day=dt.date(2026, 4, 2), days=1, at=now, calendar=lambda d: DayKind.WORKDAY)
    first = {g: Slot.objects.filter(group=g).order_by("start").first() for g in ITEMS}
    asks = [(item, first[group].pk) for group, items in ITEMS.items() for item in items]  # type: ignore[union-attr]

    barrier = threading.Barrier(REQUESTS)
    booked: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        item, slot_id = asks[n % len(asks)]
        try:
            barrier.wait()
            booked.append(appointment_book(user=personas.citizen, item_code=item, slot_id=slot_id, at=now).number)
        except DomainError as exc:
            refused.append(exc.code)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(REQUESTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(booked) == 3
    assert set(refused) <= {"too_many_active", "already_booked"} and len(refused) == REQUESTS - 3
    active = Appointment.objects.filter(user=personas.citizen, status=AppointmentStatus.BOOKED)
    assert active.count() == 3
    assert sum(Slot.objects.values_list("booked", flat=True)) == 3  # no place taken by a refused request
