"""What a case list page shows of each row, ready to print.

A list page prints twenty rows of a handful of values each. Worked out in the template (a
``{% url %}``, four filters and an inclusion tag per row) that was most of the page's CPU time:
the template engine pays for every node it renders. Here each row's values are computed in plain
Python, and what is the same for many rows of one page (the link's prefix, a status's label, a
countdown badge, an item's name, a deadline) is worked out once for the page and reused within it; the
pages that print them are Jinja2 templates (``cases/jinja2/``; tongban/web/jinja.py says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse

from tongban.cases.selectors import Page
from tongban.cases.templatetags.cases_tags import countdown_badge, deadline, local, status_label
from tongban.catalog.templatetags.catalog_tags import item_name

_PLACEHOLDER = "0"


@dataclass(frozen=True, slots=True)
class ListRow:
    """One printed row of a list page (attributes, not a dict: the Jinja2 table reads ``r.x``
    as an attribute first, and a dict's miss there costs an exception per value)."""

    number: str
    url: str
    status: str
    status_label: str
    item: str
    applicant: str
    expedited: bool
    submitted: str
    deadline: str
    urgency: str
    badge: str


def list_rows(page: Page, *, submitted: bool = True) -> list[ListRow]:
    """One row per row of ``page``: the case's number and link, item name, applicant, status,
    submission time (left empty with ``submitted=False``, for a table that does not show it),
    deadline and countdown badge, in the reader's language."""
    # the detail URL once, with a placeholder number whose segment is replaced for each row
    prefix = reverse("cases:detail", args=[_PLACEHOLDER])[: -len(_PLACEHOLDER) - 1]
    labels: dict[str, str] = {}
    items: dict[str, Any] = {}
    badges: dict[tuple[str, int | None, int | None], str] = {}
    deadlines: dict[Any, str] = {}  # many cases of a page fall due on the same day
    out = []
    for row in page.rows:
        c, cd = row["case"], row["countdown"]
        label = labels.get(c.status)
        if label is None:
            label = labels[c.status] = status_label(c.status)
        item = items.get(c.item_name)
        if item is None:
            item = items[c.item_name] = item_name(c.item_name)
        key = (cd.urgency, cd.days_left, cd.seconds_left)
        badge = badges.get(key)
        if badge is None:
            badge = badges[key] = render_to_string("cases/partials/countdown.html", countdown_badge(cd))
        due = deadlines.get(c.deadline_at)
        if due is None:
            due = deadlines[c.deadline_at] = deadline(c.deadline_at)
        out.append(
            ListRow(
                number=c.number,
                url=f"{prefix}{c.number}/",
                status=c.status,
                status_label=label,
                item=item,
                applicant=c.applicant_name,
                expedited=c.expedited,
                submitted=local(c.submitted_at) if submitted else "",
                deadline=due,
                urgency=cd.urgency,
                badge=badge,
            )
        )
    return out
