"""The staff console (issue 21): validation, versions and audit of an administrator's edits of
items, outlets' hours, photo standards and the holiday calendar; who may open it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tongban.audit.models import AuditEntry
from tongban.catalog.models import ItemVersion
from tongban.catalog.selectors import item_get
from tongban.catalog.services import ItemChange, item_change_apply, item_history, materials_known
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Invalid
from tongban.outlets.services import outlet_hours_set
from tongban.photos.models import PhotoStandardRecord
from tongban.photos.standards import photo_standard_update
from tongban.workdays.models import CalendarYear

pytestmark = pytest.mark.django_db
CODE = "no_criminal_record"


def _change(spec: Any, **over: Any) -> ItemChange:
    base: dict[str, Any] = {
        "promised_days": spec.promised_limit.value,
        "fee_yuan": spec.fee_yuan,
        "fee_note_zh": spec.fee_note_zh or "",
        "fee_note_en": spec.fee_note_en or "",
        "summary_zh": spec.summary_zh or "",
        "summary_en": spec.summary_en or "",
        "conditions_zh": spec.conditions_zh or "",
        "conditions_en": spec.conditions_en or "",
        "materials": [(m.code, m.required) for m in spec.materials],
    }
    return ItemChange(**{**base, **over})


def _client(user: Any, settings: Any) -> Client:
    settings.REQUIRE_STAFF_2FA = False
    client = Client()
    client.force_login(user)
    return client


def test_a_negative_time_limit_is_refused_and_nothing_is_written(personas: Any, now: dt.datetime) -> None:
    spec = item_get(code=CODE)
    versions, audits = ItemVersion.objects.count(), AuditEntry.objects.count()
    with pytest.raises(Invalid) as exc:
        item_change_apply(code=CODE, change=_change(spec, promised_days=-1), actor=personas.admin, at=now)
    assert exc.value.extra["problems"] == ["承诺时限不能为负数"]
    assert (ItemVersion.objects.count(), AuditEntry.objects.count()) == (versions, audits)
    assert item_get(code=CODE).promised_limit.value == spec.promised_limit.value


def test_an_unknown_material_is_refused_with_its_code(personas: Any, now: dt.datetime) -> None:
    spec = item_get(code=CODE)
    rows = [*((m.code, m.required) for m in spec.materials), ("moon_rock", True)]
    with pytest.raises(Invalid) as exc:
        item_change_apply(code=CODE, change=_change(spec, materials=rows), actor=personas.admin, at=now)
    assert exc.value.extra["problems"] == ["没有名为“moon_rock”的材料，请从材料目录中选择"]


def test_a_time_limit_above_the_legal_limit_is_refused(personas: Any, now: dt.datetime) -> None:
    spec = item_get(code=CODE)
    too_long = spec.legal_limit.value + 1
    with pytest.raises(Invalid) as exc:
        item_change_apply(code=CODE, change=_change(spec, promised_days=too_long), actor=personas.admin, at=now)
    assert exc.value.extra["problems"] == [f"承诺时限不能超过法定时限（{spec.legal_limit.value}）"]


def test_an_edit_is_a_new_version_with_who_and_what_and_one_audit_row(personas: Any, now: dt.datetime) -> None:
    spec = item_get(code=CODE)
    rows = [(m.code, not m.required) for m in spec.materials[1:]]  # drop the first, flip the rest
    new = item_change_apply(
        code=CODE,
        change=_change(spec, promised_days=3, fee_yuan=Decimal("12.50"), materials=rows),
        actor=personas.admin,
        at=now,
        note="缩短承诺时限",
    )
    assert new.version == spec.version + 1
    assert item_get(code=CODE).promised_limit.value == 3
    assert [(m.code, m.required) for m in item_get(code=CODE).materials] == rows
    history = item_history(code=CODE)
    assert history[0]["version"] == new.version and history[0]["created_by"] == "admin1"
    assert history[0]["note"] == "缩短承诺时限"
    assert spec.materials, "the test item lists materials"
    assert history[0]["changed"] == ["承诺时限", "收费标准", "申请材料"]
    assert history[1]["version"] == spec.version and history[1]["promised"]["value"] == spec.promised_limit.value
    entry = AuditEntry.objects.filter(action="catalog.item_version_create", object_id=CODE).get()
    assert entry.data["version"] == new.version and entry.data["previous"] == spec.version


def test_adding_a_material_from_another_item(personas: Any, now: dt.datetime) -> None:
    spec = item_get(code=CODE)
    other = item_get(code="passport")
    extra = next(m for m in other.materials if m.code not in {x.code for x in spec.materials})
    rows = [*((m.code, m.required) for m in spec.materials), (extra.code, False)]
    new = item_change_apply(code=CODE, change=_change(spec, materials=rows), actor=personas.admin, at=now)
    added = next(m for m in new.materials if m.code == extra.code)
    # a code means the material of its first definition (items in code order)
    assert (added.name_zh, added.required) == (materials_known()[extra.code].name_zh, False)


def test_an_unchanged_form_writes_no_version(personas: Any, now: dt.datetime) -> None:
    spec = item_get(code=CODE)
    count = ItemVersion.objects.count()
    assert item_change_apply(code=CODE, change=_change(spec), actor=personas.admin, at=now).version == spec.version
    assert ItemVersion.objects.count() == count


def test_outlet_hours_are_versioned_in_the_audit_log(personas: Any, now: dt.datetime) -> None:
    before = dict(personas.outlet.hours)
    hours = {**before, "sat": "09:00-12:00", "exceptions": {"2027-02-10": ""}}
    outlet_hours_set(code="T-PS-1", hours=hours, at=now, actor=personas.admin, note="周六上午延时")
    personas.outlet.refresh_from_db()
    assert personas.outlet.hours["sat"] == "09:00-12:00"
    assert personas.outlet.hours["exceptions"] == {"2027-02-10": ""}
    entry = AuditEntry.objects.get(action="outlet.hours", object_id="T-PS-1")
    assert entry.data["before"] == before and entry.data["after"]["sat"] == "09:00-12:00"
    with pytest.raises(Invalid):
        outlet_hours_set(code="T-PS-1", hours={"mon": "17:00-09:00"}, at=now, actor=personas.admin)
    assert AuditEntry.objects.filter(action="outlet.hours").count() == 1


def test_photo_standard_values_are_checked_versioned_and_audited(personas: Any, now: dt.datetime) -> None:
    row = PhotoStandardRecord.objects.get(code="passport")
    photo_standard_update(
        code="passport", values={"backgrounds": "#FFFFFF", "validity_days": 90}, actor=personas.admin, at=now
    )
    row.refresh_from_db()
    assert (row.backgrounds, row.validity_days) == ("#FFFFFF", 90)
    entry = AuditEntry.objects.get(action="photo_standard.update", object_id="passport")
    assert entry.data["after"]["validity_days"] == 90
    with pytest.raises(Invalid):
        photo_standard_update(code="passport", values={"kb_min": 500.0, "kb_max": 10.0}, actor=personas.admin, at=now)
    row.refresh_from_db()
    assert row.kb_min != 500.0
    assert AuditEntry.objects.filter(action="photo_standard.update").count() == 1


def test_the_console_form_saves_and_the_guide_shows_it(personas: Any, settings: Any) -> None:
    client = _client(personas.admin, settings)
    spec = item_get(code=CODE)
    form: dict[str, Any] = {
        "promised_days": "2",
        "fee_yuan": "0",
        "m_code": [m.code for m in spec.materials],
        "m_required": [m.code for m in spec.materials if m.required],
        "note": "承诺提速",
    }
    preview = client.post(f"/console/items/{CODE}/", {**form, "action": "preview"})
    assert preview.status_code == 200
    assert "预览：尚未保存" in preview.content.decode() and "2 个工作日" in preview.content.decode()
    assert item_get(code=CODE).version == spec.version  # a preview saves nothing
    saved = client.post(f"/console/items/{CODE}/", {**form, "action": "save"})
    assert saved.status_code == 302
    guide = client.get(f"/catalog/{CODE}/").content.decode()
    assert '<dd id="promised-limit">2 个工作日</dd>' in guide


def test_the_console_form_shows_why_it_refused(personas: Any, settings: Any) -> None:
    client = _client(personas.admin, settings)
    r = client.post(f"/console/items/{CODE}/", {"promised_days": "-3", "fee_yuan": "0", "action": "save"})
    assert r.status_code == 400
    assert "承诺时限不能为负数" in r.content.decode()
    r = client.post(f"/console/items/{CODE}/", {"promised_days": "1", "fee_yuan": "0", "add_code": "moon_rock"})
    assert r.status_code == 400 and "没有名为“moon_rock”的材料" in r.content.decode()


def test_the_calendar_upload_loads_a_year(personas: Any, settings: Any) -> None:
    client = _client(personas.admin, settings)
    upload = SimpleUploadedFile("2031.txt", b"2031-01-01 holiday\n2031-01-04 workday\n")
    r = client.post("/console/calendar/", {"year": "2031", "schedule": upload})
    assert r.status_code == 302
    page = client.get("/console/calendar/").content.decode()
    assert "<td>2031</td>" in page
    loaded = CalendarYear.objects.get(year=2031).loaded_at.astimezone(SHANGHAI)
    assert f'<td data-label="导入时间">{loaded:%Y-%m-%d %H:%M}</td>' in page  # with its year
    assert AuditEntry.objects.filter(action="calendar.load", object_id="2031").count() == 1


def test_only_administrators_see_and_open_the_console(personas: Any, settings: Any) -> None:
    admin = _client(personas.admin, settings)
    assert 'href="/console/"' in admin.get("/").content.decode()
    clerk = _client(personas.clerk, settings)
    assert 'href="/console/"' not in clerk.get("/").content.decode()
    assert clerk.get("/console/items/").status_code == 403
    assert Client().get("/console/").status_code == 302


def test_the_standards_list_names_each_standard_in_the_readers_language(personas: Any, settings: Any) -> None:
    admin = _client(personas.admin, settings)
    records = list(PhotoStandardRecord.objects.all())
    assert records
    for lang, field in (("zh-hans", "name_zh"), ("en", "name_en")):
        admin.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        html = admin.get("/console/photo-standards/").content.decode()
        for r in records:
            assert f">{getattr(r, field) or r.name_zh}</a>" in html


def test_the_admin_link_follows_the_superuser_flag_within_one_process(personas: Any, settings: Any) -> None:
    """The navigation is kept per process by role and language: a superuser is part of that key,
    so an administrator who is not one never inherits the admin link (or loses it) from another."""
    admin = personas.admin
    for superuser in (False, True, False):
        admin.is_superuser = superuser
        admin.save(update_fields=["is_superuser"])
        html = _client(admin, settings).get("/").content.decode()
        assert ('href="/admin/"' in html) is superuser
