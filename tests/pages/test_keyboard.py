"""The keyboard alone (issue 15): a citizen fills and sends the apply form and a clerk takes a
walk-in's application at the workbench using only Tab, arrow keys, typing, Space and Enter, and
every element the focus lands on shows a visible outline or box-shadow."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.pages.a11y import focus_ring

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _log_in(page: Any, user: Any, base_url: str) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.clear_cookies()
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}])


class Keyboard:
    """Tabs through a page, recording every focused element without a visible focus indicator."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.unseen: list[dict[str, Any]] = []
        self.visited = 0

    def _matches(self, selector: str) -> bool:
        return bool(self.page.evaluate("(s) => document.activeElement?.matches(s) === true", selector))

    def tab_to(self, selector: str, limit: int = 60) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            ring = focus_ring(self.page)
            if ring is not None:
                self.visited += 1
                if not ring["visible"]:
                    self.unseen.append(ring)
            if self._matches(selector):
                return
        raise AssertionError(f"{selector} not reached in {limit} presses of Tab")

    def choose(self, selector: str, value: str, limit: int = 30) -> None:
        """Moves a focused <select> with ArrowDown until ``value`` is chosen."""
        for _ in range(limit):
            if self.page.eval_on_selector(selector, "el => el.value") == value:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"{value} not reached in {selector}")


def test_citizen_applies_with_the_keyboard_alone(browser_page: Any, live_server: Any, personas: Any) -> None:
    page = browser_page
    _log_in(page, personas.citizen, live_server.url)
    page.goto("/cases/apply/no_criminal_record/")
    keys = Keyboard(page)
    keys.tab_to("select[name=purpose]")
    keys.choose("select[name=purpose]", "employment")
    keys.tab_to("input[name=period_years]", limit=3)
    page.keyboard.type("5")
    keys.tab_to("#submit-apply", limit=10)
    page.keyboard.press("Enter")
    page.wait_for_selector("#case-number")
    assert page.get_attribute("#case-status", "data-status") == "submitted"
    assert keys.visited >= 5
    assert keys.unseen == []


def test_clerk_takes_a_walk_in_with_the_keyboard_alone(browser_page: Any, live_server: Any, personas: Any) -> None:
    page = browser_page
    _log_in(page, personas.clerk, live_server.url)
    page.goto("/workbench/")
    keys = Keyboard(page)
    keys.tab_to("#id_id_number")
    page.keyboard.type(personas.other_citizen.id_number)
    page.keyboard.press("Enter")  # the lookup (htmx): the person's card and the item picker
    page.wait_for_selector("#pick-search")
    keys.tab_to("#pick-search")
    page.keyboard.type("无犯罪")
    page.keyboard.press("Enter")
    page.wait_for_selector("#intake-form")
    keys.tab_to("#intake-form select[name=purpose]")
    keys.choose("#intake-form select[name=purpose]", "employment")
    keys.tab_to("#intake-form input[name=period_years]", limit=3)
    page.keyboard.type("3")
    keys.tab_to("#do-accept", limit=10)
    page.keyboard.press("Enter")
    page.wait_for_selector("#receipt-number")
    assert keys.visited >= 8
    assert keys.unseen == []
