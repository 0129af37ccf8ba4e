"""Browser test (Playwright, Debian's Chromium): on a phone the dashboard's trend chart wraps its
legend to a second row, and the plot starts below it (the legend ran into the plotted lines)."""

from __future__ import annotations

from typing import Any

import pytest

from tongban.feedback.tests.flows import accept, at, file_window
from tongban.insights.tests.test_browser import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("fig_items"),
]

GEOMETRY = """el => {
  const texts = [...el.querySelectorAll("text")].map(t => [t.textContent.trim(), t.getBoundingClientRect()]);
  const top = el.getBoundingClientRect().top;
  const legend = texts.filter(([s]) => /[^0-9.\\-]/.test(s) && !/^\\d{4}-/.test(s)).map(([, r]) => r.bottom - top);
  const axis = texts.filter(([s]) => /^[0-9.]+$/.test(s)).map(([, r]) => r.top - top);
  return {legend: Math.max(...legend), axis: Math.min(...axis), n: legend.length};
}"""


def test_trend_legend_stays_above_the_plot_on_a_phone(browser_page: Any, personas: Any) -> None:
    from tongban.insights.services import figures_refresh

    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        n = file_window(personas.clerk, personas.citizen.id_number, "f_doc", at(day, "09:00"))
        accept(n, personas.clerk, at(day, "09:05"))
    figures_refresh(now=at("2026-03-31"))
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "admin1", "pw-staff-123")
    page.goto("/insights/?start=2026-03-01&end=2026-03-31")
    chart = page.locator("[data-chart=trend]")
    chart.locator("svg text").first.wait_for()
    page.wait_for_timeout(1500)  # the series draw in
    box = chart.evaluate(GEOMETRY)
    assert box["n"] >= 4, box  # the four series' names
    assert box["legend"] <= box["axis"], box
