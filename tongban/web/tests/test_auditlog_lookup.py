"""查阅记录 (/audit/lookup/): an auditor enters a citizen's ID number and sees every staff read of
that person's registry row, cases, photos and certificates, and none of another person's; the
look-up is itself audited with the masked number, and no page shows the full number."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tongban.audit.models import AuditEntry
from tongban.audit.reads import audit_staff_read
from tongban.audit.services import audit_record
from tongban.common.masking import mask_id_number

pytestmark = pytest.mark.django_db
ITEMS = Path(__file__).resolve().parents[2] / "cases" / "tests" / "items"


def _ids(response: Any) -> list[int]:
    return [int(m) for m in re.findall(r'data-entry="(\d+)"', response.content.decode())]


def _records_of(user: Any, now: dt.datetime) -> dict[str, str]:
    """A case and a photo of this citizen: the keys staff reads are stored under."""
    from tongban.cases.services import case_submit
    from tongban.photos.models import PhotoCapture

    case = case_submit(actor=user, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]).case
    capture = PhotoCapture.objects.create(
        person=user.person,
        id_number=user.id_number,
        channel="citizen_upload",
        captured_at=now,
        sha256="0" * 64,
        status="passed",
        content_type="image/jpeg",
    )
    return {"person": str(user.person.pk), "case": case.number, "photo_capture": str(capture.pk)}


@pytest.fixture
def reads(personas: Any, now: dt.datetime) -> dict[str, Any]:
    from tongban.catalog.services import catalog_load
    from tongban.workdays.selectors import calendar_clear_cache

    calendar_clear_cache()
    catalog_load(at=now, directory=ITEMS)
    mine = _records_of(personas.citizen, now)
    theirs = _records_of(personas.other_citizen, now)
    entries: dict[str, Any] = {}
    for owner, keys in (("mine", mine), ("theirs", theirs)):
        for i, (object_type, object_id) in enumerate(keys.items()):
            audit_staff_read(
                actor=personas.clerk,
                object_type=object_type,
                object_id=object_id,
                at=now + dt.timedelta(minutes=i),
                channel="page",
            )
            entries[f"{owner}:{object_type}"] = AuditEntry.objects.latest("id")
    # A reveal whose typed reason holds the full number: shown masked, like every text value.
    audit_record(
        action="person.reveal",
        object_type="person",
        object_id=mine["person"],
        at=now + dt.timedelta(minutes=5),
        actor=personas.approvers["huzheng"],
        data={"field": "phone", "reason": f"核对 {personas.citizen.id_number} 的联系方式"},
    )
    entries["mine:reveal"] = AuditEntry.objects.latest("id")
    return entries


def test_the_lookup_finds_every_read_of_the_person_and_no_one_elses(
    api: Any, personas: Any, reads: dict[str, Any]
) -> None:
    r = api(personas.auditor).post(reverse("audit:lookup"), {"id_number": personas.citizen.id_number})
    assert r.status_code == 200
    found = set(_ids(r))
    mine = {reads[k].pk for k in ("mine:person", "mine:case", "mine:photo_capture", "mine:reveal")}
    theirs = {reads[k].pk for k in ("theirs:person", "theirs:case", "theirs:photo_capture")}
    assert mine <= found and not (theirs & found)
    body = re.sub(r"<[^>]+>", "", r.content.decode())  # what a reader sees
    for words in ("查看个人信息", "查看办件", "查看照片", "查看完整个人信息", "窗口受理员", "查看项：手机号码"):
        assert words in body, words


def test_the_lookup_is_audited_with_the_masked_number(api: Any, personas: Any, reads: dict[str, Any]) -> None:
    api(personas.auditor).post(reverse("audit:lookup"), {"id_number": personas.citizen.id_number})
    entry = AuditEntry.objects.get(action="audit.lookup")
    assert entry.actor_id == personas.auditor.pk
    assert entry.object_type == "person" and entry.object_id == str(personas.citizen.person.pk)
    assert entry.data["id_number"] == mask_id_number(personas.citizen.id_number)
    assert personas.citizen.id_number not in str(entry.data)


def test_an_invalid_number_is_explained_and_not_audited(api: Any, personas: Any) -> None:
    r = api(personas.auditor).post(reverse("audit:lookup"), {"id_number": "330106199005171234"})
    assert r.status_code == 400
    assert 'class="errorlist"' in r.content.decode()
    assert not AuditEntry.objects.filter(action="audit.lookup").exists()


def test_no_page_shows_a_full_id_number(api: Any, personas: Any, reads: dict[str, Any]) -> None:
    client = api(personas.auditor)
    full = personas.citizen.id_number
    pages = [client.post(reverse("audit:lookup"), {"id_number": full})]
    pages.append(client.get(reverse("audit:list")))
    pages.append(client.get(reverse("audit:export")))
    pages += [client.get(reverse("audit:detail", args=[e.pk])) for e in AuditEntry.objects.all()]
    for page in pages:
        assert page.status_code == 200
        assert full not in page.content.decode(), page.request["PATH_INFO"]
    assert mask_id_number(full) in pages[0].content.decode()
