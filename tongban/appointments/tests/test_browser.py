"""The citizen's journey: map → filter 驾驶证补换领 → nearest outlet → book → my appointments → cancel."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongban.appointments.tests.conftest import ITEM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bookable_city(station: Any) -> Any:
    """Two outlets accept the item; the live server reads the real clock, so slots are made
    from the real today on with an always-working calendar (no date is asserted)."""
    from tongban.appointments.services import slot_plan_set, slots_generate
    from tongban.common.clock import now
    from tongban.outlets.geo import DayKind
    from tongban.outlets.selectors import outlet_snapshot_clear
    from tongban.outlets.services import outlet_upsert

    at = now()
    every_day = {d: "08:00-20:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    outlet_upsert(code=station.code, lat=station.lat, lng=station.lng, hours=every_day, at=at)
    outlet_upsert(
        code="T-PS-FAR",
        name="远处综合窗口",
        kind="police_station",
        region_code="330110",
        lat=30.40,
        lng=119.98,
        bookable=True,
        items=[ITEM],
        hours=every_day,
        at=at,
    )
    plan = slot_plan_set(outlet=station, group="jiaoguan", counters=1, visit_minutes=15, slot_minutes=30, at=at)
    slots_generate(
        plan=plan, start_day=at.date() + dt.timedelta(days=1), days=3, at=at, calendar=lambda d: DayKind.WORKDAY
    )
    outlet_snapshot_clear()
    return station


def test_citizen_finds_the_nearest_outlet_books_and_cancels(
    browser_page: Any, personas: Any, bookable_city: Any
) -> None:
    page = browser_page
    page.goto("/accounts/login/")
    page.get_by_label("身份证号码或工作账号").fill(personas.citizen.id_number)
    page.get_by_label("密码").fill("pw-citizen-123")
    page.get_by_role("button", name="登录").click()

    page.get_by_role("link", name="服务地图").first.click()
    page.wait_for_selector("#map[data-outlets]")  # markers drawn with no tile server at all
    page.get_by_label("办理事项").select_option(label="机动车驾驶证补领换领")
    page.wait_for_function("() => document.querySelector('#map').dataset.outlets === '2'")
    first = page.locator("#nearest li.nearest-outlet").first
    first.wait_for()
    assert first.get_attribute("data-code") == bookable_city.code  # the nearer of the two
    first.get_by_role("link", name="预约办理").click()

    page.wait_for_url("**/appointments/book/**")
    page.locator("input[name=slot]").first.check()
    page.get_by_role("button", name="确认预约").click()

    page.wait_for_url("**/appointments/mine/")
    row = page.locator("tr.appointment").first
    assert "已预约" in row.inner_text()
    assert bookable_city.name in row.inner_text()
    row.get_by_role("link", name="取消预约").click()
    page.wait_for_url("**/cancel/")  # asks first
    page.get_by_role("button", name="确认取消预约").click()
    page.wait_for_url("**/appointments/mine/")
    assert "已取消" in page.locator("tr.appointment").first.inner_text()

    from tongban.appointments.models import Appointment, Slot

    (appt,) = Appointment.objects.all()
    assert appt.status == "cancelled"
    assert Slot.objects.get(pk=appt.slot_id).booked == 0
