"""Every write made through Django admin reaches the audit log, in the admin's transaction, with
the changed field names and never their values; reading or searching personal records there is
audited too (finding 5 of the outside probe: registry edits in the admin never reached the log)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from tongban.audit.adminsite import AuditedAdminMixin, AuditedAdminSite
from tongban.audit.models import AuditEntry
from tongban.audit.services import audit_verify
from tongban.registry.models import Address, Region, Vehicle

pytestmark = pytest.mark.django_db


def _form_data(client: Client, url: str) -> dict[str, Any]:
    """What the admin's change form would post back unchanged."""
    form = client.get(url).context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    return data


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_every_registered_model_admin_is_audited() -> None:
    assert isinstance(admin.site._wrapped, AuditedAdminSite)  # type: ignore[attr-defined]
    registered = admin.site._registry
    assert len(registered) >= 25  # tongban's modules, auth groups, OTP devices, task results
    assert [m._meta.label for m, a in registered.items() if not isinstance(a, AuditedAdminMixin)] == []


def test_a_registry_edit_in_the_admin_reaches_the_audit_log(personas: Any, api: Any) -> None:
    person = personas.citizen.person
    client = api(personas.admin)
    url = reverse("admin:registry_person_change", args=[person.pk])
    data = {**_form_data(client, url), "phone": "13912345678", "employer": "西湖区某公司"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    person.refresh_from_db()
    assert person.phone == "13912345678"
    (entry,) = _entries("admin.change")
    assert (entry.object_type, entry.object_id, entry.actor_id, entry.role) == (
        "registry.person",
        str(person.pk),
        personas.admin.pk,
        "admin",
    )
    assert entry.data == {"model": "registry.person", "channel": "admin", "fields": ["employer", "phone"]}
    text = json.dumps([entry.data, entry.actor_label, entry.object_id], ensure_ascii=False)
    for value in ("13912345678", "西湖区某公司", person.id_number, person.name):
        assert value not in text  # field names only, no personal value in clear
    assert audit_verify().ok


def test_add_and_delete_in_the_admin_are_audited(personas: Any, api: Any) -> None:
    client = api(personas.admin)
    response = client.post(
        reverse("admin:registry_region_add"),
        {"code": "330199", "name": "测试新区", "level": "district", "population_weight": "0"},
    )
    assert response.status_code == 302
    region = Region.objects.get(code="330199")
    (added,) = _entries("admin.add")
    assert (added.object_type, added.object_id) == ("registry.region", str(region.pk))
    assert added.data["fields"] == ["code", "level", "name"]  # population_weight kept its initial value
    response = client.post(reverse("admin:registry_region_delete", args=[region.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Region.objects.filter(code="330199").exists()
    (deleted,) = _entries("admin.delete")
    assert (deleted.object_type, deleted.object_id, deleted.data) == (
        "registry.region",
        str(region.pk),
        {"model": "registry.region", "channel": "admin"},
    )


def test_a_bulk_delete_writes_one_entry_per_row(personas: Any, api: Any) -> None:
    owner = personas.citizen.person
    vehicles = [
        Vehicle.objects.create(
            owner=owner,
            plate=f"浙A1234{i}",
            kind="small_car",
            length_mm=4500,
            gross_kg=1500,
            registered_on=dt.date(2020, 1, 1),
        )
        for i in range(3)
    ]
    response = api(personas.admin).post(
        reverse("admin:registry_vehicle_changelist"),
        {"action": "delete_selected", "post": "yes", ACTION_CHECKBOX_NAME: [str(v.pk) for v in vehicles]},
    )
    assert response.status_code == 302 and not Vehicle.objects.filter(owner=owner).exists()
    assert sorted(e.object_id for e in _entries("admin.delete")) == sorted(str(v.pk) for v in vehicles)
    assert all("浙A" not in json.dumps(e.data, ensure_ascii=False) for e in _entries("admin.delete"))


def test_a_custom_admin_action_is_audited(personas: Any, api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    address = Address.objects.first()
    assert address is not None

    def mark_checked(modeladmin: Any, request: Any, queryset: Any) -> None:
        queryset.update(detail="已核对")

    model_admin = admin.site.get_model_admin(Address)
    monkeypatch.setattr(model_admin, "actions", [mark_checked])
    response = api(personas.admin).post(
        reverse("admin:registry_address_changelist"),
        {"action": "mark_checked", ACTION_CHECKBOX_NAME: [str(address.pk)]},
    )
    assert response.status_code == 302
    (entry,) = _entries("admin.action")
    assert (entry.object_type, entry.object_id) == ("registry.address", str(address.pk))
    assert entry.data == {
        "model": "registry.address",
        "channel": "admin",
        "action": "mark_checked",
        "ids": [str(address.pk)],
        "more": False,
    }


def test_a_password_set_in_the_admin_is_audited_without_the_password(personas: Any, api: Any) -> None:
    user = personas.clerk
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = api(personas.admin).post(
        url, {"password1": "Xq7#kLm2-pW9", "password2": "Xq7#kLm2-pW9", "usable_password": "true"}
    )
    assert response.status_code == 302
    (entry,) = _entries("admin.change")
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(user.pk))
    assert "Xq7#kLm2-pW9" not in json.dumps(entry.data) and entry.data["fields"] == ["password"]


def test_reading_and_searching_personal_records_in_the_admin_is_audited(personas: Any, api: Any) -> None:
    person = personas.citizen.person
    client = api(personas.admin)
    assert client.get(reverse("admin:registry_person_change", args=[person.pk])).status_code == 200
    (viewed,) = _entries("admin.view")
    assert (viewed.object_type, viewed.object_id, viewed.actor_id) == (
        "registry.person",
        str(person.pk),
        personas.admin.pk,
    )
    response = client.get(reverse("admin:registry_person_changelist"), {"q": person.id_number})
    assert response.status_code == 200
    (searched,) = _entries("admin.search")
    assert searched.data == {"model": "registry.person", "channel": "admin", "results": 1}
    assert person.id_number not in json.dumps(searched.data)  # the search words are not kept
    # Reference data is no personal record: opening it writes nothing.
    region = Region.objects.first()
    assert region is not None
    client.get(reverse("admin:registry_region_change", args=[region.pk]))
    client.get(reverse("admin:registry_region_changelist"), {"q": "测试"})
    assert len(_entries("admin.view")) == len(_entries("admin.search")) == 1


def test_a_refused_admin_edit_writes_no_entry(personas: Any, api: Any, now: dt.datetime) -> None:
    person = personas.citizen.person
    client = api(personas.admin)
    url = reverse("admin:registry_person_change", args=[person.pk])
    data = {**_form_data(client, url), "birth_date": "not a date"}
    assert client.post(url, data).status_code == 200  # the form shows the error
    assert _entries("admin.change") == []
