"""Booking rules through the services and the API: slots from hours and holidays, book,
cancel, reschedule, one active booking per item, limits, check-in, no-shows, reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongban.appointments.models import Appointment, AppointmentStatus, Slot
from tongban.appointments.tests.conftest import ITEM
from tongban.common.clock import SHANGHAI
from tongban.outlets.geo import DayKind

SH = SHANGHAI


@pytest.fixture
def plan(station: Any, now: dt.datetime) -> Any:
    from tongban.appointments.services import slot_plan_set

    # 2 counters × (30 min ÷ 15 min per visit) = 4 people per slot.
    return slot_plan_set(
        outlet=station, group="jiaoguan", counters=2, visit_minutes=15, slot_minutes=30, days_ahead=7, at=now
    )


@pytest.fixture
def slots(plan: Any, workdays: Any, now: dt.datetime) -> list[Slot]:
    from tongban.appointments.services import slots_generate

    # Thursday 2 April 2026 to Wednesday 8 April: Qingming holiday Sat 4 – Mon 6 April.
    slots_generate(plan=plan, start_day=dt.date(2026, 4, 2), days=7, at=now, calendar=workdays)
    return list(Slot.objects.filter(outlet=plan.outlet).order_by("start"))


def _local_days(slots: list[Slot]) -> dict[dt.date, int]:
    out: dict[dt.date, int] = {}
    for s in slots:
        d = s.start.astimezone(SH).date()
        out[d] = out.get(d, 0) + 1
    return out


def test_slots_come_from_opening_hours_and_a_holiday_has_none(slots: list[Slot]) -> None:
    # 09:00–12:00 = 6 half hours, 13:30–17:30 = 8: 14 slots per working day of capacity 4.
    assert _local_days(slots) == {
        dt.date(2026, 4, 2): 14,
        dt.date(2026, 4, 3): 14,
        dt.date(2026, 4, 7): 14,
        dt.date(2026, 4, 8): 14,
    }
    assert {s.capacity for s in slots} == {4}
    assert slots[0].start == dt.datetime(2026, 4, 2, 9, 0, tzinfo=SH)
    assert slots[5].end == dt.datetime(2026, 4, 2, 12, 0, tzinfo=SH)
    assert slots[6].start == dt.datetime(2026, 4, 2, 13, 30, tzinfo=SH)


def test_generation_is_idempotent_and_refuses_a_missing_calendar(
    plan: Any, workdays: Any, now: dt.datetime, slots: list[Slot]
) -> None:
    from tongban.appointments.services import slots_generate
    from tongban.workdays.calendar import CalendarMissing

    assert slots_generate(plan=plan, start_day=dt.date(2026, 4, 2), days=7, at=now, calendar=workdays) == 0
    with pytest.raises(CalendarMissing):
        slots_generate(plan=plan, start_day=dt.date(2031, 1, 6), days=1, at=now)


def _book(api: Any, user: Any, slot: Slot, item: str = ITEM) -> Any:
    return api(user).post(
        "/api/v1/appointments/", {"slot_id": slot.pk, "item_code": item}, content_type="application/json"
    )


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> dict[str, dt.datetime]:
    """The interface layer's clock, pinned (and movable: set clock['now'])."""
    state = {"now": now}
    for module in ("tongban.appointments.api", "tongban.appointments.views"):
        monkeypatch.setattr(f"{module}.now", lambda: state["now"])
    return state


def test_book_cancel_and_the_slot_count_follows(api: Any, personas: Any, slots: list[Slot], clock: Any) -> None:
    slot = slots[0]
    r = _book(api, personas.citizen, slot)
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    assert r.json()["status"] == "booked"
    assert r.json()["outlet_code"] == "T-PS-BOOK"
    slot.refresh_from_db()
    assert slot.booked == 1
    mine = api(personas.citizen).get("/api/v1/appointments/mine").json()
    assert [a["number"] for a in mine] == [number]
    # Another citizen cannot see or cancel it: not found, and nothing changed.
    assert api(personas.other_citizen).post(f"/api/v1/appointments/{number}/cancel").status_code == 404
    r = api(personas.citizen).post(f"/api/v1/appointments/{number}/cancel")
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    slot.refresh_from_db()
    assert slot.booked == 0
    # Cancelling twice is refused and gives nothing back twice.
    assert api(personas.citizen).post(f"/api/v1/appointments/{number}/cancel").status_code == 409
    slot.refresh_from_db()
    assert slot.booked == 0


