"""专场 (special sessions) and 上门办 (home visits): who may book a session's slots, and a home
visit from the citizen's request through the outlet's scheduling (with the notice) to the visit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from tongban.appointments.models import Appointment, HomeVisit, HomeVisitState, Slot
from tongban.appointments.sessions import session_eligible, special_session_create
from tongban.appointments.tests.conftest import ITEM
from tongban.appointments.visits import home_visit_close, home_visit_request, home_visit_schedule, home_visits_for
from tongban.audit.models import AuditEntry
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound
from tongban.common.ids import make_id_number

pytestmark = pytest.mark.django_db
VISIT_ITEM = "id_card_renew"  # home_visit: true in the shipped catalog


def _session(station: Any, now: dt.datetime, **kw: Any) -> Any:
    start = dt.datetime(2026, 3, 14, 9, 0, tzinfo=SHANGHAI)  # a Saturday: sessions run off-hours too
    kw.setdefault("max_age", 20)
    return special_session_create(
        outlet=station,
        group="jiaoguan",
        label_zh="高考学生专场",
        label_en="Session for exam students",
        note_zh="本年度高考学生（20周岁以下）",
        note_en="This year's college-entrance exam students (20 or younger)",
        periods=[
            (start, start + dt.timedelta(hours=1)),
            (start + dt.timedelta(hours=1), start + dt.timedelta(hours=2)),
        ],
        capacity=2,
        at=now,
        **kw,
    )


def _student(seq: int = 777) -> Any:
    from conftest import make_person
    from tongban.accounts.models import User
    from tongban.common.roles import Role

    idn = make_id_number("330106", dt.date(2008, 3, 11), seq)  # 17 on 10 March 2026, 18 the next day
    person = make_person(idn, "王小明", phone="13800009999")
    return User.objects.create_user(
        username=idn, password="pw", role=Role.CITIZEN, id_number=idn, real_name="王小明", person=person
    )


def test_age_range_edges() -> None:
    class S:
        min_age, max_age = 18, 20

    idn = make_id_number("330106", dt.date(2008, 3, 11), 1)
    assert session_eligible(S, id_number=idn, day=dt.date(2026, 3, 10)) is False  # type: ignore[arg-type]  # 17
    assert session_eligible(S, id_number=idn, day=dt.date(2026, 3, 11)) is True  # type: ignore[arg-type]  # 18 today
    assert session_eligible(S, id_number=idn, day=dt.date(2029, 3, 10)) is True  # type: ignore[arg-type]  # 20
    assert session_eligible(S, id_number=idn, day=dt.date(2029, 3, 11)) is False  # type: ignore[arg-type]  # 21
    assert session_eligible(S, id_number="not-an-id", day=dt.date(2026, 3, 11)) is False  # type: ignore[arg-type]


def test_a_session_slot_is_booked_by_eligible_people_only(
    personas: Any, station: Any, now: dt.datetime, api: Any
) -> None:
    from tongban.appointments.services import appointment_book

    session = _session(station, now)
    slots = list(Slot.objects.filter(session=session).order_by("start"))
    assert [(s.capacity, s.booked) for s in slots] == [(2, 0), (2, 0)]
    with pytest.raises(Forbidden) as exc:  # the citizen persona is 35
        appointment_book(user=personas.citizen, item_code=ITEM, slot_id=slots[0].pk, at=now)
    assert exc.value.code == "not_eligible"
    assert Slot.objects.get(pk=slots[0].pk).booked == 0 and not Appointment.objects.exists()
    student = _student()
    appt = appointment_book(user=student, item_code=ITEM, slot_id=slots[0].pk, at=now)
    assert appt.slot_id == slots[0].pk and Slot.objects.get(pk=slots[0].pk).booked == 1
    session.active = False
    session.save()
    with pytest.raises(Forbidden):
        appointment_book(user=_student(778), item_code=ITEM, slot_id=slots[1].pk, at=now)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> None:
    """The interface layer's clock, pinned to ``now``."""
    for module in ("tongban.appointments.api", "tongban.appointments.views", "tongban.appointments.visit_views"):
        monkeypatch.setattr(f"{module}.now", lambda: now)


