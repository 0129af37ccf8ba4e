"""The staff console in a browser (issue 21): an administrator changes an item's promised time
limit, previews the guide page, saves, and the public guide page shows the new limit."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_changes_a_promised_time_limit_and_the_guide_shows_it(browser_page, personas) -> None:
    page = browser_page
    page.goto("/accounts/login/")
    page.get_by_label("身份证号码或工作账号").fill("admin1")
    page.get_by_label("密码").fill("pw-staff-123")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="管理控制台").first.click()
    page.get_by_role("link", name="事项", exact=True).click()
    page.get_by_role("link", name="无犯罪记录证明").click()
    page.get_by_label("承诺时限（工作日）").fill("-2")
    page.get_by_role("button", name="预览办事指南").click()
    assert "承诺时限不能为负数" in page.locator("#problems").inner_text()
    page.get_by_label("承诺时限（工作日）").fill("2")
    page.get_by_label("修订说明").fill("承诺提速")
    page.get_by_role("button", name="预览办事指南").click()
    assert page.locator("#preview-notice").is_visible(), page.locator("main").inner_text()[:1500]
    assert page.locator("#promised-limit").inner_text() == "2 个工作日"
    page.get_by_role("button", name="确认保存").click()
    page.locator("#versions").wait_for()
    first = page.locator("#versions tbody tr").first
    assert "admin1" in first.inner_text() and "承诺时限" in first.inner_text()
    page.goto("/catalog/no_criminal_record/")
    assert page.locator("#promised-limit").inner_text() == "2 个工作日"


def test_admin_finds_a_material_by_pinyin_initials_and_adds_it(browser_page, personas) -> None:
    page = browser_page
    page.goto("/accounts/login/")
    page.get_by_label("身份证号码或工作账号").fill("admin1")
    page.get_by_label("密码").fill("pw-staff-123")
    page.get_by_role("button", name="登录").click()
    page.goto("/console/items/no_criminal_record/")
    page.get_by_label("查找要添加的材料").fill("hkb")
    listbox = page.get_by_label("添加材料", exact=True)
    assert listbox.input_value() == "parent_hukou"  # the first match is chosen
    assert page.locator("#id_add_code-count").inner_text() == "找到 2 种材料"
    enabled = page.locator("#id_add_code option:not([disabled])").all_inner_texts()
    assert enabled == ["父（母）居民户口簿", "死者居民户口簿"]
    page.get_by_role("button", name="预览办事指南").click()
    assert page.locator("#preview-notice").is_visible()
    assert "父（母）居民户口簿" in page.locator("main").inner_text()