def test_a_booking_reads_once_and_writes_twice(personas: Any, slots: list[Slot], now: dt.datetime) -> None:
    """The person's standing and the slot with its outlet check are one query; taking the place
    and storing the appointment one statement each (the audit row comes on top)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tongban.appointments.services import appointment_book

    with CaptureQueriesContext(connection) as ctx:
        appt = appointment_book(user=personas.citizen, item_code=ITEM, slot_id=slots[0].pk, at=now)
    ours = [q["sql"].split()[0].upper() for q in ctx.captured_queries if "appointments_" in q["sql"]]
    assert ours == ["SELECT", "UPDATE", "INSERT"]
    stored = Appointment.objects.select_related("slot", "outlet").get(number=appt.number)
    assert (stored.status, stored.slot_id, stored.outlet_id, stored.item_code, stored.created_at) == (
        appt.status,
        appt.slot_id,
        appt.outlet_id,
        appt.item_code,
        now,
    )
    assert (appt.outlet.code, appt.slot.start) == (stored.outlet.code, stored.slot.start)
    assert Slot.objects.get(pk=slots[0].pk).booked == 1


def test_one_active_booking_per_person_per_item(api: Any, personas: Any, slots: list[Slot], clock: Any) -> None:
    assert _book(api, personas.citizen, slots[0]).status_code == 201
    r = _book(api, personas.citizen, slots[1])
    assert r.status_code == 409
    assert r.json()["code"] == "already_booked"
    slots[1].refresh_from_db()
    assert slots[1].booked == 0
    assert Appointment.objects.filter(user=personas.citizen).count() == 1


def test_a_full_slot_refuses_and_leaves_nothing(api: Any, personas: Any, slots: list[Slot], clock: Any) -> None:
    slot = slots[0]
    Slot.objects.filter(pk=slot.pk).update(booked=4)
    r = _book(api, personas.citizen, slot)
    assert r.status_code == 409
    assert r.json()["code"] == "slot_full"
    assert not Appointment.objects.exists()


def test_wrong_item_group_outlet_and_past_slot_are_refused(
    api: Any, personas: Any, slots: list[Slot], clock: Any, now: dt.datetime
) -> None:
    # no_criminal_record is a 治安 item: a 交管 slot cannot take it.
    r = _book(api, personas.citizen, slots[0], item="no_criminal_record")
    assert (r.status_code, r.json()["code"]) == (400, "wrong_group")
    clock["now"] = slots[0].start + dt.timedelta(minutes=1)
    r = _book(api, personas.citizen, slots[0])
    assert (r.status_code, r.json()["code"]) == (409, "slot_past")
    clock["now"] = now
    r = api(personas.citizen).post(
        "/api/v1/appointments/", {"slot_id": 987654321, "item_code": ITEM}, content_type="application/json"
    )
    assert (r.status_code, r.json()["code"]) == (404, "slot_not_found")
    from tongban.outlets.models import Outlet

    Outlet.objects.filter(pk=slots[0].outlet_id).update(active=False)  # closed: it handles nothing
    r = _book(api, personas.citizen, slots[0])
    assert (r.status_code, r.json()["code"]) == (400, "outlet_cannot")
    assert not Appointment.objects.exists()


def test_reschedule_moves_the_place(api: Any, personas: Any, slots: list[Slot], clock: Any) -> None:
    number = _book(api, personas.citizen, slots[0]).json()["number"]
    r = api(personas.citizen).post(
        f"/api/v1/appointments/{number}/reschedule", {"slot_id": slots[3].pk}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["start"] == "2026-04-02T02:30:00Z"  # 10:30 in Shanghai
    booked = dict(Slot.objects.filter(pk__in=[slots[0].pk, slots[3].pk]).values_list("pk", "booked"))
    assert booked == {slots[0].pk: 0, slots[3].pk: 1}


def test_staff_cannot_book_and_anonymous_is_401(api: Any, personas: Any, slots: list[Slot], clock: Any) -> None:
    assert _book(api, personas.clerk, slots[0]).status_code == 403
    assert _book(api, None, slots[0]).status_code == 401


def test_rate_limit_stops_a_slot_grabbing_script(
    personas: Any, slots: list[Slot], now: dt.datetime, settings: Any
) -> None:
    from tongban.appointments.services import appointment_book, appointment_cancel
    from tongban.common.errors import Conflict, TooMany

    settings.APPOINTMENT_POLICY = {"attempts_per_minute": 3}
    appt = appointment_book(user=personas.citizen, item_code=ITEM, slot_id=slots[0].pk, at=now)
    for i in (1, 2):  # attempts two and three are refused on their merits ...
        with pytest.raises(Conflict):
            appointment_book(user=personas.citizen, item_code=ITEM, slot_id=slots[i].pk, at=now)
    with pytest.raises(TooMany):  # ... the fourth within the minute is a script
        appointment_book(user=personas.citizen, item_code=ITEM, slot_id=slots[3].pk, at=now)
    appointment_cancel(user=personas.citizen, number=appt.number, at=now)
    later = now + dt.timedelta(minutes=1)
    assert appointment_book(user=personas.citizen, item_code=ITEM, slot_id=slots[3].pk, at=later).status == "booked"
    assert Slot.objects.get(pk=slots[3].pk).booked == 1
    assert sum(Slot.objects.filter(pk__in=[s.pk for s in slots[:3]]).values_list("booked", flat=True)) == 0


def test_max_active_counts_every_item(
    personas: Any, station: Any, slots: list[Slot], now: dt.datetime, settings: Any
) -> None:
    from tongban.appointments.services import appointment_book, slot_plan_set, slots_generate
    from tongban.common.errors import Conflict
    from tongban.outlets.services import outlet_items_set

    settings.APPOINTMENT_POLICY = {"max_active": 1}
    outlet_items_set(code=station.code, items=[ITEM, "id_card_renew"], at=now)
    plan = slot_plan_set(outlet=station, group="huzheng", counters=1, visit_minutes=15, at=now)
    slots_generate(plan=plan, start_day=dt.date(2026, 4, 2), days=1, at=now, calendar=lambda d: DayKind.WORKDAY)
    hz = Slot.objects.filter(group="huzheng").order_by("start").first()
    assert hz is not None
    appointment_book(user=personas.citizen, item_code=ITEM, slot_id=slots[0].pk, at=now)
    with pytest.raises(Conflict) as exc:
        appointment_book(user=personas.citizen, item_code="id_card_renew", slot_id=hz.pk, at=now)
    assert exc.value.code == "too_many_active"


def test_check_in_gives_a_ticket_only_at_the_booked_outlet(personas: Any, slots: list[Slot], now: dt.datetime) -> None:
    from tongban.appointments.selectors import queue_today
    from tongban.appointments.services import appointment_book, appointment_check_in
    from tongban.common.errors import Conflict, NotFound

    appt = appointment_book(user=personas.citizen, item_code=ITEM, slot_id=slots[0].pk, at=now)
    personas.clerk.outlet = slots[0].outlet
    personas.clerk.save()
    with pytest.raises(NotFound):  # a clerk of another outlet does not see it
        appointment_check_in(clerk=personas.other_clerk, number=appt.number, at=slots[0].start)
    with pytest.raises(Conflict):  # a day early
        appointment_check_in(clerk=personas.clerk, number=appt.number, at=slots[0].start - dt.timedelta(days=1))
    done = appointment_check_in(clerk=personas.clerk, number=appt.number, at=slots[0].start)
    assert (done.status, done.ticket) == ("checked_in", "J001")
    queue = queue_today(outlet_id=slots[0].outlet_id, at=slots[0].start)
    assert [(a.number, a.ticket) for a in queue] == [(appt.number, "J001")]


def test_no_shows_are_recorded_and_repeated_no_shows_suspend_booking(
    personas: Any, slots: list[Slot], now: dt.datetime, settings: Any
) -> None:
    from tongban.appointments.services import appointment_book, appointments_mark_no_shows
    from tongban.common.errors import Forbidden

    settings.APPOINTMENT_POLICY = {"no_show_limit": 2, "attempts_per_minute": 100}
    for i in range(2):
        appt = appointment_book(user=personas.citizen, item_code=ITEM, slot_id=slots[i].pk, at=now)
        after = slots[i].end + dt.timedelta(minutes=16)
        assert appointments_mark_no_shows(at=after) == 1
        appt.refresh_from_db()
        assert appt.status == AppointmentStatus.NO_SHOW
    slots[0].refresh_from_db()
    assert slots[0].booked == 1  # a no-show keeps its place in the count
    with pytest.raises(Forbidden) as exc:
        appointment_book(user=personas.citizen, item_code=ITEM, slot_id=slots[20].pk, at=slots[1].end)
    assert exc.value.code == "no_show_ban"


def test_reminder_sent_once_through_the_task_queue(
    personas: Any, slots: list[Slot], now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    from tongban.appointments.services import appointment_book, appointments_remind_due

    with django_capture_on_commit_callbacks(execute=True):
        appt = appointment_book(user=personas.citizen, item_code=ITEM, slot_id=slots[0].pk, at=now)
    appt.refresh_from_db()
    assert appt.reminded_at is None  # weeks ahead: the immediate backend cannot defer it
    day_before = slots[0].start - dt.timedelta(hours=20)
    assert appointments_remind_due(at=day_before) == 1  # the immediate backend runs it now
    appt.refresh_from_db()
    assert appt.reminded_at is not None
    assert appointments_remind_due(at=day_before) == 0


def test_the_statutory_calendar_closes_national_day_and_opens_the_makeup_saturday(plan: Any, now: dt.datetime) -> None:
    from tongban.appointments.services import slots_generate

    # No calendar passed: the working-day calendar in the database (tongban.workdays) decides.
    slots_generate(plan=plan, start_day=dt.date(2026, 9, 30), days=11, at=now)
    days = _local_days(list(Slot.objects.filter(outlet=plan.outlet)))
    # 1–7 October are the holiday; Saturday 10 October is worked in lieu (调休) on Monday's hours.
    assert days == {
        dt.date(2026, 9, 30): 14,
        dt.date(2026, 10, 8): 14,
        dt.date(2026, 10, 9): 14,
        dt.date(2026, 10, 10): 14,
    }


def test_pages_book_list_and_cancel(
    api: Any, personas: Any, slots: list[Slot], clock: Any, django_assert_max_num_queries: Any
) -> None:
    clock["now"] = dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC)  # the booking page shows two weeks
    client = api(personas.citizen)
    page = client.get("/appointments/book/", {"item": ITEM, "outlet": "T-PS-BOOK"})
    assert page.status_code == 200
    assert f'value="{slots[0].pk}"' in page.content.decode()
    r = client.post("/appointments/book/", {"item": ITEM, "outlet": "T-PS-BOOK", "slot": slots[2].pk})
    assert r.status_code == 302
    (appt,) = Appointment.objects.filter(user=personas.citizen)
    assert appt.slot_id == slots[2].pk
    with django_assert_max_num_queries(8):  # one query for the list, not one per row
        mine = client.get("/appointments/mine/")
    html = mine.content.decode()
    assert "机动车驾驶证补领换领" in html
    assert appt.number in html
    assert client.post(f"/appointments/{appt.number}/cancel/").status_code == 302
    appt.refresh_from_db()
    assert appt.status == "cancelled"
    # An outlet that does not handle the item offers nothing to book.
    assert client.get("/appointments/book/", {"item": "passport", "outlet": "T-PS-BOOK"}).status_code == 404


def test_demo_plans_every_bookable_outlet_once(catalog: None, now: dt.datetime) -> None:
    import io

    from tongban.appointments.demo import demo_load
    from tongban.appointments.models import SlotPlan
    from tongban.outlets.demo import outlets_generate

    outlets_generate(at=now)
    out = io.StringIO()
    demo_load(now=now, stdout=out)
    plans = SlotPlan.objects.count()
    assert plans > 100
    # Kiosks and 5G machines take no bookings; a station handling 驾驶证补换领 plans for 交管.
    assert not SlotPlan.objects.filter(outlet__kind__in=["kiosk", "all_in_one_5g"]).exists()
    assert SlotPlan.objects.filter(outlet__kind="police_station", group="jiaoguan").exists()
    assert Slot.objects.exists()
    from tongban.appointments.models import SpecialSession

    (session,) = SpecialSession.objects.all()  # 高考学生专场 at an exit-entry hall, with its slots
    assert (session.label_zh, session.max_age, session.slots.count()) == ("高考学生专场", 20, 6)
    demo_load(now=now, stdout=out)
    assert SlotPlan.objects.count() == plans and SpecialSession.objects.count() == 1
    assert out.getvalue().splitlines()[-2:] == [
        "appointments: 0 slot plans added, 0 slots generated ahead",
        "appointments: 0 special sessions, 0 home visits added",
    ]