def test_session_slots_stay_out_of_the_ordinary_list_and_show_on_the_booking_page(
    personas: Any, station: Any, now: dt.datetime, api: Any, clock: None
) -> None:
    from tongban.appointments.selectors import slots_open

    _session(station, now)
    assert slots_open(outlet_id=station.pk, group="jiaoguan", at=now, days=14) == []
    r = api(None).get(f"/api/v1/appointments/sessions?outlet=T-PS-BOOK&item={ITEM}")
    assert r.status_code == 200
    (only,) = r.json()
    assert (only["label_zh"], only["max_age"], only["eligible"], len(only["slots"])) == ("高考学生专场", 20, None, 2)
    mine = api(personas.citizen).get(f"/api/v1/appointments/sessions?outlet=T-PS-BOOK&item={ITEM}").json()
    assert mine[0]["eligible"] is False
    page = api(_student()).get(reverse("appointments:book") + f"?outlet=T-PS-BOOK&item={ITEM}").content.decode()
    assert "高考学生专场" in page and 'data-eligible="1"' in page
    page = api(personas.citizen).get(reverse("appointments:book") + f"?outlet=T-PS-BOOK&item={ITEM}").content.decode()
    assert 'data-eligible="0"' in page and "data-not-eligible" in page


def test_a_session_needs_sane_data(station: Any, now: dt.datetime, personas: Any) -> None:
    with pytest.raises(Invalid):
        _session(station, now, min_age=30, max_age=20)
    with pytest.raises(Forbidden):
        _session(station, now, actor=personas.clerk)
    assert not Slot.objects.exists()


@pytest.fixture
def visit_outlet(catalog: None, now: dt.datetime, personas: Any) -> Any:
    """The clerk's outlet handles VISIT_ITEM and offers home visits."""
    from tongban.outlets.services import outlet_upsert

    return outlet_upsert(
        code=personas.outlet.code,
        name=personas.outlet.name,
        kind="police_station",
        region_code="330106",
        lat=30.28,
        lng=120.12,
        items=[VISIT_ITEM, ITEM],
        home_visit=True,
        at=now,
    )


def _request(user: Any, outlet: Any, now: dt.datetime, item: str = VISIT_ITEM) -> HomeVisit:
    return home_visit_request(
        user=user,
        item_code=item,
        outlet_code=outlet.code,
        address="西湖区文三路 1 号 3 单元 201",
        phone="13800000123",
        reason="年老体弱，行动不便",
        at=now,
    )


def test_home_visit_request_schedule_and_visit(personas: Any, visit_outlet: Any, now: dt.datetime) -> None:
    from tongban.notifications.models import Message

    visit = _request(personas.citizen, visit_outlet, now)
    assert (visit.state, visit.outlet_id, visit.visit_at) == (HomeVisitState.REQUESTED, visit_outlet.pk, None)
    with pytest.raises(Conflict):  # one open request per item
        _request(personas.citizen, visit_outlet, now)
    with pytest.raises(Conflict) as exc:  # not scheduled yet
        home_visit_close(actor=personas.clerk, number=visit.number, done=True, note="", at=now)
    assert exc.value.code == "home_visit_unscheduled"
    with pytest.raises(NotFound):  # another outlet's clerk
        home_visit_schedule(
            actor=personas.other_clerk, number=visit.number, visit_at=now + dt.timedelta(days=1), at=now
        )
    with pytest.raises(Invalid):
        home_visit_schedule(actor=personas.clerk, number=visit.number, visit_at=now - dt.timedelta(hours=1), at=now)
    when = dt.datetime(2026, 3, 12, 15, 0, tzinfo=SHANGHAI)
    visit = home_visit_schedule(actor=personas.clerk, number=visit.number, visit_at=when, at=now)
    assert (visit.state, visit.visit_at, visit.scheduled_by_id) == (HomeVisitState.SCHEDULED, when, personas.clerk.pk)
    message = Message.objects.get(kind="home_visit_scheduled", recipient=personas.citizen)
    assert message.params["visit_at"] == {"datetime": when.isoformat()} and message.params["number"] == visit.number
    visit = home_visit_close(actor=personas.clerk, number=visit.number, done=True, note="已采集", at=now)
    assert (visit.state, visit.done_at) == (HomeVisitState.DONE, now)
    with pytest.raises(Conflict):
        home_visit_schedule(actor=personas.clerk, number=visit.number, visit_at=when, at=now)
    actions = list(AuditEntry.objects.filter(object_id=visit.number).order_by("pk").values_list("action", flat=True))
    assert actions == ["home_visit.request", "home_visit.schedule", "home_visit.done"]


