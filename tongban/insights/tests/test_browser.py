"""Browser test (Playwright, Debian's Chromium): the administrator opens the dashboard, filters
to one district and one item, downloads the CSV of a table, and the CSV equals that table."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tongban.feedback.tests.flows import accept, approve, at, file_online, file_window

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


def table_cells(page: Any, key: str) -> list[list[str]]:
    rows = page.locator(f"#table-{key} tr")
    return [[c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()] for i in range(rows.count())]


def downloaded(download: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))


def test_admin_filters_to_a_district_and_an_item_and_downloads_the_csv(browser_page: Any, personas: Any) -> None:
    from tongban.insights.services import figures_refresh

    approver = personas.approvers["huzheng"]
    for item, day in (("f_doc", "2026-03-02"), ("f_doc", "2026-03-03"), ("f_zero", "2026-03-03")):
        n = file_window(personas.clerk, personas.citizen.id_number, item, at(day, "09:00"))
        accept(n, personas.clerk, at(day, "09:05"))
    n = file_window(personas.other_clerk, personas.other_citizen.id_number, "f_doc", at("2026-03-04", "09:00"))
    accept(n, personas.other_clerk, at("2026-03-04", "09:05"))
    o = file_online(personas.citizen, "f_doc", at("2026-03-05", "09:00"))
    accept(o, approver, at("2026-03-05", "10:00"))
    approve(o, approver, at("2026-03-06", "10:00"))
    figures_refresh(now=at("2026-03-31"))

    page = browser_page
    login(page, "admin1", "pw-staff-123")
    page.goto("/")
    page.click("#entry-points >> text=数据看板")
    page.fill("input[name=start]", "2026-03-01")
    page.fill("input[name=end]", "2026-03-31")
    page.select_option("#f-district", "330106")
    page.select_option("#f-item", "f_doc")
    page.click("#apply-filters")
    page.wait_for_selector("#table-trend")
    page.wait_for_selector("[data-chart=trend] svg")  # ECharts drew the chart from the table's numbers
    page.screenshot(path="/tmp/figures-dashboard.png", full_page=True)
    shown = table_cells(page, "trend")
    # district 330106 and f_doc: the two window cases at the first outlet and the online one,
    # decided on 03-06 (a day with no case received, but one decided on time)
    assert [row[:4] for row in shown[1:]] == [
        ["2026-03-02", "1", "0", "—"],
        ["2026-03-03", "1", "0", "—"],
        ["2026-03-05", "1", "1", "—"],
        ["2026-03-06", "0", "0", "100.0"],
    ]
    with page.expect_download() as info:
        page.click("#block-trend [data-download=csv]")
    assert downloaded(info.value) == shown
    outlets = table_cells(page, "outlet")
    with page.expect_download() as info:
        page.click("#block-outlet [data-download=csv]")
    assert downloaded(info.value) == outlets
