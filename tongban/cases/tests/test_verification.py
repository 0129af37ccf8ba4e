"""No dead ends: an upload standing in for a missing registry record (犬证: the rabies vaccination)
files the case, staff verify it, and the case cannot be approved before that."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongban.cases.models import CaseMaterial, Status
from tongban.cases.services import case_submit, case_transition
from tongban.cases.verification import case_material_verify
from tongban.common.errors import Conflict, Forbidden, Invalid

pytestmark = pytest.mark.django_db
FORM = {"chip": "156000000000001", "dog_name": "旺财", "breed": "中华田园犬"}


def _apply(user: Any, now: dt.datetime, **kw: Any) -> Any:
    return case_submit(actor=user, item_code="dog_licence_renew", form=FORM, channel="online", now=now, **kw).case


def test_without_the_record_or_an_upload_the_rule_refuses(personas: Any, now: dt.datetime) -> None:
    with pytest.raises(Invalid) as exc:
        _apply(personas.citizen, now)
    assert exc.value.code == "not_eligible"
    assert [f["rule"] for f in exc.value.extra["failures"]] == ["vaccinated"]


def test_an_upload_is_verified_before_approval(personas: Any, now: dt.datetime) -> None:
    case = _apply(personas.citizen, now, presented=["vaccination"], files={"vaccination": "u/1/vacc.pdf"})
    material = CaseMaterial.objects.get(case=case, code="vaccination")
    assert material.facts["upload_verification"] == "pending" and material.file == "u/1/vacc.pdf"
    approver = personas.approvers["zhian"]
    case.refresh_from_db()
    # A 即办件: the platform accepted it at once and opened the review; approval waits for the check.
    assert case.status == Status.IN_REVIEW
    with pytest.raises(Conflict) as exc:
        case_transition(number=case.number, to=Status.APPROVED, actor=approver, now=now)
    assert exc.value.code == "verification_pending" and "犬只狂犬病免疫证明" in exc.value.message
    with pytest.raises(Forbidden):
        case_material_verify(number=case.number, code="vaccination", actor=personas.citizen, now=now)
    case_material_verify(number=case.number, code="vaccination", actor=approver, now=now)
    material.refresh_from_db()
    assert material.facts["upload_verification"] == "verified" and material.facts["verified_by"]
    with pytest.raises(Conflict):  # once
        case_material_verify(number=case.number, code="vaccination", actor=approver, now=now)
    done = case_transition(number=case.number, to=Status.APPROVED, actor=approver, now=now)
    assert done.status in (Status.APPROVED, Status.RESULT_ISSUED, Status.COMPLETED)


def test_precheck_says_an_upload_is_possible(personas: Any, now: dt.datetime) -> None:
    from tongban.catalog.selectors import item_get, item_precheck

    failures, _ = item_precheck(spec=item_get(code="dog_licence_renew"), id_number=personas.citizen.id_number, at=now)
    assert [(f["rule"], f["upload_ok"]) for f in failures] == [("vaccinated", True)]


def test_staff_open_the_upload_they_are_asked_to_verify(personas: Any, api: Any, now: dt.datetime) -> None:
    """The approver reads the uploaded vaccination record from the case page before pressing
    核验无误; another citizen cannot open it."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from tongban.audit.models import AuditEntry

    name = default_storage.save("cases/uploads/t/vacc.pdf", ContentFile(b"%PDF-1.4 vaccination"))
    case = _apply(personas.citizen, now, presented=["vaccination"], files={"vaccination": name})
    approver = api(personas.approvers["zhian"])
    page = approver.get(f"/cases/{case.number}/").content.decode()
    link = f"/cases/{case.number}/material/vaccination/file/"
    assert f'href="{link}"' in page
    r = approver.get(link)
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 vaccination"
    assert AuditEntry.objects.filter(object_id=case.number, data__what="material:vaccination").exists()
    assert api(personas.citizen).get(link).status_code == 200
    assert api(personas.other_citizen).get(link).status_code == 404
    assert approver.get(f"/cases/{case.number}/material/id_card/file/").status_code == 404


def test_a_new_dog_with_a_verified_upload_gets_its_licence(
    personas: Any, api: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    """犬只登记 with the vaccination proof uploaded (the clinic's record not on file): once staff
    verified it, 批准 issues the licence; it used to stop at "证照所需信息不全：狂犬病免疫证号"."""
    form = {**FORM, "address": "杭州市西湖区文三路1号"}
    case = case_submit(
        actor=personas.citizen, item_code="dog_registration", form=form, channel="online", now=now,
        presented=["vaccination", "dog_photo"], files={"vaccination": "u/1/vacc.pdf", "dog_photo": "u/1/dog.jpg"},
    ).case  # fmt: skip
    approver = api(personas.approvers["zhian"])
    assert approver.post(f"/cases/{case.number}/verify/", {"code": "vaccination"}).status_code == 302
    for to in ("accepted", "in_review", "approved"):
        case.refresh_from_db()
        if case.status in ("submitted", "accepted") or to == "approved":
            with django_capture_on_commit_callbacks(execute=True):
                approver.post(f"/cases/{case.number}/act/", {"to": to})
    case.refresh_from_db()
    assert case.status == Status.COMPLETED and case.result_reference.startswith("DOG-")
    from tongban.certificates.models import Certificate

    facts = Certificate.objects.get(number=case.result_reference).facts
    assert facts["vaccination"].startswith(f"芯片{FORM['chip']}，免疫证明经工作人员核验（")
    html = api(personas.citizen).get("/dogs/").content.decode()
    assert case.result_reference in html and "旺财" in html
