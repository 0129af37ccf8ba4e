"""A refusal reads in one language, the reader's: never a "中文 / English" pair, on the API (the
problem's title) or on the page."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from tongban.enterprises.models import Membership, TruckPass

J = "application/json"


def test_api_refusals_are_in_the_reader_s_language(fleet: Any, api: Any) -> None:
    url = f"/api/v1/enterprises/e/{fleet.enterprise.uscc}/truck-passes"
    body = json.dumps({"plates": ["浙AX9999"], "start_on": "2026-03-10", "days": 90, "area": "城区限行区域"})
    admin, member = api(fleet.admin), api(fleet.member)

    def title(client: Any, status: int) -> str:
        r = client.post(url, body, content_type=J)
        assert r.status_code == status, r.content
        return str(r.json()["title"])

    assert title(admin, 400) == "以下车辆未登记在本企业名下：浙AX9999"
    assert title(member, 403) == "只有企业管理员可以办理"
    for client in (admin, member):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert title(admin, 400) == "Not registered to this enterprise: 浙AX9999"
    assert title(member, 403) == "Only an enterprise administrator can do this"
    assert not TruckPass.objects.exists()


def test_a_page_refusal_is_in_the_reader_s_language(fleet: Any, api: Any) -> None:
    admin = api(fleet.admin)
    url = f"/enterprises/e/{fleet.enterprise.uscc}/members/"
    again = {"id_number": fleet.member.id_number, "role": "member"}  # already a member
    r = admin.post(url, again)
    assert r.status_code == 409
    assert "此人已是企业成员" in r.content.decode() and " / Already" not in r.content.decode()
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = admin.post(url, again).content.decode()
    assert "This person is already a member" in html and "此人已是企业成员" not in html
    assert Membership.objects.filter(enterprise=fleet.enterprise).count() == 2
