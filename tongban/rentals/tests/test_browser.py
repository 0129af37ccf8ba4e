"""Browser test (Playwright, Debian's Chromium): a landlord declares a property and, once the
station approves it, downloads its QR poster; a tenant opens the QR link on a phone and declares
moving in; an officer records a hazard and the landlord reports it rectified."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def login(page: Any, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_declare_poster_tenant_by_qr_link_then_a_hazard(browser_page: Any, personas: Any) -> None:
    from tongban.common.clock import local_today
    from tongban.rentals.models import Hazard, HazardState, PropertyState, RentalProperty, Tenancy, TenancyState
    from tongban.rentals.services import property_token

    page = browser_page
    landlord, tenant, officer = personas.citizen, personas.other_citizen, personas.approvers["zhian"]

    login(page, landlord.username, "pw-citizen-123")
    page.goto("/rentals/declare/")
    page.click("#use-home")
    page.fill("#declare-form input[name=rooms]", "2")
    page.fill("#declare-form input[name=capacity]", "3")
    page.click("#declare-form button[type=submit]")
    assert page.wait_for_selector("#prop-state").get_attribute("class") == "badge warn"
    prop = RentalProperty.objects.get(landlord=landlord)
    assert (prop.state, prop.rooms, prop.capacity) == (PropertyState.PENDING, 2, 3)

    login(page, officer.username, "pw-staff-123")
    page.goto(f"/rentals/p/{prop.number}/")
    page.click("#review-form button[value=approve]")
    page.wait_for_selector("#poster-link")
    prop.refresh_from_db()
    assert prop.state == PropertyState.APPROVED

    login(page, landlord.username, "pw-citizen-123")
    page.goto(f"/rentals/p/{prop.number}/")
    poster = page.request.get(page.get_attribute("#poster-link", "href"))
    assert poster.status == 200 and poster.headers["content-type"] == "application/pdf"
    assert poster.body()[:5] == b"%PDF-" and len(poster.body()) > 5000
    scan = page.get_attribute("#scan-link", "href")
    assert scan.endswith(f"/rentals/t/{property_token(prop)}/")  # what the poster's QR code encodes

    page.set_viewport_size(PHONE)
    login(page, tenant.username, "pw-citizen-123")
    page.goto(scan)
    page.fill("#move-in input[name=moved_in_on]", local_today().isoformat())
    page.click("#move-in button[type=submit]")
    page.wait_for_selector("text=入住申报已提交")
    tenancy = Tenancy.objects.get(property=prop)
    assert (tenancy.tenant_id, tenancy.state) == (tenant.pk, TenancyState.DECLARED)
    # The page fits the phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, officer.username, "pw-staff-123")
    page.goto(f"/rentals/p/{prop.number}/")
    page.select_option("#hazard-form select[name=kind]", "ebike")
    page.fill("#hazard-form textarea[name=note]", "楼道内电动车充电")
    page.fill("#hazard-form input[name=working_days]", "3")
    page.click("#hazard-form button[type=submit]")
    page.wait_for_selector("#hazards [data-hazard]")
    hazard = Hazard.objects.get(property=prop)
    assert (hazard.state, hazard.working_days) == (HazardState.OPEN, 3)

    login(page, landlord.username, "pw-citizen-123")
    page.goto(f"/rentals/p/{prop.number}/")
    card = page.locator(f"#hazards [data-hazard='{hazard.pk}']")
    card.locator("textarea[name=note]").fill("已移除电动车，楼道加装充电桩")
    card.locator("button[value=rectify]").click()
    page.wait_for_load_state()
    hazard.refresh_from_db()
    assert (hazard.state, hazard.rectification_note) == (HazardState.RECTIFIED, "已移除电动车，楼道加装充电桩")
