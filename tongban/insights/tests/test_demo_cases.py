"""The demo's synthetic cases read like real ones on the case page: no made-up form keys, and
each step names who made it (never a role code as a name)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from tests.pages.crawl import chinese_violations

pytestmark = pytest.mark.django_db


def test_demo_case_pages_show_no_codes(personas: Any, api: Any, now: dt.datetime) -> None:
    from tongban.cases.models import Case
    from tongban.catalog.services import catalog_load
    from tongban.insights.demo import generate
    from tongban.outlets.models import OutletItem

    catalog_load(at=now)
    personas.clerk.username = "clerk"  # the demo's window clerk
    personas.clerk.save()
    OutletItem.objects.create(outlet=personas.outlet, item_code="hukou_certificate")
    assert generate(now=now, days=10) > 0
    client = api(personas.approvers["huzheng"])
    cases = Case.objects.filter(item_code="hukou_certificate")
    for case in [cases.filter(channel="window").first(), cases.exclude(channel="window").first()]:
        assert case is not None
        html = client.get(reverse("cases:detail", args=[case.number])).content.decode()
        main = html.split("<main", 1)[1]
        assert ">demo<" not in main and 'id="answers"' not in main
        history = main.split('id="history"', 1)[1]
        for code in ("clerk（", "approver（", "citizen（", ">system"):
            assert code not in history, code
        assert chinese_violations(main) == []
