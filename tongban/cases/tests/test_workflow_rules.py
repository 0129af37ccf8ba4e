"""The items' workflow, enforced (issue 15, point 2) and their results (point 1): who may apply
and where (``applicants``, ``reach``, ``outlet_types``), the approval steps and their roles,
即办件 finishing at once, settlement refused to local 户口, approval refused before it when the
result cannot be built, and the issuer taken from the handling outlet's bureau."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tongban.cases.models import Case
from tongban.certificates.models import Certificate

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


@pytest.fixture
def catalog(db: None, now: dt.datetime, personas: Any) -> None:
    """The shipped catalog; the personas' outlet handles every item and has a bureau."""
    from tongban.catalog.selectors import items_list
    from tongban.catalog.services import catalog_load
    from tongban.common.lookups import forget_all
    from tongban.outlets.models import OutletItem

    catalog_load(at=now)
    for outlet in (personas.outlet, personas.other_outlet):
        OutletItem.objects.bulk_create([OutletItem(outlet=outlet, item_code=i.code) for i in items_list()])
    personas.outlet.bureau, personas.outlet.bureau_en = "杭州市公安局西湖分局", "Xihu Branch, Hangzhou PSB"
    personas.outlet.save()
    forget_all()


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _hubei(personas: Any) -> Any:
    from tongban.registry.models import Person

    person = Person.objects.get(pk=personas.citizen.person_id)
    person.household, person.hukou_region = None, "420102"
    person.save()
    return person


def test_local_only_item_for_a_hukou_elsewhere_is_refused_with_the_reason(
    catalog: None, personas: Any, api: Any
) -> None:
    person = _hubei(personas)
    r = post(
        api(personas.clerk),
        URL,
        {"item_code": "name_change", "form": {"new_name": "张四", "reason": "other"}, "id_number": person.id_number},
    )
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "out_of_reach"
    assert "湖北省" in r.json()["title"] and "户籍地" in r.json()["title"]
    assert not Case.objects.exists()


def test_applicants_are_honoured(catalog: None, personas: Any, api: Any, now: dt.datetime) -> None:
    r = post(
        api(personas.citizen),
        URL,
        {"item_code": "hotel_licence", "form": {"hotel_name": "x", "address": "y", "rooms": 3}},
    )
    assert r.status_code == 400 and r.json()["code"] == "applicant_kind"
    personas.citizen.role = "enterprise"
    personas.citizen.save()
    r = post(
        api(personas.citizen), URL, {"item_code": "no_criminal_record", "form": {"purpose": "visa", "period_years": 3}}
    )
    assert r.status_code == 400 and r.json()["code"] == "applicant_kind"


def test_online_case_is_never_routed_to_a_kiosk(catalog: None, personas: Any, api: Any) -> None:
    from tongban.common.lookups import forget_all
    from tongban.outlets.models import Outlet, OutletItem

    # A 5G kiosk of the applicant's district that takes the item, first by code.
    kiosk = Outlet.objects.create(code="A-5G", name="5G 一体机", kind="all_in_one_5g", region_code="330106")
    OutletItem.objects.create(outlet=kiosk, item_code="no_criminal_record")
    forget_all()
    r = post(
        api(personas.citizen), URL, {"item_code": "no_criminal_record", "form": {"purpose": "visa", "period_years": 3}}
    )
    assert r.status_code == 201, r.content
    case = Case.objects.get(number=r.json()["number"])
    assert case.handling_outlet == personas.outlet


def test_points_settlement_is_refused_to_a_local_hukou(catalog: None, personas: Any, api: Any) -> None:
    form = {"years_worked": 8, "years_resident": 8, "social_insurance_years": 8}
    r = post(api(personas.citizen), URL, {"item_code": "points_settlement", "form": form})
    assert r.status_code == 400 and r.json()["code"] == "not_eligible"
    assert "已有本市常住户口" in r.json()["title"]


def test_an_instant_item_completes_at_once(catalog: None, personas: Any, api: Any, now: dt.datetime) -> None:
    form = {"property_code": "P-330106-0001", "moved_in_on": "2026-03-01"}
    r = post(api(personas.citizen), URL, {"item_code": "tenant_declaration", "form": form})
    assert r.status_code == 201, r.content
    case = Case.objects.get(number=r.json()["number"])
    assert case.status == "completed"
    moves = list(case.events.values_list("to_status", "role"))
    assert moves[1:] == [
        ("accepted", "system"),
        ("in_review", "system"),
        ("approved", "system"),
        ("result_issued", "system"),
        ("completed", "system"),
    ]


