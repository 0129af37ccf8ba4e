"""The registry API shows household members masked as the page does (issue 16, finding 2), and a
full number is revealed only to the roles that need it, with a listed reason, within a limit
(finding 9: any staff member, the auditor too, revealed any number with a one-word reason)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import make_person
from tongban.audit.models import AuditEntry
from tongban.common.ids import make_id_number

pytestmark = pytest.mark.django_db
REASON = {"reason_code": "contact_applicant", "reason": "通知申请人补交户口本原件"}


def _post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/registry/persons/{path}", json.dumps(body), content_type="application/json")


def test_my_record_masks_household_members_like_the_page(personas: Any, api: Any) -> None:
    import datetime as dt

    me = personas.citizen
    child = make_person(
        make_id_number("330106", dt.date(2015, 3, 3), 88), "张小小", household=me.person.household, relation="子"
    )
    body = api(me).get("/api/v1/registry/me").json()
    assert body["id_number"] == me.id_number and body["masked"] is False  # the owner's own number
    members = {m["name"]: m for m in body["members"]}
    assert members["张小小"]["id_number"] == child.id_number[:6] + "********" + child.id_number[-4:]
    assert child.id_number not in json.dumps(body)
    page = api(me).get("/registry/me/").content.decode()
    assert "张小小" in page and child.id_number not in page


def test_auditors_never_see_full_numbers(personas: Any, api: Any) -> None:
    target = personas.citizen
    client = api(personas.auditor)
    assert _post(client, "lookup", {"id_number": target.id_number}).status_code == 200
    refused = _post(client, "reveal", {"id_number": target.id_number, "field": "phone", **REASON})
    assert refused.status_code == 403 and target.phone not in refused.content.decode()
    assert not AuditEntry.objects.filter(action="person.reveal").exists()


def test_a_clerk_reveals_only_the_person_at_their_window(personas: Any, api: Any) -> None:
    target = personas.other_citizen
    client = api(personas.clerk)
    cold = _post(client, "reveal", {"id_number": target.id_number, "field": "phone", **REASON})
    assert cold.status_code == 403 and cold.json()["code"] == "reveal_not_present"
    client.post("/workbench/", {"id_number": target.id_number})  # the card read at the window
    shown = _post(client, "reveal", {"id_number": target.id_number, "field": "phone", **REASON})
    assert shown.status_code == 200 and shown.json()["value"] == target.phone
    # another clerk has not had this person in front of them
    other = _post(api(personas.other_clerk), "reveal", {"id_number": target.id_number, "field": "phone", **REASON})
    assert other.status_code == 403


def test_a_reason_from_the_list_and_an_explanation_are_required(personas: Any, api: Any) -> None:
    target = personas.citizen
    client = api(personas.approvers["huzheng"])
    base = {"id_number": target.id_number, "field": "id_number"}
    no_code = _post(client, "reveal", {**base, "reason": "通知申请人补交户口本原件"})
    assert no_code.status_code == 400 and no_code.json()["code"] == "reveal_reason_code"
    short = _post(client, "reveal", {**base, "reason_code": "case_handling", "reason": "办事"})
    assert short.status_code == 400 and short.json()["code"] == "reveal_reason_short"
    bad_field = _post(client, "reveal", {**base, "field": "address", **REASON})
    assert bad_field.status_code == 400
    assert not AuditEntry.objects.filter(action="person.reveal").exists()
    ok = _post(client, "reveal", {**base, **REASON})
    assert ok.status_code == 200 and ok.json()["value"] == target.id_number
    entry = AuditEntry.objects.get(action="person.reveal")
    assert entry.data == {"field": "id_number", **REASON} and entry.actor_id == personas.approvers["huzheng"].pk


def test_reveals_are_rate_limited_per_staff_member(personas: Any, api: Any, settings: Any) -> None:
    settings.REVEAL_LIMIT_PER_HOUR = 3
    client = api(personas.admin)
    body = {"id_number": personas.citizen.id_number, "field": "phone", **REASON}
    assert [_post(client, "reveal", body).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert _post(api(personas.approvers["zhian"]), "reveal", body).status_code == 200  # per member
    assert AuditEntry.objects.filter(action="person.reveal").count() == 4


def test_household_members_say_their_relation_to_the_head(personas: Any, api: Any) -> None:
    """The relation is to the head of the household: at the window the person looked up was
    listed as "配偶" of themselves under a bare 关系 column."""
    import datetime as dt

    me = personas.citizen
    child = make_id_number("330106", dt.date(2015, 3, 3), 88)
    make_person(child, "张小小", household=me.person.household, relation="子")
    page = api(me).get("/registry/me/").content.decode()
    assert "<th>与户主关系</th>" in page and "<th>关系</th>" not in page
    window = api(personas.clerk).post("/workbench/", {"id_number": me.id_number}).content.decode()
    assert "<th>与户主关系</th>" in window and "<th>关系</th>" not in window
