"""Browser test (Playwright, Debian's Chromium): the acceptance receipt on a phone in English. A
facts list sized its label column to the longest label ("Promised completion by"), which left
the values a sliver of the screen, a word per line."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongban.cases.services import case_accept, case_submit
from tongban.cases.tests.test_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_receipt_values_keep_most_of_a_phone(browser_page: Any, items: None, personas: Any, now: dt.datetime) -> None:
    number = case_submit(
        actor=personas.clerk,
        item_code="t_permit",
        form={"months_resident": 12, "basis": "employment", "address": "文三路 1 号"},
        channel="window",
        id_number=personas.other_citizen.person.id_number,
        now=now,
    ).case.number
    case_accept(number=number, actor=personas.clerk, now=now, commitment=True, presented=["photo"])
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "clerk1", "pw-staff-123")
    page.wait_for_url("**/")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.url}])
    page.goto(f"/cases/{number}/receipt/")
    # the value column's width, as laid out: [the list's width, the label column's, the value column's]
    widths = page.eval_on_selector(
        "#receipt dl.facts",
        "dl => [dl.getBoundingClientRect().width,"
        " ...getComputedStyle(dl).gridTemplateColumns.split(' ').map(parseFloat)]",
    )
    assert "Promised completion by" in page.inner_text("#receipt")
    assert widths[2] >= widths[0] * 0.5, widths
