"""微安居's thresholds are data (``RentalLimits``): the services follow what an administrator
sets, at the edges, and the admin edits the one row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from tongban.common.errors import Invalid
from tongban.notifications.models import Message
from tongban.rentals.hazards import hazard_record, hazards_remind_overdue
from tongban.rentals.limits import rental_limits
from tongban.rentals.models import Hazard, RentalLimits, RentalProperty, Tenancy, TenancyState
from tongban.rentals.selectors import months_of_residence

pytestmark = pytest.mark.django_db


def _set(**values: Any) -> None:
    limits = rental_limits()
    for k, v in values.items():
        setattr(limits, k, v)
    limits.save()


def test_defaults_are_the_previous_rules() -> None:
    limits = rental_limits()
    assert (
        limits.max_rooms,
        limits.max_per_room,
        limits.hazard_default_days,
        limits.hazard_max_days,
        limits.overdue_remind_every_days,
        limits.move_in_backdate_days,
        limits.stay_gap_days,
    ) == (200, 6, 5, 30, 0, 366, 1)
    assert RentalLimits.objects.count() == 1


def test_capacity_per_room_follows_the_limit(rent: Any) -> None:
    _set(max_per_room=2)
    with pytest.raises(Invalid) as exc:
        rent.declare(rooms=2, capacity=5)
    assert exc.value.code == "capacity" and "2" in exc.value.message
    assert not RentalProperty.objects.exists()
    assert rent.declare(rooms=2, capacity=4).capacity == 4  # exactly rooms × max_per_room
    _set(max_rooms=1)
    with pytest.raises(Invalid) as exc:
        rent.declare(rooms=2, capacity=2)
    assert exc.value.code == "rooms"


def test_hazard_deadline_bounds_follow_the_limit(rent: Any) -> None:
    prop = rent.approved()
    _set(hazard_max_days=10)
    with pytest.raises(Invalid) as exc:
        hazard_record(number=prop.number, actor=rent.officer, kind="ebike", note="充电", working_days=11, now=rent.now)
    assert exc.value.code == "working_days" and not Hazard.objects.exists()
    h = hazard_record(number=prop.number, actor=rent.officer, kind="ebike", note="充电", working_days=10, now=rent.now)
    assert h.working_days == 10


def test_overdue_reminders_repeat_when_the_limit_says_so(rent: Any) -> None:
    prop = rent.approved()
    h = hazard_record(number=prop.number, actor=rent.officer, kind="ebike", note="充电", working_days=1, now=rent.now)
    after = h.due_at + dt.timedelta(seconds=1)
    assert hazards_remind_overdue(now=after) == 1
    assert hazards_remind_overdue(now=after + dt.timedelta(days=3)) == 0  # default: once per deadline
    _set(overdue_remind_every_days=3)
    assert hazards_remind_overdue(now=after + dt.timedelta(days=3) - dt.timedelta(seconds=1)) == 0
    assert hazards_remind_overdue(now=after + dt.timedelta(days=3)) == 1
    assert Message.objects.filter(kind="hazard_overdue").count() == 2


def test_move_in_backdating_follows_the_limit(rent: Any) -> None:
    prop = rent.approved()
    _set(move_in_backdate_days=30)
    today = dt.date(2026, 3, 10)  # rent.now is 10:00 on 10 March in Shanghai
    with pytest.raises(Invalid) as exc:
        rent.moved_in(prop, on=today - dt.timedelta(days=31))
    assert exc.value.code == "moved_in_on" and not Tenancy.objects.exists()
    assert rent.moved_in(prop, on=today - dt.timedelta(days=30)).moved_in_on == dt.date(2026, 2, 8)


def test_the_gap_between_stays_follows_the_limit(rent: Any) -> None:
    prop = rent.approved()
    for moved_in, moved_out in ((dt.date(2025, 6, 1), dt.date(2025, 12, 31)), (dt.date(2026, 1, 5), None)):
        Tenancy.objects.create(
            property=prop,
            tenant=rent.tenant,
            tenant_person_id=rent.tenant.person_id,
            moved_in_on=moved_in,
            moved_out_on=moved_out,
            state=TenancyState.ENDED if moved_out else TenancyState.CONFIRMED,
            declared_at=rent.now,
            answered_at=rent.now,
        )
    assert months_of_residence(rent.tenant.person_id, dt.date(2026, 3, 5)) == 2  # a 5-day gap starts afresh
    _set(stay_gap_days=5)
    assert months_of_residence(rent.tenant.person_id, dt.date(2026, 3, 5)) == 9


def test_the_database_keeps_one_sane_row() -> None:
    rental_limits()
    with pytest.raises(IntegrityError), transaction.atomic():
        RentalLimits.objects.create(pk=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        RentalLimits.objects.filter(pk=1).update(hazard_default_days=40)  # above hazard_max_days


def test_an_administrator_edits_the_limits_in_the_admin(api: Any, personas: Any) -> None:
    rental_limits()
    client = api(personas.admin)
    url = "/admin/rentals/rentallimits/1/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = {
        "max_rooms": 100,
        "max_per_room": 4,
        "hazard_default_days": 7,
        "hazard_max_days": 20,
        "overdue_remind_every_days": 2,
        "move_in_backdate_days": 180,
        "stay_gap_days": 3,
    }
    r = client.post(url, form)
    assert r.status_code == 302, r.content.decode()[:2000]
    limits = RentalLimits.objects.get(pk=1)
    assert (limits.max_per_room, limits.hazard_default_days, limits.stay_gap_days) == (4, 7, 3)
    assert client.get("/admin/rentals/rentallimits/1/delete/").status_code == 403
