"""The outlet's cancel button on a home visit asks first and says what it cancels."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from tongban.appointments.tests.test_flags import _request, visit_outlet  # noqa: F401  # a fixture

pytestmark = pytest.mark.django_db


def test_staff_cancel_of_a_home_visit_asks_first(
    api: Any,
    personas: Any,
    visit_outlet: Any,  # noqa: F811  # the fixture imported above
    now: dt.datetime,
) -> None:
    _request(personas.citizen, visit_outlet, now)
    client = api(personas.clerk)
    page = client.get(reverse("appointments:visits")).content.decode()
    cancel = page.split('name="action" value="cancel"', 1)[1].split("</form>", 1)[0]
    assert 'data-confirm="确定取消这次上门服务吗？' in cancel and ">取消上门</button>" in cancel
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("appointments:visits")).content.decode()
    cancel = page.split('name="action" value="cancel"', 1)[1].split("</form>", 1)[0]
    assert 'data-confirm="Cancel this home visit?' in cancel and ">Cancel the visit</button>" in cancel
