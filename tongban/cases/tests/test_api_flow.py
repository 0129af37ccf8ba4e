"""Cases through the front door (the JSON API): submit, accept, supplement, decide, results,
告知承诺, 一证通办 provenance, 代收代办 visibility, idempotency and refused requests."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from unittest import mock

import pytest

from tongban.audit.models import AuditEntry
from tongban.audit.services import audit_verify
from tongban.cases.models import Case, CaseEvent, CaseMaterial, SubmitKey
from tongban.cases.services import case_accept, case_submit, case_transition, cases_sweep
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Conflict, Invalid

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"
PERMIT_FORM = {"months_resident": 12, "basis": "employment", "address": "文三路 1 号"}


def post(client: Any, url: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


def day_end(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, tzinfo=SHANGHAI) + dt.timedelta(days=1)


@pytest.fixture
def clock(now: dt.datetime) -> Any:
    """Patch the interface layer's clock; tests move it forward."""

    class Clock:
        value = now

        def set(self, value: dt.datetime) -> None:
            self.value = value

    c = Clock()
    with mock.patch("tongban.cases.api.now", side_effect=lambda: c.value):
        yield c


def test_online_application_to_completion(
    items: None, personas: Any, api: Any, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    citizen, approver = api(personas.citizen), api(personas.approvers["huzheng"])
    r = post(
        citizen,
        URL,
        {"item_code": "t_permit", "form": {"months_resident": 12, "basis": "employment", "address": "文三路 1 号"}},
        **{"Idempotency-Key": "k-1"},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    number = body["number"]
    assert re.fullmatch(r"330106-20260310-\d{6}", number)
    assert body["status"] == "submitted"
    mats = {m["code"]: m for m in body["materials"]}
    # 一证通办: the ID card comes from the registry with provenance; nobody asked for it.
    assert mats["id_card"]["state"] == "supplied"
    assert mats["id_card"]["source"] == "id_card"
    assert "居民身份证信息" in mats["id_card"]["provenance"] and "2026-03-10 10:00" in mats["id_card"]["provenance"]
    assert mats["basis_proof"]["state"] == "missing"

    # The approver accepts (online case): materials are missing, so plain acceptance is refused...
    r = post(approver, f"{URL}{number}/accept", {})
    assert r.status_code == 409
    assert r.json()["code"] == "materials_missing"
    assert Case.objects.get(number=number).status == "submitted"
    # ...and accepted once the material is presented. Deadline: 5 working days from Tue 03-10.
    r = post(approver, f"{URL}{number}/accept", {"presented": ["basis_proof", "photo"]})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "accepted"
    assert r.json()["deadline_at"] == day_end(2026, 3, 17).astimezone(dt.UTC).isoformat().replace("+00:00", "Z")

    # Supplement requested on Thu 03-12 stops the clock (3 working days left) ...
    clock.set(dt.datetime(2026, 3, 12, 3, tzinfo=dt.UTC))
    r = post(approver, f"{URL}{number}/transitions", {"to": "supplement_requested", "reason": ""})
    assert r.status_code == 400 and r.json()["code"] == "reason_required"
    r = post(approver, f"{URL}{number}/transitions", {"to": "supplement_requested", "reason": "请补充劳动合同"})
    assert r.status_code == 200
    assert r.json()["deadline_at"] is None
    assert r.json()["countdown"] == {"urgency": "stopped", "days_left": 3, "seconds_left": None}
    # ... the citizen answers after the Qingming holiday on Fri 04-03: 04-07, 08, 09 remain.
    clock.set(dt.datetime(2026, 4, 3, 1, tzinfo=dt.UTC))
    r = post(citizen, f"{URL}{number}/transitions", {"to": "resubmitted"})
    assert r.status_code == 200, r.content
    assert r.json()["deadline_at"].startswith("2026-04-09T16:00:00")

    with django_capture_on_commit_callbacks(execute=True):
        r = post(approver, f"{URL}{number}/transitions", {"to": "approved"})
    assert r.status_code == 200
    case = Case.objects.get(number=number)
    # The result task issued the e-certificate and, electronic, the case is completed.
    assert case.status == "completed"
    assert case.result_reference.startswith("RP-2026-")
    moves = list(CaseEvent.objects.filter(case=case).values_list("from_status", "to_status", "role"))
    assert moves == [
        ("", "submitted", "citizen"),
        ("submitted", "accepted", "approver"),
        ("accepted", "in_review", "approver"),
        ("in_review", "supplement_requested", "approver"),
        ("supplement_requested", "resubmitted", "citizen"),
        ("resubmitted", "in_review", "approver"),
        ("in_review", "approved", "approver"),
        ("approved", "result_issued", "system"),
        ("result_issued", "completed", "system"),
    ]
    assert audit_verify().ok
    assert (
        AuditEntry.objects.filter(object_type="case", object_id=number).count() == 6
    )  # one per write; refused ones left none
    r = citizen.get(f"{URL}{number}")
    assert r.json()["status"] == "completed"


def test_window_acceptance_under_commitment_then_sweep_and_revoke(items: None, personas: Any, now: dt.datetime) -> None:
    clerk, approver = personas.clerk, personas.approvers["huzheng"]
    walk_in = personas.other_citizen.person
    case = case_submit(
        actor=clerk,
        item_code="t_permit",
        form={"months_resident": 7, "basis": "residence"},
        channel="window",
        id_number=walk_in.id_number,
        now=now,
    ).case
    assert case.accepting_outlet == personas.outlet and case.applicant_name == "李四"
    with pytest.raises(Conflict) as exc:
        case_accept(number=case.number, actor=clerk, now=now)
    assert exc.value.code == "materials_missing"
    case = case_accept(number=case.number, actor=clerk, now=now, commitment=True, presented=["photo"])
    assert case.under_commitment
    # 10 working days after Tue 2026-03-10 → Tue 03-24.
    assert case.commitment_due_at == day_end(2026, 3, 24)
    assert CaseMaterial.objects.get(case=case, code="basis_proof").state == "promised"
    # Before the due date nothing is flagged; after it the sweep flags it once.
    assert cases_sweep(now=day_end(2026, 3, 23)).verification_flagged == []
    report = cases_sweep(now=day_end(2026, 3, 24))
    assert report.verification_flagged == [case.number]
    assert cases_sweep(now=day_end(2026, 3, 25)).verification_flagged == []
    case.refresh_from_db()
    assert case.verification_flagged_at == day_end(2026, 3, 24)
    done = case_transition(
        number=case.number, to="revoked", actor=approver, now=day_end(2026, 3, 25), reason="承诺不实：未提交就业证明"
    )
    assert done.status == "revoked"


def test_commitment_refused_for_items_without_it(items: None, personas: Any, now: dt.datetime) -> None:
    case = case_submit(
        actor=personas.clerk,
        item_code="t_doc",
        form={},
        channel="window",
        id_number=personas.citizen.id_number,
        now=now,
    ).case
    with pytest.raises(Conflict) as exc:
        case_accept(number=case.number, actor=personas.clerk, now=now, commitment=True)
    assert exc.value.code == "commitment_not_allowed"
    assert Case.objects.get(pk=case.pk).status == "submitted"
    assert not Case.objects.get(pk=case.pk).under_commitment


def test_refusal_needs_a_reason_and_closes(items: None, personas: Any, api: Any, clock: Any) -> None:
    clerk = api(personas.clerk)
    r = post(clerk, URL, {"item_code": "t_doc", "channel": "window", "id_number": personas.citizen.id_number})
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    r = post(clerk, f"{URL}{number}/transitions", {"to": "refused_at_intake"})
    assert r.status_code == 400
    r = post(clerk, f"{URL}{number}/transitions", {"to": "refused_at_intake", "reason": "不属于本事项"})
    assert r.json()["status"] == "refused_at_intake"
    assert r.json()["reason"] == "不属于本事项"
    r = post(clerk, f"{URL}{number}/transitions", {"to": "withdrawn"})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"


def test_hour_limit(items: None, personas: Any, now: dt.datetime) -> None:
    case = case_submit(
        actor=personas.citizen, item_code="t_truck", form={"plate": "鲁F12345"}, channel="online", now=now
    ).case
    case = case_accept(number=case.number, actor=personas.approvers["jiaoguan"], now=now)
    # 4 working hours from Tue 10:00 Shanghai → 15:00.
    assert case.deadline_at == dt.datetime(2026, 3, 10, 15, tzinfo=SHANGHAI)
    assert (case.limit_value, case.limit_unit) == (4, "working_hours")


def test_deadline_in_a_year_without_calendar_is_refused(items: None, personas: Any) -> None:
    at = dt.datetime(2026, 12, 30, 2, tzinfo=dt.UTC)
    case = case_submit(
        actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=at, presented=["paper"]
    ).case
    with pytest.raises(Conflict) as exc:
        case_accept(number=case.number, actor=personas.approvers["huzheng"], now=at)
    assert exc.value.code == "calendar_missing"
    assert Case.objects.get(pk=case.pk).status == "submitted"


def test_idempotency(items: None, personas: Any, api: Any, clock: Any) -> None:
    citizen = api(personas.citizen)
    body = {"item_code": "t_doc", "form": {}, "presented": ["paper"]}
    first = post(citizen, URL, body, **{"Idempotency-Key": "abc"})
    again = post(citizen, URL, body, **{"Idempotency-Key": "abc"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    other = post(citizen, URL, {**body, "presented": []}, **{"Idempotency-Key": "abc"})
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert Case.objects.count() == 1 and SubmitKey.objects.count() == 1
    # Keys belong to a user: the same key from someone else is a new case.
    r = post(api(personas.other_citizen), URL, body, **{"Idempotency-Key": "abc"})
    assert r.status_code == 201 and Case.objects.count() == 2


def test_a_used_key_with_a_body_the_checks_refuse_is_a_conflict(
    items: None, personas: Any, api: Any, clock: Any
) -> None:
    """No read of the key ahead of the checks: a refused body under a used key still says 409."""
    citizen = api(personas.citizen)
    first = post(citizen, URL, {"item_code": "t_permit", "form": PERMIT_FORM}, **{"Idempotency-Key": "used"})
    assert first.status_code == 201, first.content
    bad = {"item_code": "t_permit", "form": {"months_resident": "many", "basis": "study"}}
    r = post(citizen, URL, bad, **{"Idempotency-Key": "used"})
    assert r.status_code == 409 and r.json()["code"] == "idempotency_key_reused"
    r = post(citizen, URL, bad, **{"Idempotency-Key": "new"})  # a fresh key: the form's own error
    assert r.status_code == 400 and r.json()["code"] == "form_invalid"
    assert Case.objects.count() == 1 and SubmitKey.objects.count() == 1


def test_a_retry_that_the_checks_now_refuse_returns_the_first_case(
    items: None, personas: Any, api: Any, clock: Any
) -> None:
    """Eligibility can change between a submission and its retry; the retry still gets its case."""
    citizen = api(personas.citizen)
    body = {"item_code": "t_permit", "form": PERMIT_FORM}
    first = post(citizen, URL, body, **{"Idempotency-Key": "retry"})
    assert first.status_code == 201, first.content
    refused = Invalid("不符合申请条件 / Not eligible", code="not_eligible")
    with mock.patch("tongban.cases.services.intake._check", side_effect=refused):
        again = post(citizen, URL, body, **{"Idempotency-Key": "retry"})
        other = post(citizen, URL, body, **{"Idempotency-Key": "another"})
    assert again.status_code == 200 and again.json()["number"] == first.json()["number"]
    assert other.status_code == 400 and other.json()["code"] == "not_eligible"
    assert Case.objects.count() == 1


def test_bad_form_is_refused_and_leaves_nothing(items: None, personas: Any, api: Any, clock: Any) -> None:
    before = AuditEntry.objects.count()
    r = post(
        api(personas.citizen), URL, {"item_code": "t_permit", "form": {"months_resident": "many", "basis": "study"}}
    )
    assert r.status_code == 400
    assert r.json()["code"] == "form_invalid"
    assert r.json()["errors"][0]["field"] == "months_resident"
    r = post(api(personas.citizen), URL, {"item_code": "t_permit", "form": {"basis": "study"}})
    assert r.json()["errors"][0]["field"] == "months_resident"
    r = post(api(personas.citizen), URL, {"item_code": "nope", "form": {}})
    assert r.status_code == 404
    r = post(api(personas.citizen), URL, {"item_code": "t_doc", "channel": "window"})
    assert r.status_code == 400 and r.json()["code"] == "channel"
    assert Case.objects.count() == 0 and AuditEntry.objects.count() == before


def test_scopes_and_agency_handling(items: None, personas: Any, api: Any, now: dt.datetime) -> None:
    """代收代办: a huzheng case accepted at outlet 1 for a person whose 户籍 is elsewhere is handled
    there; the accepting clerk, the approvers of the department and the applicant see it, the
    other citizen and other departments get 404."""
    from conftest import make_person
    from tongban.common.ids import make_id_number
    from tongban.outlets.services import outlet_items_set

    outlet_items_set(code=personas.other_outlet.code, items=["t_doc"], at=now)
    far = make_person(make_id_number("330108", dt.date(1985, 1, 2), 77), "王五")
    case = case_submit(
        actor=personas.clerk,
        item_code="t_doc",
        form={},
        channel="window",
        id_number=far.id_number,
        now=now,
        presented=["paper"],
    ).case
    assert case.handling_region == "330108"
    assert case.accepting_outlet == personas.outlet
    assert case.handling_outlet == personas.other_outlet
    for user, status in [
        (personas.clerk, 200),
        (personas.other_clerk, 200),
        (personas.approvers["huzheng"], 200),
        (personas.approvers["zhian"], 404),
        (personas.citizen, 404),
        (personas.admin, 200),
    ]:
        assert api(user).get(f"{URL}{case.number}").status_code == status, user
    # A local person's case stays with the accepting outlet.
    local = case_submit(
        actor=personas.clerk,
        item_code="t_doc",
        form={},
        channel="window",
        id_number=personas.citizen.id_number,
        now=now,
    ).case
    assert (local.handling_region, local.handling_outlet) == ("330106", personas.outlet)
    assert api(personas.other_clerk).get(f"{URL}{local.number}").status_code == 404


def test_an_outlet_taking_on_an_item_handles_the_next_case_at_once(
    items: None, personas: Any, now: dt.datetime, settings: Any
) -> None:
    """The handling outlet of a region is kept a few seconds per process; this process's outlet
    services make it forget at once, a kept "no outlet" included."""
    from conftest import make_person
    from tongban.common.ids import make_id_number
    from tongban.outlets.services import outlet_items_set

    settings.LOOKUP_CACHE_SECONDS = 60
    far = make_person(make_id_number("330108", dt.date(1985, 1, 2), 77), "王五")

    def file() -> Any:
        return case_submit(
            actor=personas.clerk, item_code="t_doc", form={}, channel="window", id_number=far.id_number, now=now
        ).case

    outlet_items_set(code=personas.other_outlet.code, items=[], at=now)
    assert [file().handling_outlet for _ in range(2)] == [None, None]
    outlet_items_set(code=personas.other_outlet.code, items=["t_doc"], at=now)
    assert file().handling_outlet == personas.other_outlet


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_kept_outlet_deleted_elsewhere_fails_its_submissions_until_the_lookup_expires(
    items: None, personas: Any, now: dt.datetime, settings: Any, lookup_clock: Any
) -> None:
    """Another process deletes an outlet (one with no case) this process keeps as a region's
    handling outlet: a submission that names it is refused by its foreign key and writes
    nothing; once the kept answer expires (LOOKUP_CACHE_SECONDS) the route is read anew."""
    from django.db import IntegrityError

    from conftest import make_person
    from tongban.cases.services.intake import _route
    from tongban.catalog.selectors import item_get
    from tongban.common.ids import make_id_number
    from tongban.outlets.models import Outlet, OutletItem
    from tongban.outlets.services import outlet_upsert

    settings.LOOKUP_CACHE_SECONDS = 60
    far = make_person(make_id_number("330109", dt.date(1985, 1, 2), 78), "赵六")
    gone = outlet_upsert(
        code="GONE-1",
        name="将撤销的派出所",
        kind="police_station",
        region_code="330109",
        lat=30.2,
        lng=120.2,
        items=["t_doc"],
        at=now,
    )
    assert _route(item=item_get(code="t_doc"), person=far, outlet=personas.outlet) == ("330109", gone)
    OutletItem.objects.filter(outlet=gone).delete()  # what another process's admin does: no forgetting here
    Outlet.objects.filter(pk=gone.pk).delete()

    def file() -> Any:
        return case_submit(
            actor=personas.clerk, item_code="t_doc", form={}, channel="window", id_number=far.id_number, now=now
        ).case

    before = Case.objects.count()
    with pytest.raises(IntegrityError):
        file()
    assert Case.objects.count() == before and audit_verify().ok
    lookup_clock.t += 61
    assert file().handling_outlet is None


def test_preview_shows_what_is_on_file(items: None, personas: Any, api: Any, clock: Any) -> None:
    body = {"item_code": "t_doc", "id_number": personas.citizen.id_number}
    r = api(personas.clerk).post(f"{URL}preview", body, content_type="application/json")
    assert r.status_code == 200
    mats = {m["code"]: m["state"] for m in r.json()["materials"]}
    assert mats == {"hukou_book": "supplied", "paper": "missing"}


def test_bulk_approve(items: None, personas: Any, api: Any, clock: Any, now: dt.datetime) -> None:
    approver = personas.approvers["huzheng"]
    numbers = []
    for _ in range(3):
        c = case_submit(
            actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]
        ).case
        numbers.append(case_accept(number=c.number, actor=approver, now=now).number)
    withdrawn = numbers[1]
    case_transition(number=withdrawn, to="withdrawn", actor=personas.citizen, now=now)
    r = post(api(approver), f"{URL}bulk", {"numbers": numbers, "to": "approved"})
    assert r.status_code == 200
    assert r.json()["done"] == [numbers[0], numbers[2]]
    assert list(r.json()["refused"]) == [withdrawn]
    # A physical document waits for hand-over: result_issued happens after commit (not captured here).
    assert set(Case.objects.filter(number__in=numbers).values_list("status", flat=True)) == {"approved", "withdrawn"}
    assert post(api(personas.citizen), f"{URL}bulk", {"numbers": numbers, "to": "approved"}).status_code == 403


def test_queue_sorted_by_urgency(items: None, personas: Any, api: Any, clock: Any, now: dt.datetime) -> None:
    approver = personas.approvers["huzheng"]
    late = case_submit(
        actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]
    ).case
    case_accept(number=late.number, actor=approver, now=now - dt.timedelta(days=20))
    fresh = case_submit(
        actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]
    ).case
    case_accept(number=fresh.number, actor=approver, now=now)
    waiting = case_submit(
        actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]
    ).case
    rows = api(approver).get(f"{URL}queue").json()["items"]
    assert [r["number"] for r in rows] == [late.number, fresh.number, waiting.number]
    assert rows[0]["countdown"]["urgency"] == "overdue"
    assert rows[1]["countdown"]["urgency"] == "ok"
    assert rows[2]["countdown"]["urgency"] == "none"
    assert api(personas.approvers["zhian"]).get(f"{URL}queue").json()["items"] == []
    assert api(personas.citizen).get(f"{URL}queue").status_code == 403


