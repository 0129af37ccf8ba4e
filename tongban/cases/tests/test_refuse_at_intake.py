"""Refusing at the window (不予受理) needs the reason only: the application's form is checked when a
case is accepted, never to refuse one. On the workbench the refuse button skips the browser's
required-field check (``formnovalidate``); the service files the refusal without checking the form
or the eligibility rules, audited and told to the applicant as every refusal is."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from tongban.audit.models import AuditEntry
from tongban.cases.models import Case, SubmitKey
from tongban.notifications.models import Message

pytestmark = pytest.mark.django_db
URL = "/workbench/"


def _token(client: Any, id_number: str) -> str:
    html = client.post(reverse("web:workbench"), {"id_number": id_number, "item": "t_permit"}).content.decode()
    found = re.search(r'name="submit_token" value="([0-9a-f]+)"', html)
    assert found
    return found.group(1)


def test_the_refuse_button_skips_the_browsers_required_fields(items: None, personas: Any, api: Any) -> None:
    html = api(personas.clerk).post(
        reverse("web:workbench"), {"id_number": personas.other_citizen.person.id_number, "item": "t_permit"}
    )
    page = html.content.decode()
    refuse = re.search(r"<button [^>]*id=\"do-refuse\"[^>]*>", page)
    accept = re.search(r"<button [^>]*id=\"do-accept\"[^>]*>", page)
    assert refuse and " formnovalidate" in refuse.group(0)
    assert accept and "formnovalidate" not in accept.group(0)
    assert re.search(r'<input type="number" name="months_resident"[^>]* required', page)  # accepting still asks


def test_a_clerk_refuses_an_empty_application_with_a_reason(items: None, personas: Any, api: Any) -> None:
    walk_in = personas.other_citizen
    clerk = api(personas.clerk)
    body = {
        "id_number": walk_in.person.id_number,
        "item": "t_permit",
        "submit_token": _token(clerk, walk_in.person.id_number),
        "months_resident": "",  # the form left as it was: nothing answered
        "basis": "",
        "address": "文三路 2 号",
        "decision": "refuse",
        "refuse_reason": "申请人未在本市居住，不属本机关受理范围",
    }
    r = clerk.post(URL, body)
    case = Case.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("cases:detail", args=[case.number])
    assert case.status == "refused_at_intake" and case.reason == "申请人未在本市居住，不属本机关受理范围"
    assert case.form_data == {"address": "文三路 2 号"}  # what was validly answered is kept
    assert case.accepting_outlet_id == personas.outlet.pk and case.person_id == walk_in.person.pk
    events = list(case.events.order_by("at", "pk").values_list("to_status", "role", "reason"))
    assert events == [("submitted", "clerk", ""), ("refused_at_intake", "clerk", case.reason)]
    audit = list(AuditEntry.objects.filter(object_id=case.number).order_by("id").values_list("action", "data"))
    assert [a for a, _ in audit] == ["case.submit", "case.refused_at_intake"]
    assert audit[1][1]["reason"] == case.reason
    (message,) = Message.objects.filter(kind="case_refused")  # the applicant is told, with the reason
    assert message.recipient_id == walk_in.pk and message.params["reason"] == case.reason
    page = clerk.get(r["Location"]).content.decode()
    assert "不予受理" in page and case.reason in page
    assert clerk.post(URL, body).status_code == 302 and Case.objects.count() == 1  # a double click: one case


def test_a_refusal_without_a_reason_files_nothing_and_keeps_what_was_typed(
    items: None, personas: Any, api: Any
) -> None:
    walk_in = personas.other_citizen.person.id_number
    clerk = api(personas.clerk)
    body = {
        "id_number": walk_in,
        "item": "t_permit",
        "submit_token": _token(clerk, walk_in),
        "address": "文三路 2 号",
        "presented": ["photo"],
        "decision": "refuse",
        "refuse_reason": "  ",
    }
    before = (AuditEntry.objects.count(), Message.objects.count())
    r = clerk.post(URL, body)
    html = r.content.decode()
    assert r.status_code == 400 and "请填写理由" in html
    assert not Case.objects.exists() and not SubmitKey.objects.exists()
    assert (AuditEntry.objects.filter(action__startswith="case.").count(), Message.objects.count()) == (0, before[1])
    assert 'value="文三路 2 号"' in html and re.search(r'value="photo"\s+checked', html)
    # accepting the same empty form is still refused for the form (申请表填写有误), nothing filed
    r = clerk.post(URL, {**body, "decision": "accept"})
    assert r.status_code == 400 and "申请表填写有误" in r.content.decode() and not Case.objects.exists()


def test_the_api_refuses_without_the_form_too(items: None, personas: Any, api: Any) -> None:
    """The same rule behind POST /api/v1/cases/: a refusal with its reason files the case refused,
    whatever the form; accepting an incomplete form is still refused (nothing filed)."""
    walk_in = personas.other_citizen.person.id_number
    clerk = api(personas.clerk)
    body = {"item_code": "t_permit", "form": {"note": "x"}, "channel": "window", "id_number": walk_in}
    r = clerk.post("/api/v1/cases/", {**body, "decision": "accept"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "form_invalid" and not Case.objects.exists()
    r = clerk.post("/api/v1/cases/", {**body, "decision": "refuse"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "reason_required" and not Case.objects.exists()
    r = clerk.post(
        "/api/v1/cases/",
        {**body, "decision": "refuse", "reason": "材料明显不实"},
        content_type="application/json",
        headers={"Idempotency-Key": "api-refuse"},
    )
    assert r.status_code == 201, r.content
    answer = r.json()
    assert answer["status"] == "refused_at_intake" and answer["reason"] == "材料明显不实"
    assert [e["to_status"] for e in answer["events"]] == ["submitted", "refused_at_intake"]
    assert Case.objects.get().form_data == {}  # an answer to no question of the form is not kept
    actions = list(
        AuditEntry.objects.filter(object_id=answer["number"]).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["case.submit", "case.refused_at_intake"]
    assert Message.objects.filter(kind="case_refused").count() == 1
