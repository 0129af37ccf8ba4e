"""Every item of the catalog, end to end, in the synthetic city (issue 15).

For each item file in ``tongban/catalog/items/`` and each channel it declares: find an eligible
applicant among the generated people, apply through the API (the citizen online, by phone or at a
kiosk; a clerk at a window of one of the item's outlet kinds), take the case through the item's
approval steps with the roles they name, and end with the declared result: a certificate that
verifies online and offline and names the handling bureau as issuer, a document handed over at
the window, or a notice. A new item file whose walk does not reach its result fails this test.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from tongban.cases.demo import sample_form

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ITEMS_DIR = Path(__file__).resolve().parents[2] / "catalog" / "items"
URL = "/api/v1/cases/"


def _first(facts: dict[str, Any], source: str, key: str) -> dict[str, Any]:
    rows = (facts.get(source) or {}).get(key) or []
    return rows[0] if rows else {}


def _truck(facts: dict[str, Any], at: dt.date) -> dict[str, Any]:
    v = _first(facts, "vehicle", "vehicles")
    body = "van" if v.get("kind") in ("van", "light_truck") else "box"
    return {
        "plate": v.get("plate", ""),
        "body": body,
        "length_mm": v.get("length_mm") or 5990,
        "gross_kg": v.get("gross_kg") or 4000,
        "start_on": at.isoformat(),
        "days": 30,
        "area": "绕城高速以内",
    }


def _dog(facts: dict[str, Any]) -> dict[str, Any]:
    d = _first(facts, "dog_vaccination", "dogs")
    return {
        "dog_name": d.get("name", ""),
        "chip": d.get("chip", ""),
        "breed": d.get("breed", ""),
        "address": "文三路 1 号",
    }


#: Form answers that depend on the applicant's registry records, or that the rules need.
HINTS: dict[str, Any] = {
    "truck_pass": _truck,
    "dog_registration": lambda f, at: {**_dog(f), "colour": "黄色"},
    "dog_licence_renew": lambda f, at: {"chip": _dog(f)["chip"]},
    "points_settlement": lambda f, at: {
        "years_worked": 8,
        "years_resident": 8,
        "social_insurance_years": 8,
        "skill_certificate": "senior",
        "own_home": True,
    },
    "graduate_settlement": lambda f, at: {"has_employer": True, "settle_to": "talent_collective"},
    "death_cancellation": lambda f, at: {"deceased_id_number": "330106195001011232", "died_on": at.isoformat()},
    "driver_contact_change": lambda f, at: {"phone": "13900001111"},
    "foreigner_accommodation": lambda f, at: {"nationality": "USA", "passport_number": "X1234567"},
    "seal_engraving_record": lambda f, at: {"credit_code": "91330106MA2B12345X", "seals": ["official"]},
    "large_event_permit": lambda f, at: {"starts_on": (at + dt.timedelta(days=40)).isoformat()},
    "security_guard_certificate": lambda f, at: {"exam_score": 80},
}


def _item_codes() -> list[str]:
    import yaml

    return sorted(yaml.safe_load(p.read_text("utf-8"))["code"] for p in ITEMS_DIR.glob("*.yaml"))


#: The walk's instant: a Tuesday morning in Hangzhou, every deadline inside a loaded calendar year.
AT = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def city(db: None) -> Iterator[dt.datetime]:
    """The catalog, a synthetic city of a few thousand people and the demo outlets, with every
    clock the walk passes through (API, result task, verification) at ``AT``."""
    from tongban.catalog.services import catalog_load
    from tongban.common.lookups import forget_all
    from tongban.outlets.demo import outlets_generate
    from tongban.registry.generator import city_generate

    catalog_load(at=AT)
    city_generate(people=4000, seed=15, as_of=AT.date(), now=AT)
    outlets_generate(at=AT)
    forget_all()
    with (
        mock.patch("tongban.cases.api.now", return_value=AT),
        mock.patch("tongban.cases.tasks.now", return_value=AT),
        mock.patch("tongban.common.clock.now", return_value=AT),
    ):
        yield AT


def _post(client: Any, url: str, body: dict[str, Any]) -> Any:
    from django.test import Client

    assert isinstance(client, Client)
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _user(role: str, **extra: Any) -> Any:
    from tongban.accounts.models import User

    n = User.objects.count() + 1
    return User.objects.create_user(username=f"walk-{role}-{n}", password="pw-walk-123", role=role, **extra)


def _client(user: Any) -> Any:
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def _candidates(item: Any, at: dt.datetime) -> list[Any]:
    """People likely to pass the item's rules: holders of the records it reads (in date), with a
    local household and without (the generator writes the migrants last)."""
    from tongban.catalog.selectors import spec_sources
    from tongban.registry.models import Person

    qs = Person.objects.filter(account__isnull=True).order_by("pk")  # one account per person
    sources = spec_sources(item)
    today = at.date()
    if "vehicle" in sources:
        qs = qs.filter(vehicles__isnull=False)
    if "dog_vaccination" in sources:
        qs = qs.filter(dogs__vaccine_valid_until__gte=today)
    if "medical_check" in sources:
        qs = qs.filter(medical_checks__passed=True, medical_checks__valid_until__gte=today)
    if "driver_licence" in sources:
        qs = qs.filter(driver_licence__isnull=False)
    if "education" in sources:
        qs = qs.exclude(education__in=["", "none"])
    qs = qs.distinct()
    return list(qs.filter(household__isnull=False)[:400]) + list(qs.filter(household__isnull=True)[:400])


def _applicant(item: Any, at: dt.datetime, role: str) -> tuple[Any, dict[str, Any]] | None:
    """An eligible person and the form they fill in, or None."""
    from tongban.cases.outcomes import submit_check
    from tongban.catalog.selectors import item_check_for, spec_sources
    from tongban.common.errors import DomainError
    from tongban.registry.selectors import registry_supply_many

    hint = HINTS.get(item.code)
    for person in _candidates(item, at):
        if person.birth_date > dt.date(2008, 1, 1):
            continue
        try:
            submit_check(item=item, person=person, role=role, outlet=None)
        except DomainError:
            continue
        form = sample_form(item.form_schema, at=at)
        if hint is not None:
            got = registry_supply_many(sources=sorted(spec_sources(item)), id_number=person.id_number, at=at)
            facts = {k: dict(v.facts) for k, v in got.items() if v is not None}
            form.update(hint(facts, at.date()))
        if item_check_for(spec=item, id_number=person.id_number, form=form, at=at)["eligible"]:
            return person, form
    return None


def _clerk_outlet(item: Any) -> Any:
    from tongban.outlets.models import Outlet, OutletItem

    kinds = [k for k in item.outlet_types if k not in ("kiosk", "all_in_one_5g")]
    ids = OutletItem.objects.filter(item_code=item.code).values_list("outlet_id", flat=True)
    return Outlet.objects.filter(pk__in=ids, kind__in=kinds).order_by("code").first()


def _expected_issuer(case: Any, template: str) -> str:
    from tongban.certificates.selectors import template_get
    from tongban.registry.bureaus import bureau_of

    spec = template_get(code=template)
    bureau = bureau_of(case.handling_region)
    assert bureau is not None, f"no bureau for region {case.handling_region}"
    if spec.authority_unit_zh:
        return bureau.city_zh + spec.authority_unit_zh
    return case.handling_outlet.bureau if case.handling_outlet and case.handling_outlet.bureau else bureau.name_zh


def _walk(code: str, channel: str, at: dt.datetime, capture: Any) -> str | None:
    """One walk; None when it reached the declared result, else what went wrong."""
    from tongban.cases.models import Case
    from tongban.cases.selectors import item_spec
    from tongban.certificates.core.extract import extract_from_pdf
    from tongban.certificates.core.keys import KeySet
    from tongban.certificates.core.verify import Status, document_matches, verify
    from tongban.certificates.models import Certificate
    from tongban.certificates.signing import key_directory

    item = item_spec(code=code)
    role = "citizen" if "citizen" in item.applicants else "enterprise"
    found = _applicant(item, at, role)
    if found is None:
        return "no eligible applicant in the synthetic city"
    person, form = found
    presented = [m.code for m in item.materials if m.source is None]  # photos taken at the window
    applicant = _user(role, person=person, id_number=person.id_number, real_name=person.name)
    if channel == "window":
        outlet = _clerk_outlet(item)
        if outlet is None:
            return "no outlet of the item's kinds handles it"
        submitter = _user("clerk", outlet=outlet)
        body = {"item_code": code, "form": form, "channel": "window", "id_number": person.id_number}
    else:
        submitter = applicant
        body = {"item_code": code, "form": form, "channel": channel}
    body["presented"] = presented
    with capture(execute=True):
        r = _post(_client(submitter), URL, body)
    if r.status_code != 201:
        return f"submit {r.status_code}: {r.content.decode()[:300]}"
    case = Case.objects.get(number=r.json()["number"])
    steps = list(item.approval)
    approver = _user("approver", department=item.department)
    if case.status == "submitted":
        outlet = case.accepting_outlet or case.handling_outlet
        taker = approver
        if steps and steps[0].role == "clerk":
            if outlet is None:
                return "no outlet for the clerk's step"
            taker = _user("clerk", outlet=outlet)
        with capture(execute=True):
            r = _post(_client(taker), f"{URL}{case.number}/accept", {"presented": presented})
        if r.status_code != 200:
            return f"accept {r.status_code}: {r.content.decode()[:300]}"
        case.refresh_from_db()
    if case.status in ("accepted", "in_review", "resubmitted"):
        if not any(s.role == "approver" for s in steps):
            return f"waits at {case.status} with no approver step"
        with capture(execute=True):
            r = _post(_client(approver), f"{URL}{case.number}/transitions", {"to": "approved"})
        if r.status_code != 200:
            return f"approve {r.status_code}: {r.content.decode()[:300]}"
        case.refresh_from_db()
    kind = item.result.kind
    if kind == "document":
        if case.status != "result_issued":
            return f"document: status {case.status}"
        outlet = case.accepting_outlet or case.handling_outlet
        if outlet is None:
            return "document: no outlet to hand it over"
        with capture(execute=True):
            r = _post(_client(_user("clerk", outlet=outlet)), f"{URL}{case.number}/transitions", {"to": "completed"})
        if r.status_code != 200:
            return f"handover {r.status_code}: {r.content.decode()[:300]}"
        case.refresh_from_db()
    if case.status != "completed":
        return f"ends at {case.status}"
    if kind != "certificate":
        return None
    cert = Certificate.objects.filter(case_number=case.number).first()
    if cert is None or cert.template != item.result.certificate_template:
        return "no certificate"
    expected = _expected_issuer(case, cert.template)
    if cert.authority_zh != expected:
        return f"issuer {cert.authority_zh!r}, expected {expected!r}"
    from django.test import Client

    online = _post(Client(), "/api/v1/certificates/verify", {"token": cert.token})
    if online.status_code != 200 or online.json()["status"] != "genuine":
        return f"online verification: {online.content.decode()[:200]}"
    if online.json()["authority_zh"] != expected:
        return "online verification names another issuer"
    pdf = _client(applicant).get(f"/api/v1/certificates/{cert.number}/pdf")
    if pdf.status_code != 200:
        return f"pdf {pdf.status_code}"
    extracted = extract_from_pdf(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)
    offline = verify(extracted.token, KeySet.load(key_directory().keyset_path), now=at + dt.timedelta(hours=1))
    if offline.status is not Status.GENUINE or extracted.document is None:
        return f"offline verification: {offline.status}"
    assert offline.claims is not None
    if not document_matches(offline.claims, extracted.document) or extracted.document.authority_zh != expected:
        return "offline document does not match or names another issuer"
    return None


def test_every_item_file_reaches_its_result(
    city: dt.datetime, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    from tongban.cases.selectors import item_spec

    settings.CERTIFICATE_VERIFY_AUDIT = "sync"  # no batching thread past the test's transaction

    failures = {}
    walks = 0
    only = [c for c in os.environ.get("TONGBAN_WALK_ITEMS", "").split(",") if c]  # to debug a few
    for code in only or _item_codes():
        for channel in item_spec(code=code).channels:
            walks += 1
            problem = _walk(code, channel, city, django_capture_on_commit_callbacks)
            if problem:
                failures[f"{code}/{channel}"] = problem
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)
    assert only or walks >= len(_item_codes())
