"""G12: every read of a citizen's record by staff leaves one audit entry: registry look-ups (API,
clerk workbench, materials preview), case pages and the case API, photos (API, files, photo desk)
and personal records opened in the admin. Citizens reading their own records leave none.

One table: who does what → the one entry expected (action, object type, object, channel, view)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from tongban.audit.models import AuditEntry
from tongban.audit.services import audit_verify

pytestmark = pytest.mark.django_db
ITEMS = Path(__file__).resolve().parents[2] / "cases" / "tests" / "items"


@dataclass
class World:
    personas: Any
    person: Any  # the citizen's registry record
    case: Any  # the citizen's case, accepted (so it has a receipt)
    capture: Any  # the citizen's photo, with one derivative
    derivative: Any


@pytest.fixture
def world(personas: Any, now: dt.datetime, settings: Any, tmp_path: Path) -> World:
    from tongban.cases.services import case_accept, case_submit
    from tongban.catalog.services import catalog_load
    from tongban.photos.models import PhotoCapture, PhotoDerivative
    from tongban.workdays.selectors import calendar_clear_cache

    settings.CERTIFICATE_KEYS_DIR = tmp_path / "cert-keys"
    calendar_clear_cache()
    catalog_load(at=now, directory=ITEMS)
    citizen = personas.citizen
    case = case_submit(actor=citizen, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]).case
    case_accept(number=case.number, actor=personas.approvers["huzheng"], now=now)
    capture = PhotoCapture.objects.create(
        person=citizen.person,
        id_number=citizen.id_number,
        channel="citizen_upload",
        captured_at=now,
        sha256="0" * 64,
        status="passed",
        content_type="image/jpeg",
    )
    capture.original.save("o.jpg", ContentFile(b"\xff\xd8original"), save=True)
    derivative = PhotoDerivative(
        capture=capture,
        standard_code="id_card",
        standard={"name_zh": "身份证"},
        bytes=9,
        width=358,
        height=441,
        dpi=350,
        quality=90,
        verification={"passed": True},
        created_at=now,
    )
    derivative.file.save("d.jpg", ContentFile(b"\xff\xd8derived"), save=True)
    calendar_clear_cache()
    return World(personas, citizen.person, case, capture, derivative)


@dataclass(frozen=True)
class Read:
    """A staff read: who, the request, and the entry it must leave."""

    who: str  # clerk | approver | auditor | admin
    do: Callable[[Client, World], Any]
    action: str
    object_type: str
    object_id: Callable[[World], str]
    data: dict[str, str]


def _lookup_api(c: Client, w: World) -> Any:
    return c.post("/api/v1/registry/persons/lookup", {"id_number": w.person.id_number}, content_type="application/json")


def _workbench(c: Client, w: World) -> Any:
    return c.post(reverse("web:workbench"), {"id_number": w.person.id_number})


def _preview(c: Client, w: World) -> Any:
    # POST: the ID number travels in the body, never in a URL (issue 16).
    body = {"item_code": "t_doc", "id_number": w.person.id_number}
    return c.post("/api/v1/cases/preview", body, content_type="application/json")


def _desk(c: Client, w: World) -> Any:
    c.post(reverse("photos:desk"), {"id_number": w.person.id_number})  # the look-up only remembers who
    return c.get(reverse("photos:desk"))


def _get(path: Callable[[World], str]) -> Callable[[Client, World], Any]:
    return lambda c, w: c.get(path(w))


def _person(w: World) -> str:
    return str(w.person.pk)


def _case(w: World) -> str:
    return str(w.case.number)


def _capture(w: World) -> str:
    return str(w.capture.pk)


def _derivative(w: World) -> str:
    return str(w.derivative.pk)


API, PAGE = "api", "page"
READS: dict[str, Read] = {
    "registry look-up, API": Read(
        "clerk", _lookup_api, "person.read", "person", _person, {"channel": API, "what": "lookup"}
    ),
    "registry look-up, auditor": Read(
        "auditor", _lookup_api, "person.read", "person", _person, {"channel": API, "what": "lookup"}
    ),
    "registry look-up, workbench": Read(
        "clerk", _workbench, "person.read", "person", _person, {"channel": PAGE, "what": "workbench"}
    ),
    "materials preview for a person": Read(
        "clerk", _preview, "person.read", "person", _person, {"channel": API, "what": "preview"}
    ),
    "case, API": Read(
        "approver",
        _get(lambda w: f"/api/v1/cases/{w.case.number}"),
        "case.read",
        "case",
        _case,
        {"channel": API, "what": "detail"},
    ),
    "case page": Read(
        "approver",
        _get(lambda w: reverse("cases:detail", args=[w.case.number])),
        "case.read",
        "case",
        _case,
        {"channel": PAGE, "what": "detail"},
    ),
    "case receipt": Read(
        "approver",
        _get(lambda w: reverse("cases:receipt", args=[w.case.number])),
        "case.read",
        "case",
        _case,
        {"channel": PAGE, "what": "receipt"},
    ),
    "photo capture, API": Read(
        "clerk",
        _get(lambda w: f"/api/v1/photos/captures/{w.capture.pk}"),
        "photo.read",
        "photo_capture",
        _capture,
        {"channel": API, "what": "detail"},
    ),
    "photo file, API": Read(
        "clerk",
        _get(lambda w: f"/api/v1/photos/derivatives/{w.derivative.pk}"),
        "photo.read",
        "photo_derivative",
        _derivative,
        {"channel": API, "what": "file"},
    ),
    "photo file by standard, API": Read(
        "clerk",
        _get(lambda w: f"/api/v1/photos/captures/{w.capture.pk}/derivatives/id_card"),
        "photo.read",
        "photo_derivative",
        _derivative,
        {"channel": API, "what": "file"},
    ),
    "photo original, page": Read(
        "clerk",
        _get(lambda w: reverse("photos:original_file", args=[w.capture.pk])),
        "photo.read",
        "photo_capture",
        _capture,
        {"channel": PAGE, "what": "original"},
    ),
    "photo file, page": Read(
        "clerk",
        _get(lambda w: reverse("photos:derivative_file", args=[w.derivative.pk])),
        "photo.read",
        "photo_derivative",
        _derivative,
        {"channel": PAGE, "what": "file"},
    ),
    "photo desk": Read("clerk", _desk, "photo.read", "photo_capture", _capture, {"channel": PAGE, "what": "desk"}),
    "person in the admin": Read(
        "admin",
        _get(lambda w: reverse("admin:registry_person_change", args=[w.person.pk])),
        "admin.view",
        "registry.person",
        _person,
        {"model": "registry.person", "channel": "admin"},
    ),
}


def _staff(personas: Any, who: str) -> Any:
    return personas.approvers["huzheng"] if who == "approver" else getattr(personas, who)


@pytest.mark.parametrize("name", READS)
def test_a_staff_read_leaves_one_audit_entry(world: World, api: Any, name: str) -> None:
    read = READS[name]
    user = _staff(world.personas, read.who)
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = read.do(api(user), world)
    assert response.status_code == 200, (name, response.status_code)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    (entry,) = AuditEntry.objects.filter(id__gt=before)
    assert (entry.action, entry.object_type, entry.object_id, entry.data) == (
        read.action,
        read.object_type,
        read.object_id(world),
        read.data,
    )
    assert (entry.actor_id, entry.role) == (user.pk, user.role)
    assert entry.outlet_code == (user.outlet.code if user.outlet_id else "")
    assert entry.at.utcoffset() is not None  # an instant with its offset
    text = json.dumps([entry.object_id, entry.data, entry.actor_label], ensure_ascii=False)
    assert world.person.id_number not in text and world.person.name not in text
    assert audit_verify().ok


OWN_READS = [
    "registry look-up, API",
    "case, API",
    "case page",
    "case receipt",
    "photo capture, API",
    "photo file, API",
    "photo file by standard, API",
    "photo original, page",
    "photo file, page",
]


@pytest.mark.parametrize("name", OWN_READS)
def test_a_citizen_reading_their_own_record_leaves_none(world: World, api: Any, name: str) -> None:
    before = AuditEntry.objects.count()
    response = READS[name].do(api(world.personas.citizen), world)
    assert response.status_code == 200, (name, response.status_code)
    assert AuditEntry.objects.count() == before


def test_a_refused_read_leaves_no_read_entry(world: World, api: Any) -> None:
    """Another citizen's record is out of scope (404) and nothing was read."""
    before = AuditEntry.objects.count()
    assert api(world.personas.other_citizen).get(f"/api/v1/cases/{world.case.number}").status_code == 404
    assert api(world.personas.clerk).get("/api/v1/photos/captures/999999").status_code == 404
    assert AuditEntry.objects.count() == before