def test_supplement_names_materials(items: None, personas: Any, api: Any, clock: Any, now: dt.datetime) -> None:
    approver = personas.approvers["huzheng"]
    case = case_submit(
        actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]
    ).case
    case_accept(number=case.number, actor=approver, now=now)
    before = (CaseEvent.objects.count(), AuditEntry.objects.count())
    r = post(
        api(approver),
        f"{URL}{case.number}/transitions",
        {"to": "supplement_requested", "reason": "补充", "materials": ["nope"]},
    )
    assert r.status_code == 400 and r.json()["code"] == "materials"
    assert Case.objects.get(pk=case.pk).status == "accepted"
    assert (CaseEvent.objects.count(), AuditEntry.objects.count()) == before
    r = post(
        api(approver),
        f"{URL}{case.number}/transitions",
        {"to": "supplement_requested", "reason": "申请书未签字", "materials": ["paper"]},
    )
    assert r.status_code == 200
    mats = {m["code"]: m["state"] for m in r.json()["materials"]}
    assert mats == {"hukou_book": "supplied", "paper": "missing"}
    citizen = api(personas.citizen)
    assert post(citizen, f"{URL}{case.number}/transitions", {"to": "resubmitted"}).json()["code"] == "materials_missing"
    assert post(citizen, f"{URL}{case.number}/materials", {"code": "paper"}).status_code == 200
    assert post(citizen, f"{URL}{case.number}/transitions", {"to": "resubmitted"}).json()["status"] == "resubmitted"


def test_ineligible_application_is_refused(items: None, personas: Any, api: Any, clock: Any) -> None:
    r = post(api(personas.citizen), URL, {"item_code": "t_permit", "form": {"months_resident": 3, "basis": "study"}})
    assert r.status_code == 400
    assert r.json()["code"] == "not_eligible"
    assert "须在本市居住满半年" in r.json()["title"]
    assert [f["rule"] for f in r.json()["failures"]] == ["half_year"]
    assert Case.objects.count() == 0