def test_home_visit_refusals_leave_nothing(personas: Any, visit_outlet: Any, now: dt.datetime) -> None:
    with pytest.raises(Invalid) as exc:  # 驾驶证补换领 offers no home visit
        _request(personas.citizen, visit_outlet, now, item=ITEM)
    assert exc.value.code == "no_home_visit"
    with pytest.raises(Forbidden):
        _request(personas.clerk, visit_outlet, now)
    with pytest.raises(NotFound):
        _request(personas.citizen, personas.other_outlet, now)
    assert not HomeVisit.objects.exists()


def test_cancel_by_the_outlet_tells_the_citizen_and_by_the_citizen_needs_no_reason(
    personas: Any, visit_outlet: Any, now: dt.datetime
) -> None:
    from tongban.notifications.models import Message

    visit = _request(personas.citizen, visit_outlet, now)
    with pytest.raises(Invalid):
        home_visit_close(actor=personas.clerk, number=visit.number, done=False, note="", at=now)
    home_visit_close(actor=personas.clerk, number=visit.number, done=False, note="地址不在辖区", at=now)
    assert Message.objects.filter(kind="home_visit_cancelled", recipient=personas.citizen).count() == 1
    again = _request(personas.citizen, visit_outlet, now)  # a closed request frees the item
    with pytest.raises(Forbidden):
        home_visit_close(actor=personas.citizen, number=again.number, done=True, note="", at=now)
    with pytest.raises(NotFound):
        home_visit_close(actor=personas.other_citizen, number=again.number, done=False, note="", at=now)
    assert (
        home_visit_close(actor=personas.citizen, number=again.number, done=False, note="", at=now).state == "cancelled"
    )
    assert [v.number for v in home_visits_for(user=personas.other_clerk)] == []
    assert len(home_visits_for(user=personas.clerk)) == 2


def test_home_visit_api_and_pages(api: Any, personas: Any, visit_outlet: Any) -> None:
    body = {
        "item_code": VISIT_ITEM,
        "outlet_code": visit_outlet.code,
        "address": "西湖区文三路 1 号",
        "phone": "13800000123",
        "reason": "行动不便",
    }
    r = api(personas.citizen).post("/api/v1/appointments/home-visits", body, content_type="application/json")
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    assert api(personas.clerk).get("/api/v1/appointments/home-visits").json()[0]["number"] == number
    assert api(personas.other_clerk).get("/api/v1/appointments/home-visits").json() == []
    r = api(personas.clerk).post(
        f"/api/v1/appointments/home-visits/{number}/schedule",
        {"visit_at": "2030-03-12T15:00:00+08:00"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "scheduled"
    page = api(personas.clerk).get(reverse("appointments:visits")).content.decode()
    assert f'data-number="{number}"' in page and 'data-state="scheduled"' in page and 'id="visit-counts"' in page
    r = api(personas.clerk).post(
        reverse("appointments:visit_act", args=[number]), {"action": "schedule", "visit_at": "2030-03-13T09:30"}
    )
    assert r.status_code == 302
    assert HomeVisit.objects.get(number=number).visit_at == dt.datetime(2030, 3, 13, 9, 30, tzinfo=SHANGHAI)
    page = api(personas.citizen).get(reverse("appointments:visit_request", args=[VISIT_ITEM])).content.decode()
    assert visit_outlet.name in page
    assert api(personas.citizen).get(reverse("appointments:visit_request", args=[ITEM])).status_code == 404


def test_withdrawing_a_home_visit_asks_first(api: Any, personas: Any, visit_outlet: Any, now: dt.datetime) -> None:
    # the citizen sweep: 撤回申请 posted at once, with no question
    visit = _request(personas.citizen, visit_outlet, now)
    html = api(personas.citizen).get(reverse("appointments:visits")).content.decode()
    assert 'class="btn danger" data-confirm="确定撤回这份上门办理申请吗？' in html
    visit.refresh_from_db()
    assert visit.state == HomeVisitState.REQUESTED
