"""Object-level access: a citizen reaches only their own records, through every page and endpoint."""

import json
import logging

import pytest

from tongban.audit.models import AuditEntry


def lookup(client, id_number: str):
    return client.post(
        "/api/v1/registry/persons/lookup", data=json.dumps({"id_number": id_number}), content_type="application/json"
    )


def test_citizen_reads_own_record_unmasked(personas, api) -> None:
    me = personas.citizen
    response = api(me).get("/api/v1/registry/me")
    assert response.status_code == 200
    body = response.json()
    assert body["id_number"] == me.id_number and body["masked"] is False and body["name"] == "张三"


def test_citizen_cannot_read_another_citizen(personas, api) -> None:
    other = personas.other_citizen
    client = api(personas.citizen)
    response = lookup(client, other.id_number)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    text = response.content.decode()
    assert other.id_number not in text and "李四" not in text
    reveal = client.post(
        "/api/v1/registry/persons/reveal",
        data=json.dumps({"id_number": other.id_number, "field": "id_number", "reason": "x"}),
        content_type="application/json",
    )
    assert reveal.status_code == 404 and other.id_number not in reveal.content.decode()
    page = client.get("/registry/me/")
    assert page.status_code == 200 and other.id_number not in page.content.decode()
    assert client.post("/workbench/", {"id_number": other.id_number}).status_code == 403


def test_anonymous_gets_401_problem(personas, api) -> None:
    response = lookup(api(None), personas.citizen.id_number)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_unknown_and_out_of_scope_look_the_same(personas, api) -> None:
    client = api(personas.citizen)
    unknown = lookup(client, "11010519491231002X")
    hidden = lookup(client, personas.other_citizen.id_number)
    assert unknown.status_code == hidden.status_code == 404
    assert unknown.json()["title"] == hidden.json()["title"]


def test_clerk_sees_any_person_masked_and_reveal_is_audited(personas, api) -> None:
    target = personas.other_citizen
    client = api(personas.clerk)
    body = lookup(client, target.id_number).json()
    assert body["masked"] is True
    assert body["id_number"] == target.id_number[:6] + "********" + target.id_number[-4:]
    assert body["phone"] == target.phone[:3] + "****" + target.phone[-4:]
    assert target.id_number not in json.dumps(body)
    before = AuditEntry.objects.filter(action="person.reveal").count()
    refused = client.post(
        "/api/v1/registry/persons/reveal",
        data=json.dumps({"id_number": target.id_number, "field": "id_number", "reason": " "}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert AuditEntry.objects.filter(action="person.reveal").count() == before
    reason = {"reason_code": "contact_applicant", "reason": "核对联系方式，通知补交材料"}
    shown = client.post(
        "/api/v1/registry/persons/reveal",
        data=json.dumps({"id_number": target.id_number, "field": "phone", **reason}),
        content_type="application/json",
    )
    assert shown.status_code == 200 and shown.json()["value"] == target.phone
    entry = AuditEntry.objects.filter(action="person.reveal").latest("id")
    assert entry.actor_id == personas.clerk.pk and entry.data == {"field": "phone", **reason}
    assert entry.outlet_code == personas.outlet.code


def test_citizen_cannot_reveal_even_own_record_through_staff_endpoint(personas, api) -> None:
    me = personas.citizen
    response = api(me).post(
        "/api/v1/registry/persons/reveal",
        data=json.dumps({"id_number": me.id_number, "field": "phone", "reason": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_workbench_lookup_masks_and_never_logs_the_full_number(personas, api, caplog) -> None:
    target = personas.citizen
    with caplog.at_level(logging.DEBUG):
        page = api(personas.clerk).post("/workbench/", {"id_number": target.id_number})
    html = page.content.decode()
    assert page.status_code == 200
    assert target.id_number[:6] + "********" + target.id_number[-4:] in html
    assert "张*" in html
    assert target.id_number not in caplog.text


def test_me_endpoint_masks_own_numbers_on_the_wire(personas, api) -> None:
    body = api(personas.citizen).get("/api/v1/accounts/me").json()
    assert body["id_number"].count("*") == 8 and body["phone"].count("*") == 4


@pytest.mark.parametrize("path", ["/registry/me/", "/workbench/"])
def test_pages_require_login(path, api, db) -> None:
    response = api(None).get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_canary_id_number_never_reaches_captured_logs(personas, api, caplog) -> None:
    canary = personas.other_citizen.id_number
    logger = logging.getLogger("tongban.anything")
    with caplog.at_level(logging.DEBUG):
        api(personas.citizen).get(f"/registry/no-such-page/{canary}/")  # django.request logs the path
        logger.warning("applicant %s called from %s", canary, personas.other_citizen.phone)
        try:
            raise RuntimeError(f"failure for {canary}")
        except RuntimeError:
            logger.exception("boom")
    captured = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "Not Found" in captured and "boom" in captured
    assert canary not in captured
    assert personas.other_citizen.phone not in captured
    assert canary[:6] + "********" + canary[-4:] in captured
