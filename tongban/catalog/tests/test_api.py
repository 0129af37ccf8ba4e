"""The catalog API, through the front door: lists, items and versions, figures (checked against a
hand count of the item files), eligibility for the caller, and administrators' edits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml

from tongban.catalog.loader import ITEMS_DIR

pytestmark = pytest.mark.django_db

# Hand count of catalog/items/*.yaml (update when an item is added):
#  - not online (6): id_card_first, id_card_replace, id_card_temp, name_change, security_guard_certificate,
#    taiwan_permit
#  - zero materials (3): id_card_loss_report, driver_contact_change, tenant_declaration
#  - ID card only (20): every required material has a source or a photo standard — the 3 zero-material
#    items, dog_licence_renew, driver_licence_expiry, driver_licence_replace, driver_medical_submit,
#    graduate_settlement, hk_macao_permit, hukou_book_replace, hukou_certificate, id_card_first,
#    id_card_renew, id_card_replace, id_card_temp, no_criminal_record, passport, taiwan_permit,
#    truck_pass, vehicle_inspection_label
HAND_COUNT = {"items": 34, "online": 28, "id_card_only": 20, "zero_materials": 3}


def raw_files() -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(ITEMS_DIR.glob("*.yaml"))]


def test_figures_match_the_hand_count_and_the_raw_files(api: Any) -> None:
    body = api(None).get("/api/v1/catalog/figures").json()
    assert {k: body[k] for k in HAND_COUNT} == HAND_COUNT
    raw = raw_files()
    # the same figures counted straight from the YAML, without the schema's properties
    assert body["items"] == len(raw)
    assert body["online"] == sum("online" in r["channels"] for r in raw)
    assert body["zero_materials"] == sum(not r.get("materials") for r in raw)
    assert body["id_card_only"] == sum(
        all(m.get("source") or m.get("photo_standard") for m in r.get("materials", []) if m.get("required", True))
        for r in raw
    )
    assert body["by_department"] == {"churujing": 5, "huzheng": 14, "jiaoguan": 6, "zhian": 9}
    assert sum(body["by_reach"].values()) == 34


def test_list_items_is_public_and_filters(api: Any) -> None:
    client = api(None)
    rows = client.get("/api/v1/catalog/items").json()
    assert len(rows) == 34
    first = rows[0]
    assert set(first) == {
        "code",
        "version",
        "name_zh",
        "name_en",
        "department",
        "channels",
        "reach",
        "online",
        "id_card_only",
        "zero_materials",
        "promised_limit",
        "fee_yuan",
    }
    zhian = client.get("/api/v1/catalog/items", {"department": "zhian"}).json()
    assert {r["department"] for r in zhian} == {"zhian"} and len(zhian) == 9
    kiosk = client.get("/api/v1/catalog/items", {"channel": "kiosk"}).json()
    assert all("kiosk" in r["channels"] for r in kiosk) and kiosk
    found = client.get("/api/v1/catalog/items", {"q": "犬证"}).json()
    assert [r["code"] for r in found] == ["dog_licence_renew", "dog_registration"]
    assert client.get("/api/v1/catalog/items", {"q": "passport"}).json()[0]["code"] == "passport"
    bad = client.get("/api/v1/catalog/items", {"department": "army"})
    assert bad.status_code == 422
    assert bad["Content-Type"] == "application/problem+json"


def test_get_item_returns_the_whole_spec(api: Any) -> None:
    body = api(None).get("/api/v1/catalog/items/truck_pass").json()
    assert body["code"] == "truck_pass"
    assert body["version"] == 1
    assert body["department"] == "jiaoguan"
    assert body["promised_limit"] == {"value": 8, "unit": "working_hours"}
    result = body["result"]
    assert {k: result[k] for k in ("kind", "certificate_template", "validity_days", "name_zh", "name_en")} == {
        "kind": "certificate",
        "certificate_template": "TP",
        "validity_days": 90,
        "name_zh": None,
        "name_en": None,
    }
    # Where each fact of the pass comes from, and how the derived class reads (item data).
    assert result["facts"]["vehicle_class"] == ["derived.truck_class"]
    assert result["labels"]["large"] == "大型货车"
    assert [m["source"] for m in body["materials"]] == ["vehicle", "enterprise_vehicle"]
    assert body["derived"][0]["name"] == "truck_class"
    residence = api(None).get("/api/v1/catalog/items/residence_permit").json()
    assert residence["commitment"] == {"allowed": True, "supplement_days": 30}
    assert residence["eligibility"][2]["require"] == {"not": {"fact": "hukou.local", "op": "is_true", "value": None}}


def test_unknown_item_is_a_problem_404(api: Any) -> None:
    r = api(None).get("/api/v1/catalog/items/no_such_item")
    assert r.status_code == 404
    assert r["Content-Type"] == "application/problem+json"
    assert r.json()["code"] == "item_not_found"
    assert api(None).get("/api/v1/catalog/items/passport", {"version": 9}).status_code == 404


def edited(item_code: str, **changes: Any) -> dict[str, Any]:
    from tongban.catalog.selectors import item_get

    spec = item_get(code=item_code).model_dump(mode="json", by_alias=True)
    spec.update(changes)
    return spec


def test_admin_edit_creates_a_version_and_old_versions_stay(api: Any, personas: Any) -> None:
    admin = api(personas.admin)
    body = edited("no_criminal_record", promised_limit={"value": 2, "unit": "working_days"})
    r = admin.put(
        "/api/v1/catalog/items/no_criminal_record", {"spec": body, "note": "时限调整"}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["version"] == 2
    public = api(None)
    assert public.get("/api/v1/catalog/items/no_criminal_record").json()["promised_limit"]["value"] == 2
    old = public.get("/api/v1/catalog/items/no_criminal_record", {"version": 1}).json()
    assert (old["version"], old["promised_limit"]["value"]) == (1, 1)
    versions = public.get("/api/v1/catalog/items/no_criminal_record/versions").json()
    assert [(v["version"], v["origin"], v["note"]) for v in versions] == [(2, "admin", "时限调整"), (1, "file", "")]
    # the same content again makes no new version
    again = admin.put("/api/v1/catalog/items/no_criminal_record", {"spec": body}, content_type="application/json")
    assert again.json()["version"] == 2

    from tongban.audit.models import AuditEntry

    entry = AuditEntry.objects.get(action="catalog.item_version_create")
    assert (entry.object_id, entry.data["version"], entry.data["previous"]) == ("no_criminal_record", 2, 1)


def test_an_invalid_edit_is_refused_with_fields_named_and_nothing_written(api: Any, personas: Any) -> None:
    from tongban.catalog.models import ItemVersion

    before = ItemVersion.objects.count()
    body = edited("passport", channels=["fax"], fee_yuan=-1)
    r = api(personas.admin).put("/api/v1/catalog/items/passport", {"spec": body}, content_type="application/json")
    assert r.status_code == 400
    problems = r.json()["problems"]
    assert any(p.startswith("passport: channels[0]: Input should be 'online'") for p in problems), problems
    assert any(p.startswith("passport: fee_yuan: Input should be greater than or equal to 0") for p in problems)
    assert ItemVersion.objects.count() == before
    renamed = api(personas.admin).put(
        "/api/v1/catalog/items/passport", {"spec": edited("passport", code="visa")}, content_type="application/json"
    )
    assert renamed.status_code == 400 and renamed.json()["problems"] == ["passport: code: cannot change to 'visa'"]


@pytest.mark.parametrize("who", ["citizen", "clerk", None])
def test_only_administrators_edit(api: Any, personas: Any, who: str | None) -> None:
    user = getattr(personas, who) if who else None
    r = api(user).put("/api/v1/catalog/items/passport", {"spec": edited("passport")}, content_type="application/json")
    assert r.status_code == (401 if who is None else 403)


def test_eligibility_for_the_logged_in_citizen_uses_registry_facts(api: Any, personas: Any) -> None:
    from tongban.registry.models import Person

    person = Person.objects.get(pk=personas.citizen.person_id)
    person.education = "bachelor"
    person.graduated_on = dt.date(2010, 7, 1)
    person.household, person.hukou_region = None, "420102"  # 户籍 in Wuhan: settlement concerns them
    person.save()
    client = api(personas.citizen)
    r = client.post(
        "/api/v1/catalog/items/graduate_settlement/eligibility",
        {"form": {"has_employer": False, "settle_to": "talent_collective"}},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["eligible"] is False
    assert [f["rule"] for f in body["failures"]] == ["bachelor_within_two_years"]
    assert (
        body["failures"][0]["reason_en"]
        == "Bachelor's graduates more than 2 years after graduation must have a job first"
    )
    on_file = {m["code"]: m["supplied"] for m in body["materials"]}
    assert on_file["id_card"] is True and on_file["diploma"] is True and on_file["employment"] is False
    ok = client.post(
        "/api/v1/catalog/items/graduate_settlement/eligibility",
        {"form": {"has_employer": True, "settle_to": "talent_collective"}},
        content_type="application/json",
    )
    assert ok.json()["eligible"] is True


def test_points_breakdown_in_the_eligibility_answer(api: Any, personas: Any) -> None:
    from tongban.registry.models import Person

    Person.objects.filter(pk=personas.citizen.person_id).update(
        education="senior", household=None, hukou_region="420102"
    )
    form = {"years_worked": 5, "years_resident": 4, "social_insurance_years": 6}
    body = (
        api(personas.citizen)
        .post("/api/v1/catalog/items/points_settlement/eligibility", {"form": form}, content_type="application/json")
        .json()
    )
    assert body["points"]["total"] == 100 and body["points"]["passed"] is True
    assert body["eligible"] is True  # the persona was born in 1990: 35 on 2026 dates, under 40


def test_a_citizen_cannot_check_someone_else_but_a_clerk_can(api: Any, personas: Any) -> None:
    other = personas.other_citizen.id_number
    r = api(personas.citizen).post(
        "/api/v1/catalog/items/no_criminal_record/eligibility",
        {"form": {}, "id_number": other},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = api(personas.clerk).post(
        "/api/v1/catalog/items/no_criminal_record/eligibility",
        {"form": {}, "id_number": other},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert r.json()["materials"][0]["supplied"] is True
    assert (
        api(None)
        .post("/api/v1/catalog/items/no_criminal_record/eligibility", {"form": {}}, content_type="application/json")
        .status_code
        == 401
    )


def test_openapi_documents_the_catalog(api: Any) -> None:
    schema = api(None).get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/catalog/items",
        "/api/v1/catalog/items/{code}",
        "/api/v1/catalog/figures",
        "/api/v1/catalog/items/{code}/versions",
        "/api/v1/catalog/items/{code}/eligibility",
    ):
        assert path in paths, path
    components = schema["components"]["schemas"]
    assert {"ItemSpec", "Material", "CatalogFigures", "ItemSummary"} <= set(components)
    assert components["Material"]["properties"]["source"]["anyOf"][0]["enum"] == [
        "hukou",
        "id_card",
        "driver_licence",
        "vehicle",
        "medical_check",
        "education",
        "dog_vaccination",
        "enterprise_vehicle",
        "tenancy",
    ]


def test_truck_pass_check_classifies_the_truck_and_needs_a_registered_vehicle(api: Any, personas: Any) -> None:
    form = {
        "plate": "鲁F12345",
        "body": "van",
        "length_mm": 5990,
        "gross_kg": 7500,
        "start_on": "2026-03-11",
        "days": 90,
        "area": "芝罘区",
    }
    body = (
        api(personas.citizen)
        .post("/api/v1/catalog/items/truck_pass/eligibility", {"form": form}, content_type="application/json")
        .json()
    )
    assert body["derived"] == {"truck_class": "light", "night_all_roads": None}
    assert [f["rule"] for f in body["failures"]] == ["registered_vehicle"]
    assert body["failures"][0]["missing"] == ["enterprise_vehicle.vehicles", "vehicle.vehicles"]


def test_spec_sources_cover_materials_and_rules() -> None:
    from tongban.catalog.selectors import item_get, spec_sources

    assert spec_sources(item_get(code="graduate_settlement")) == {"id_card", "education", "hukou"}
    # hukou and tenancy (微安居 租房记录) only from rules
    assert spec_sources(item_get(code="residence_permit")) == {"id_card", "hukou", "tenancy"}
    assert spec_sources(item_get(code="driver_licence_expiry")) == {"id_card", "driver_licence", "medical_check"}