def test_approval_steps_name_the_role_that_takes_each(
    catalog: None, personas: Any, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tongban.registry.models import Person

    person = _hubei(personas)
    Person.objects.filter(pk=person.pk).update(education="senior")
    form = {"years_worked": 8, "years_resident": 8, "social_insurance_years": 8, "own_home": False}
    r = post(
        api(personas.clerk),
        URL,
        {"item_code": "points_settlement", "form": form, "id_number": person.id_number, "channel": "window"},
    )
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    presented = {"presented": ["residence_proof", "social_insurance"]}
    # 积分核定 is the clerk's step: an approver may not take it...
    r = post(api(personas.approvers["huzheng"]), f"{URL}{number}/accept", presented)
    assert r.status_code == 403 and r.json()["code"] == "step_role"
    assert post(api(personas.clerk), f"{URL}{number}/accept", presented).status_code == 200
    # ...and 落户审批 the 户政 approver's, not another department's.
    r = post(api(personas.approvers["zhian"]), f"{URL}{number}/transitions", {"to": "approved"})
    assert r.status_code in (403, 404)
    with django_capture_on_commit_callbacks(execute=True):  # the result task, after the approval
        r = post(api(personas.approvers["huzheng"]), f"{URL}{number}/transitions", {"to": "approved"})
    assert r.status_code == 200, r.content
    case = Case.objects.get(number=number)
    assert case.status == "completed"
    cert = Certificate.objects.get(case_number=number)
    assert cert.template == "SETTLE"
    assert cert.authority_zh == "杭州市公安局西湖分局"  # the handling outlet's bureau
    assert cert.facts["from_address"] == "湖北省" and cert.facts["to_address"].endswith("公共集体户")


def test_approval_is_refused_before_it_when_the_result_cannot_be_built(
    catalog: None, personas: Any, api: Any, now: dt.datetime
) -> None:
    from tongban.common.clock import now as clock_now
    from tongban.registry.models import Dog

    now = clock_now()  # the API's clock: the vaccination must be in date today
    Dog.objects.create(
        owner_id=personas.citizen.person_id,
        name="豆豆",
        breed="柯基",
        chip="CHIP-1",
        vaccinated_on=now.date() - dt.timedelta(days=165),
        vaccine_valid_until=now.date() + dt.timedelta(days=200),
    )
    # A chip no vaccination record knows is refused at once: the rule reads that dog's record.
    r = post(api(personas.citizen), URL, {"item_code": "dog_licence_renew", "form": {"chip": "CHIP-404"}})
    assert r.status_code == 400 and r.json()["code"] == "not_eligible", r.content
    # A registration in review whose dog's record is withdrawn before approval: the licence
    # would lack the vaccination, so the approval is refused and the approver sees why.
    form = {"chip": "CHIP-1", "dog_name": "豆豆", "breed": "柯基", "address": "文三路 1 号"}
    r = post(api(personas.citizen), URL, {"item_code": "dog_registration", "form": form})
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    Dog.objects.filter(chip="CHIP-1").update(chip="CHIP-OLD")
    r = post(api(personas.approvers["zhian"]), f"{URL}{number}/transitions", {"to": "approved"})
    assert r.status_code == 400 and r.json()["code"] == "result_incomplete", r.content
    assert "狂犬病免疫证号" in r.json()["title"] and "不能批准" in r.json()["title"]
    assert Case.objects.get(number=number).status != "approved"
    Dog.objects.filter(chip="CHIP-OLD").update(chip="CHIP-1")
    # With the chip on file it finishes at once, the licence naming the dog from the clinic's record.
    r = post(api(personas.citizen), URL, {"item_code": "dog_licence_renew", "form": {"chip": "CHIP-1"}})
    assert r.json()["status"] == "completed"
    cert = Certificate.objects.get(case_number=r.json()["number"])
    assert cert.facts["dog_name"] == "豆豆" and cert.facts["breed"] == "柯基"
    assert cert.authority_zh == "杭州市公安局西湖分局"
    # the tag number is assigned at issue; the next year's renewal keeps the dog's tag
    assert cert.facts["chip"] == "CHIP-1" and cert.facts["tag_number"].endswith("-000001")
    r = post(api(personas.citizen), URL, {"item_code": "dog_licence_renew", "form": {"chip": "CHIP-1"}})
    again = Certificate.objects.get(case_number=r.json()["number"])
    assert again.facts["tag_number"] == cert.facts["tag_number"]


def test_the_handling_region_reads_as_a_name(catalog: None, personas: Any, api: Any) -> None:
    from tongban.cases.outcomes import region_label

    assert region_label("420102") == "湖北省"
    assert region_label("330106") == "测试区"  # the registry's name of the district (test data)
