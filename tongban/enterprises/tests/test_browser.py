"""Browser test (Playwright, Debian's Chromium): an enterprise administrator applies for passes
for two vehicles at once; the traffic police approve one; a traffic officer verifies it on the
roadside page on a phone. The ring road is open to every class at every hour, so the verdict
does not depend on the time the test runs."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def login(page: Any, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


def test_two_passes_then_a_roadside_check(browser_page: Any, fleet: Any, personas: Any) -> None:
    from tongban.cases.services import case_accept, case_transition
    from tongban.certificates.models import Certificate
    from tongban.common.clock import local_today, now
    from tongban.enterprises.models import TruckPass

    page = browser_page
    login(page, fleet.admin.username, "pw-citizen-123")
    page.goto(f"/enterprises/e/{fleet.enterprise.uscc}/")
    page.check("input[name=plates][value='浙AD0001']")
    page.check("input[name=plates][value='浙AD0004']")
    page.fill("input[name=start_on]", local_today().isoformat())
    page.click("#pass-form button[type=submit]")
    page.wait_for_selector("text=已提交 2 辆车的通行码申请")
    assert TruckPass.objects.count() == 2

    number = TruckPass.objects.get(vehicle__plate="浙AD0004").case_number
    officer = personas.approvers["jiaoguan"]
    case_accept(number=number, actor=officer, now=now())
    case_transition(number=number, to="approved", actor=officer, now=now())
    token = Certificate.objects.get(case_number=number).token

    page.set_viewport_size({"width": 390, "height": 844})
    login(page, officer.username, "pw-staff-123")
    page.goto("/enterprises/roadside/")
    page.fill("textarea[name=t]", token)
    page.select_option("select[name=road]", "ring")
    page.click("#verify-form button[type=submit]")
    result = page.wait_for_selector("#roadside-result")
    assert result.get_attribute("data-allowed") == "yes"
    assert "浙AD0004" in result.inner_text() and "大型货车" in result.inner_text()
