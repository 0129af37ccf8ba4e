"""The clerk's item picker in a browser: typing 无犯罪 or pinyin initials and the keyboard alone
choose an item; nothing is sent on a change (issue 21)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _to_picker(page, personas) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("身份证号码或工作账号").fill("clerk1")
    page.get_by_label("密码").fill("pw-staff-123")
    page.get_by_role("button", name="登录").click()
    page.goto("/workbench/")
    page.get_by_label("申请人公民身份号码").fill(personas.other_citizen.id_number)
    page.get_by_role("button", name="查询").click()
    page.locator("#pick-search").wait_for()


def test_clerk_types_wufanzui_and_picks_the_item(browser_page, personas) -> None:
    page = browser_page
    _to_picker(page, personas)
    url = page.url
    page.locator("#pick-search").fill("无犯罪")
    assert page.locator("#pick-item").input_value() == "no_criminal_record"
    visible = page.locator("#pick-item option:not([hidden])")
    assert visible.count() == 1
    page.keyboard.press("ArrowDown")  # into the list: nothing is sent
    assert page.url == url and page.locator("#pick-item").evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    page.locator("#intake h4").wait_for()
    assert page.locator("#intake h4").inner_text() == "无犯罪记录证明"


def test_clerk_picks_by_keyboard_alone_with_pinyin_initials(browser_page, personas) -> None:
    page = browser_page
    _to_picker(page, personas)
    page.locator("#pick-search").focus()
    page.keyboard.type("pthz")  # 普通护照 (passport) by its pinyin initials
    chosen = page.locator("#pick-item").input_value()
    assert chosen == "passport"
    page.keyboard.press("Enter")  # Enter in the search box sends the form with the match
    page.locator("#intake h4").wait_for()
    assert "护照" in page.locator("#intake h4").inner_text()


def test_arrow_keys_in_the_list_do_not_send_the_form(browser_page, personas) -> None:
    page = browser_page
    _to_picker(page, personas)
    url = page.url
    page.locator("#pick-item").focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert page.url == url and not page.locator("#intake h4").count()
    assert page.locator("#pick-item").evaluate("el => el === document.activeElement")
