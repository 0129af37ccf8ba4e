"""The heads' follow-up pages: the deadline reads as the last working day it is met by (stored
half-open, 00:00 of the day after), also in the citizen's answer-by note; deciding an appeal asks
first."""

from __future__ import annotations

import datetime as dt
import json
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


def test_deciding_an_appeal_asks_first(personas: Any, heads: Any, api: Any, done: str) -> None:  # noqa: F811
    from tongban.feedback.services import rating_submit

    rating_submit(case_number=done, rater=personas.citizen, level=1, comment="态度差", now=at("2026-03-04"))
    f = FollowUp.objects.get()
    filed = api(personas.approvers["huzheng"]).post(
        f"/api/v1/feedback/ratings/{f.rating_id}/appeal",
        data=json.dumps({"reason": "恶意评价"}),
        content_type="application/json",
    )
    assert filed.status_code == 201
    head = api(heads.huzheng)  # a head decides another's appeal
    page = head.get(f"/feedback/followups/{f.pk}/").content.decode()
    form = page.split('id="appeal-decide"', 1)[1].split("</form>", 1)[0]
    assert 'data-confirm="确定提交复核结论吗？提交后不能更改；申诉成立的差评即作废' in form
