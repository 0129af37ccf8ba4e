"""A 404 in a browser, in Chinese and in English (issue 21)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_404_in_chinese_then_english(browser_page) -> None:
    page = browser_page
    response = page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", name="找不到此页面").is_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")
    assert page.get_by_role("heading", name="Page not found").is_visible()
    page.get_by_role("link", name="Find a service guide").click()
    page.wait_for_url("**/catalog/**")
