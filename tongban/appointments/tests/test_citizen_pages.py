"""What a citizen trips over on the appointment pages (the citizen sweep): cancelling asks
first, the list reads as cards on a phone, and an English page names the item in English."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.pages.crawl import english_violations
from tongban.appointments.models import Appointment, Slot
from tongban.appointments.tests.conftest import ITEM


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, dt.datetime]:
    """The pages' clock, pinned the day before the first slot."""
    state = {"now": dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC)}
    monkeypatch.setattr("tongban.appointments.views.now", lambda: state["now"])
    return state


@pytest.fixture
def booked(station: Any, workdays: Any, personas: Any, clock: Any, now: dt.datetime) -> Appointment:
    from tongban.appointments.services import appointment_book, slot_plan_set, slots_generate

    plan = slot_plan_set(
        outlet=station, group="jiaoguan", counters=2, visit_minutes=15, slot_minutes=30, days_ahead=7, at=now
    )
    slots_generate(plan=plan, start_day=dt.date(2026, 4, 2), days=7, at=now, calendar=workdays)
    slot = Slot.objects.filter(outlet=station).order_by("start")[2]
    return appointment_book(user=personas.citizen, item_code=ITEM, slot_id=slot.pk, at=clock["now"])


def test_cancel_asks_first_and_only_the_confirmation_cancels(api: Any, personas: Any, booked: Appointment) -> None:
    client = api(personas.citizen)
    mine = client.get("/appointments/mine/").content.decode()
    # the list's button leads to the question; it does not post the cancellation itself
    assert f'href="/appointments/{booked.number}/cancel/"' in mine
    assert f'action="/appointments/{booked.number}/cancel/"' not in mine
    page = client.get(f"/appointments/{booked.number}/cancel/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "确定取消这个预约吗？" in html
    assert "机动车驾驶证补领换领" in html
    assert 'href="/appointments/mine/"' in html  # a way back
    booked.refresh_from_db()
    assert booked.status == "booked"  # asking changed nothing
    assert client.post(f"/appointments/{booked.number}/cancel/").status_code == 302
    booked.refresh_from_db()
    assert booked.status == "cancelled"


def test_another_citizen_gets_no_question_about_my_booking(api: Any, personas: Any, booked: Appointment) -> None:
    assert api(personas.other_citizen).get(f"/appointments/{booked.number}/cancel/").status_code == 404


def test_my_appointments_are_cards_with_labels_on_a_phone(api: Any, personas: Any, booked: Appointment) -> None:
    html = api(personas.citizen).get("/appointments/mine/").content.decode()
    assert '<table class="cards-sm">' in html
    for label in ("预约号", "事项", "网点", "时段", "状态"):
        assert f'data-label="{label}"' in html


def test_english_pages_name_the_item_in_english(api: Any, personas: Any, booked: Appointment) -> None:
    client = api(personas.citizen)
    client.cookies["django_language"] = "en"
    for path in ("/appointments/mine/", f"/appointments/{booked.number}/cancel/"):
        html = client.get(path).content.decode()
        assert "Driving licence replacement" in html, path
        assert english_violations(html) == [], path
