"""Browser test (Playwright, Debian's Chromium): a citizen applies for 无犯罪记录证明 online, a
clerk accepts a walk-in's 居住证 under 告知承诺, the approvers approve both, and the applicants see
them completed. Uses the shipped catalog items and the live clock (so it loads next year's
calendar as plain weekdays for the deadlines that reach into it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def login(page: Any, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


def test_apply_accept_approve_complete(browser_page: Any, personas: Any) -> None:
    from tongban.common.clock import now
    from tongban.workdays.models import CalendarYear
    from tongban.workdays.selectors import calendar_clear_cache
    from tongban.workdays.services import calendar_year_load

    page = browser_page
    year = now().year + 1
    if not CalendarYear.objects.filter(year=year).exists():
        calendar_year_load(year=year, rules=[], source="test: weekdays", now=now())
    calendar_clear_cache()

    # 1. The citizen applies online for the no-criminal-record proof.
    login(page, personas.citizen.username, "pw-citizen-123")
    page.goto("/cases/apply/no_criminal_record/")
    assert page.locator('[data-material="id_card"][data-state="supplied"]').count() == 1
    page.select_option("select[name=purpose]", "employment")
    page.fill("input[name=period_years]", "5")
    page.click("#submit-apply")
    page.wait_for_selector("#case-number")
    ncr = page.inner_text("#case-number")
    assert page.get_attribute("#case-status", "data-status") == "submitted"

    # 2. The clerk accepts a walk-in's residence permit under 告知承诺 (a migrant: 户籍 elsewhere).
    from conftest import make_person
    from tongban.accounts.models import User
    from tongban.common.ids import make_id_number

    migrant = make_person(
        make_id_number("360403", dt.date(1988, 4, 2), 31), "赵六", household=None, relation="", hukou_region="360403"
    )
    User.objects.create_user(
        username=migrant.id_number,
        id_number=migrant.id_number,
        role="citizen",
        real_name=migrant.name,
        person=migrant,
        password="pw-citizen-123",
    )
    walk_in = migrant.id_number
    login(page, "clerk1", "pw-staff-123")
    page.goto("/workbench/")
    page.fill("#id_id_number", walk_in)
    page.click("main form button[type=submit]")
    page.wait_for_selector("#pick-item")
    page.select_option("#pick-item", "residence_permit")
    page.click("#pick-submit")  # the picker sends nothing on change (POST: no ID in the URL)
    page.wait_for_selector("#intake-form")
    page.select_option("select[name=basis]", "employment")
    page.fill("input[name=months_resident]", "8")
    page.fill("input[name=address]", "杭州市西湖区文三路 1 号")
    page.click("#do-commitment")
    page.wait_for_selector("#receipt-number")
    rp = page.inner_text("#receipt-number")

    # 3. The approvers accept/approve.
    login(page, "approver-zhian", "pw-staff-123")
    page.goto(f"/cases/{ncr}/")
    page.click('[data-action="accepted"] button')
    page.click('[data-action="approved"] button')
    page.wait_for_selector('#case-status[data-status="completed"]')
    login(page, "approver-huzheng", "pw-staff-123")
    page.goto("/cases/queue/")
    page.check(f'input[name=numbers][value="{rp}"]')
    page.click("#bulk-approve")
    page.wait_for_selector("#queue-rows")

    # 4. The applicants see them completed.
    login(page, personas.citizen.username, "pw-citizen-123")
    page.goto("/cases/mine/")
    assert page.get_attribute(f'tr[data-number="{ncr}"]', "data-status") == "completed"
    login(page, walk_in, "pw-citizen-123")
    page.goto("/cases/mine/")
    assert page.get_attribute(f'tr[data-number="{rp}"]', "data-status") == "completed"
