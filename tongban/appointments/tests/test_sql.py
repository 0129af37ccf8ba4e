"""The booking read's plain statement (appointments/sql.py) answers as its ORM twin does, on
SQLite (make test) and PostgreSQL (CI): the person's standing and the slot with its outlet."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongban.appointments.models import Appointment, AppointmentStatus, Slot
from tongban.appointments.sql import booking_read, booking_read_orm
from tongban.appointments.tests.conftest import ITEM

pytestmark = pytest.mark.django_db


def _slot(outlet: Any, start: dt.datetime, **extra: Any) -> Slot:
    return Slot.objects.create(
        outlet=outlet, group="jiaoguan", start=start, end=start + dt.timedelta(minutes=30), capacity=5, **extra
    )


def _held(user: Any, slot: Slot, status: str, item: str, n: int) -> None:
    Appointment.objects.create(
        number=f"YYT{n:08d}",
        user=user,
        slot=slot,
        outlet=slot.outlet,
        item_code=item,
        status=status,
        created_at=slot.start - dt.timedelta(days=1),
    )


def _answer(read: Any, **kw: Any) -> tuple[Any, Any]:
    standing, slot = read(**kw)
    if slot is None:
        return standing, None
    fields = [f.attname for f in Slot._meta.concrete_fields]
    return standing, (
        [getattr(slot, f) for f in fields],
        slot.outlet.code,
        slot.outlet.name,
        slot.handles,
    )


def test_the_statement_and_the_orm_read_alike(station: Any, personas: Any, now: dt.datetime) -> None:
    citizen = personas.citizen
    past = [_slot(station, now - dt.timedelta(days=d)) for d in (2, 45, 200)]
    future = _slot(station, now + dt.timedelta(days=3))
    _held(citizen, future, AppointmentStatus.BOOKED, ITEM, 1)
    _held(citizen, future, AppointmentStatus.BOOKED, "passport_first", 2)
    _held(citizen, past[0], AppointmentStatus.NO_SHOW, ITEM, 3)  # recent: within the ban period
    _held(citizen, past[1], AppointmentStatus.NO_SHOW, "hukou_move", 4)  # in the window, not recent
    _held(citizen, past[2], AppointmentStatus.NO_SHOW, "hukou_move", 5)  # out of the window
    _held(citizen, past[0], AppointmentStatus.CANCELLED, ITEM, 6)
    _held(personas.other_citizen, future, AppointmentStatus.BOOKED, ITEM, 7)
    other = station.__class__.objects.create(
        code="T-CLOSED", name="停用网点", kind="police_station", region_code="330106", lat=30.2, lng=120.1
    )
    other.items.create(item_code=ITEM)
    closed = _slot(other, now + dt.timedelta(days=3))
    other.__class__.objects.filter(pk=other.pk).update(active=False)
    cases = [
        (citizen, ITEM, future.pk),  # handled here
        (citizen, "passport_first", future.pk),  # the outlet does not take this item
        (citizen, ITEM, closed.pk),  # the outlet is closed
        (citizen, ITEM, 999_999),  # no such slot
        (personas.other_citizen, ITEM, future.pk),
        (personas.clerk, ITEM, future.pk),  # nothing held
    ]
    answers = []
    for user, item, slot_id in cases:
        kw = {"user_pk": user.pk, "item_code": item, "slot_id": slot_id, "at": now}
        sql, orm = _answer(booking_read, **kw), _answer(booking_read_orm, **kw)
        assert sql == orm, (item, slot_id)
        answers.append(sql)
    # The answers themselves, so both cannot be wrong alike.
    standing, slot = answers[0]
    assert (standing.active, standing.active_for_item, standing.no_shows, standing.recent_no_shows) == (2, 1, 2, 1)
    assert slot[1:] == (station.code, station.name, True)
    assert answers[1][0].active_for_item == 1 and answers[1][1][3] is False
    assert answers[2][1][3] is False
    assert answers[3][1] is None
    assert (answers[4][0].active, answers[4][0].no_shows) == (1, 0)
    assert answers[5][0].active == 0
