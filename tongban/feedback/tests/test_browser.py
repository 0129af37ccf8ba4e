"""Browser tests (Playwright, Debian's Chromium): a citizen rates a finished case on a phone, and a
clerk hands the window tablet page to the applicant."""

from __future__ import annotations

from typing import Any

import pytest

from tongban.feedback.tests.flows import accept, at, file_online, file_window, finish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("fig_items"),
]


def login(page: Any, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


def test_citizen_rates_a_finished_case_on_a_phone(browser_page: Any, personas: Any) -> None:
    from tongban.feedback.models import Rating

    number = file_online(personas.citizen, "f_doc", at("2026-03-02", "09:00"))
    finish(
        number,
        approver=personas.approvers["huzheng"],
        receiver=personas.citizen,
        accepted=at("2026-03-02", "10:00"),
        decided=at("2026-03-03", "15:00"),
    )
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, personas.citizen.username, "pw-citizen-123")
    page.goto("/")
    page.click("#entry-points >> text=办件评价")  # reached from the home page
    page.click(f'[data-rate="{number}"]')
    page.wait_for_selector("#rating-form")
    page.screenshot(path="/tmp/figures-rate-phone.png", full_page=True)
    page.click("label.level-4")
    page.select_option("select[name=ind_convenience]", "5")
    page.fill("textarea[name=comment]", "办理很快")
    page.click("#submit-rating")
    page.wait_for_selector("text=感谢您的评价")
    assert page.locator(f'[data-rate="{number}"]').count() == 0
    r = Rating.objects.get(case_number=number)
    assert (r.level, r.channel, r.occasion, r.comment, r.scores["convenience"]) == (
        4,
        "online",
        "completion",
        "办理很快",
        5,
    )
    # the button fits the phone: nothing overflows the viewport
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_clerk_hands_the_tablet_to_the_applicant(browser_page: Any, personas: Any) -> None:
    from tongban.feedback.models import Rating

    clerk = personas.clerk
    number = file_window(clerk, personas.citizen.id_number, "f_doc", at("2026-03-02", "09:00"))
    accept(number, clerk, at("2026-03-02", "09:05"))
    page = browser_page
    login(page, "clerk1", "pw-staff-123")
    page.goto("/")
    page.click("#entry-points >> text=窗口评价")
    page.click(f'[data-handover="{number}"]')
    page.wait_for_selector("text=请您为本次服务评价")
    page.set_viewport_size({"width": 800, "height": 1280})  # the tablet, turned to the applicant
    assert page.locator("header.top").count() == 0  # no site navigation on the tablet page
    page.screenshot(path="/tmp/figures-tablet.png", full_page=True)
    page.click("label.level-5")
    page.select_option("select[name=ind_attitude]", "5")
    page.click("#submit-rating")
    page.wait_for_selector("#done")
    assert "交还工作人员" in page.inner_text("#done")
    r = Rating.objects.get(case_number=number)
    assert (r.channel, r.occasion, r.staff_id, r.rater_id, r.level) == ("window", "acceptance", clerk.pk, None, 5)
