"""Browser journeys of the foundation: citizen and clerk log in, the clerk looks a person up,
the language switches."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("身份证号码或工作账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_citizen_logs_in_and_sees_own_record(browser_page, personas) -> None:
    page = browser_page
    _login(page, personas.citizen.id_number, "pw-citizen-123")
    page.get_by_role("link", name="我的档案").first.click()
    assert page.get_by_text(personas.citizen.id_number).is_visible()
    assert page.get_by_text("张三").first.is_visible()


def test_clerk_looks_a_person_up_masked_and_switches_language(browser_page, personas) -> None:
    page = browser_page
    _login(page, "clerk1", "pw-staff-123")
    page.get_by_role("link", name="窗口工作台").first.click()
    page.get_by_label("申请人公民身份号码").fill(personas.other_citizen.id_number)
    page.get_by_role("button", name="查询").click()
    card = page.locator("#person-card")
    card.wait_for()
    masked = personas.other_citizen.id_number[:6] + "********" + personas.other_citizen.id_number[-4:]
    assert masked in card.inner_text()
    assert personas.other_citizen.id_number not in card.inner_text()
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")
    assert page.get_by_role("button", name="中文").is_visible()
