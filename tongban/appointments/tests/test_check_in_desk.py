"""The check-in desk (预约签到) through the page: a refusal tells the clerk what to do next."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse

from tongban.appointments.models import Appointment, Slot
from tongban.appointments.services import appointment_book
from tongban.appointments.tests.conftest import ITEM
from tongban.appointments.tests.test_booking import plan, slots  # noqa: F401  # fixtures

pytestmark = pytest.mark.django_db


def _error(client: Any, number: str, at: dt.datetime) -> str:
    with mock.patch("tongban.appointments.views.now", return_value=at):
        page = client.post(reverse("appointments:check_in"), {"number": number}, follow=True).content.decode()
    found = re.search(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', page, re.S)
    assert found, "no error message"
    return html.unescape(found.group(1)).strip()


def test_check_in_refusals_say_what_to_do(
    personas: Any,
    slots: list[Slot],  # noqa: F811  # the fixture imported above
    now: dt.datetime,
    api: Any,
) -> None:
    appt = appointment_book(user=personas.citizen, item_code=ITEM, slot_id=slots[0].pk, at=now)
    personas.clerk.outlet = slots[0].outlet
    personas.clerk.save()
    clerk, other = api(personas.clerk), api(personas.other_clerk)
    start = slots[0].start

    assert "AP-NOPE" in (msg := _error(clerk, "AP-NOPE", start)) and "窗口工作台" in msg
    assert appt.number in (msg := _error(other, appt.number, start)) and "其他网点" in msg
    msg = _error(clerk, appt.number, start - dt.timedelta(days=1))
    assert msg.startswith("不在签到时间内：该预约时段为") and "改约" in msg
    assert Appointment.objects.get(pk=appt.pk).status == "booked"  # refused: nothing moved

    with mock.patch("tongban.appointments.views.now", return_value=start):
        clerk.post(reverse("appointments:check_in"), {"number": appt.number})
    assert _error(clerk, appt.number, start) == "该预约已签到，排队号 J001"
