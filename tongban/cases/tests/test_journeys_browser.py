"""Browser journeys of issue 15 (Playwright, Debian's Chromium), on the shipped catalog and the
live clock: a citizen with a registered truck applies for 货车通行码 and downloads the pass; a
citizen renews a 犬证 with the clinic's vaccination record linked; a clerk refuses an item at
intake and the citizen reads the reason in their inbox."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def login(page: Any, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def hall(personas: Any, settings: Any, tmp_path: Path, live_server: Any) -> Any:
    """The shipped catalog at the personas' outlet (with its bureau), this year's and next year's
    calendars (deadlines may reach into next year) and certificate keys of the test."""
    from tongban.catalog.selectors import items_list
    from tongban.catalog.services import catalog_load
    from tongban.common.clock import now
    from tongban.common.lookups import forget_all
    from tongban.outlets.models import OutletItem
    from tongban.workdays.models import CalendarYear
    from tongban.workdays.selectors import calendar_clear_cache
    from tongban.workdays.services import calendar_year_load

    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"
    settings.SITE_URL = live_server.url
    at = now()
    catalog_load(at=at)
    for year in (at.year, at.year + 1):
        if not CalendarYear.objects.filter(year=year).exists():
            calendar_year_load(year=year, rules=[], source="test: weekdays", now=at)
    calendar_clear_cache()
    OutletItem.objects.bulk_create([OutletItem(outlet=personas.outlet, item_code=i.code) for i in items_list()])
    personas.outlet.bureau, personas.outlet.bureau_en = "杭州市公安局西湖分局", "Xihu Branch, Hangzhou PSB"
    personas.outlet.save()
    forget_all()
    return at


def _download(page: Any, number: str, tmp_path: Path) -> bytes:
    """The citizen's 我的证照 row for the certificate, its 下载 PDF link; the file's bytes."""
    page.goto("/certificates/mine/")
    row = page.locator(f"tr[data-number='{number}']")
    with page.expect_download() as download_info:
        row.get_by_role("link", name="下载 PDF").click()
    pdf = tmp_path / f"{number}.pdf"
    download_info.value.save_as(pdf)
    return pdf.read_bytes()


def _verifies_offline(pdf: bytes, certificate: Any) -> None:
    from tongban.certificates.core import KeySet, Status, verify
    from tongban.certificates.core.extract import extract_from_pdf
    from tongban.certificates.signing import key_directory
    from tongban.common.clock import now

    extracted = extract_from_pdf(pdf, allow_raster=False)
    assert extracted.token == certificate.token
    offline = verify(extracted.token, KeySet.load(key_directory().keyset_path), now=now())
    assert offline.status is Status.GENUINE


def test_a_citizen_with_a_registered_truck_gets_and_downloads_the_pass(
    browser_page: Any, personas: Any, hall: dt.datetime, tmp_path: Path
) -> None:
    from tongban.certificates.models import Certificate
    from tongban.registry.models import Vehicle

    Vehicle.objects.create(
        plate="浙A7T300",
        owner_id=personas.citizen.person_id,
        kind="heavy_truck",
        length_mm=9600,
        gross_kg=18000,
        registered_on=dt.date(2021, 6, 1),
    )
    page = browser_page
    login(page, personas.citizen.username, "pw-citizen-123")
    page.goto("/cases/apply/truck_pass/")
    # the truck comes from the vehicle registry: nothing to upload
    assert page.get_attribute('[data-material="vehicle"]', "data-state") == "supplied"
    assert "来自机动车登记信息" in page.inner_text('[data-material="vehicle"]')
    page.fill("input[name=plate]", "浙A7T300")
    page.select_option("select[name=body]", "box")
    page.fill("input[name=length_mm]", "9600")
    page.fill("input[name=gross_kg]", "18000")
    page.fill("input[name=start_on]", hall.date().isoformat())
    page.fill("input[name=days]", "30")
    page.fill("input[name=area]", "绕城高速以内")
    page.click("#submit-apply")
    page.wait_for_selector("#case-number")
    number = page.inner_text("#case-number")
    assert page.get_attribute("#case-status", "data-status") == "submitted"

    # the traffic police accept and approve; the pass is issued at once
    login(page, "approver-jiaoguan", "pw-staff-123")
    page.goto(f"/cases/{number}/")
    page.click('[data-action="accepted"] button')
    page.wait_for_selector('#case-status[data-status="accepted"]')
    page.click('[data-action="approved"] button')
    page.wait_for_selector('#case-status[data-status="completed"]')

    certificate = Certificate.objects.get(case_number=number)
    assert certificate.template == "TP"
    assert certificate.facts["plate"] == "浙A7T300"
    assert certificate.facts["vehicle_class"] == "大型货车"  # 9.6 m, 18 t: a large truck (GA 802)
    assert "22:30-05:30" in certificate.facts["hours"]  # a large truck's night hours
    assert certificate.authority_zh == "杭州市公安局交通警察支队"  # the city's traffic police, not a constant

    login(page, personas.citizen.username, "pw-citizen-123")
    page.goto(f"/cases/{number}/")
    assert page.get_attribute("#case-status", "data-status") == "completed"
    pdf = _download(page, certificate.number, tmp_path)
    assert pdf.startswith(b"%PDF")
    _verifies_offline(pdf, certificate)


def test_a_citizen_renews_a_dog_licence_with_the_vaccination_record_linked(
    browser_page: Any, personas: Any, hall: dt.datetime, tmp_path: Path
) -> None:
    from tongban.certificates.models import Certificate
    from tongban.registry.models import Dog

    Dog.objects.create(
        owner_id=personas.citizen.person_id,
        name="豆豆",
        breed="柯基",
        chip="900164000777001",
        vaccinated_on=hall.date() - dt.timedelta(days=60),
        vaccine_valid_until=hall.date() + dt.timedelta(days=300),
    )
    page = browser_page
    login(page, personas.citizen.username, "pw-citizen-123")
    page.goto("/cases/apply/dog_licence_renew/")
    # the clinic's record is linked: shown as supplied from the vaccination source, no upload
    vaccination = '[data-material="vaccination"]'
    assert page.get_attribute(vaccination, "data-state") == "supplied"
    assert "来自犬只免疫信息" in page.inner_text(vaccination)
    assert page.locator("#material_vaccination").count() == 0
    page.fill("input[name=chip]", "900164000777001")
    page.click("#submit-apply")
    page.wait_for_selector("#case-number")
    # 即办件: renewed at once, the case page showing the linked record among its materials
    assert page.get_attribute("#case-status", "data-status") == "completed"
    assert page.get_attribute(vaccination, "data-state") == "supplied"
    assert "来自犬只免疫信息" in page.inner_text(vaccination)
    number = page.inner_text("#case-number")

    certificate = Certificate.objects.get(case_number=number)
    assert certificate.template == "DOG"
    # the licence names the dog and its vaccination from the clinic's record
    assert (certificate.facts["dog_name"], certificate.facts["breed"]) == ("豆豆", "柯基")
    valid_until = (hall.date() + dt.timedelta(days=300)).isoformat()
    assert certificate.facts["vaccination"] == f"芯片900164000777001，免疫有效期至{valid_until}"
    page.goto("/certificates/mine/")
    assert page.locator(f"tr[data-number='{certificate.number}'] a.dog-violations").count() == 1
    _verifies_offline(_download(page, certificate.number, tmp_path), certificate)


def test_a_clerk_refuses_at_intake_and_the_citizen_reads_why_in_the_inbox(
    browser_page: Any, personas: Any, hall: dt.datetime
) -> None:
    from tongban.cases.models import Case
    from tongban.catalog.selectors import item_get

    reason = "申请人要求开具的亲属关系证明涉及的亲属不在本辖区登记，请到其户籍地派出所办理"
    page = browser_page
    login(page, "clerk1", "pw-staff-123")
    page.goto("/workbench/")
    page.fill("#id_id_number", personas.citizen.id_number)
    page.click("main form button[type=submit]")
    page.wait_for_selector("#pick-item")
    page.select_option("#pick-item", "hukou_certificate")
    page.click("#pick-submit")
    page.wait_for_selector("#intake-form")
    page.select_option("select[name=kind]", "relationship")
    page.fill("input[name=purpose]", "办理继承公证")
    page.fill("#intake-reason", reason)
    questions: list[str] = []

    def answer(dialog: Any) -> None:  # the refusal asks first; the clerk confirms
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.click("#do-refuse")
    page.wait_for_load_state()
    case = Case.objects.get(item_code="hukou_certificate", applicant=personas.citizen)
    assert questions and "不予受理" in questions[0]
    assert case.status == "refused_at_intake" and case.reason == reason

    login(page, personas.citizen.username, "pw-citizen-123")
    page.goto("/cases/mine/")
    assert page.inner_text("a.inbox-link .badge") == "1"  # the unread count in the header
    page.click("a.inbox-link")
    message = page.locator("ol.inbox li.unread").first
    text = message.inner_text()
    assert case.number in text and reason in text, text
    assert item_get(code="hukou_certificate").name_zh in text  # the item by its name, not its code
    assert "hukou_certificate" not in page.content()
