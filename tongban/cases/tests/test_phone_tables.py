"""Browser test (Playwright, Debian's Chromium): on a 390 px phone the service guide's list and a
case's 办理记录 are labelled cards, one line per column, as 我的办件 is: as tables their five or six
columns left each a few characters' width, a word broken over three lines."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongban.cases.services import case_accept, case_submit, case_transition
from tongban.cases.tests.test_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# [the table's width, then each visible cell of one row: its width and its label]
CELLS = """([table, n]) => { const row = table.tBodies[0].rows[n];
  return [table.getBoundingClientRect().width,
    ...[...row.cells].filter(c => c.getClientRects().length).map(c => [c.getBoundingClientRect().width,
      getComputedStyle(c, "::before").content])]; }"""


def _stacked(page: Any, selector: str, row: int = 0) -> list[str]:
    """Every visible cell of the row spans the card (at least 90 % of the table); their labels."""
    width, *cells = page.evaluate(CELLS, [page.query_selector(selector), row])
    assert cells and all(w >= width * 0.9 for w, _ in cells), (width, cells)
    return [label for _, label in cells]


def test_guide_list_and_case_history_are_cards_on_a_phone(
    browser_page: Any, items: None, personas: Any, now: dt.datetime
) -> None:
    citizen = personas.citizen
    number = case_submit(
        actor=personas.clerk, item_code="t_doc", form={}, channel="window", id_number=citizen.id_number, now=now
    ).case.number
    case_accept(number=number, actor=personas.clerk, now=now, presented=["paper"])
    case_transition(number=number, to="in_review", actor=personas.approvers["huzheng"], now=now)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/catalog/")
    labels = ["none", '"部门："', '"办理渠道："', '"通办范围："', '"承诺时限："', '"收费："']
    assert _stacked(page, "table.catalog") == labels

    login(page, personas.citizen.username, "pw-citizen-123")
    page.wait_for_url("**/")
    page.goto(f"/cases/{number}/")
    # taken into review by the approver: no outlet and no remark, so no empty 网点 or 说明 line
    assert _stacked(page, "table#history", row=2) == ["none", '"环节："', '"办理人："']

    login(page, "clerk1", "pw-staff-123")
    page.wait_for_url("**/")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.url}])
    page.goto(f"/cases/{number}/")
    assert _stacked(page, "table#history") == ["none", '"Step: "', '"Handled by: "', '"Outlet: "']
