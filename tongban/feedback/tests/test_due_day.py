"""A follow-up's deadline reads as the last working day it is met by, on the heads' list and page
and in the citizen's answer-by note (stored half-open: 00:00 of the day after)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongban.common.clock import SHANGHAI
from tongban.feedback.models import FollowUp
from tongban.feedback.tests.flows import at
from tongban.feedback.tests.test_pages import done  # noqa: F401  # a fixture

pytestmark = pytest.mark.usefixtures("fig_items")


def test_followup_due_day_is_the_last_day(personas: Any, heads: Any, api: Any, done: str) -> None:  # noqa: F811
    from tongban.feedback.services import rating_submit

    rating_submit(case_number=done, rater=personas.citizen, level=1, comment="态度差", now=at("2026-03-04"))
    f = FollowUp.objects.get()
    stored = f.due_at.astimezone(SHANGHAI)
    assert stored.time() == dt.time(0)
    last, next_day = (stored.date() - dt.timedelta(days=1)).isoformat(), stored.date().isoformat()
    head = api(heads.huzheng)
    for page in (
        head.get("/feedback/followups/").content.decode(),
        head.get(f"/feedback/followups/{f.pk}/").content.decode(),
        api(personas.citizen).get("/feedback/").content.decode(),
    ):
        main = page.split("<main", 1)[1]
        assert last in main and next_day not in main
