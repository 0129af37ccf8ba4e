"""Loading the item files into versions, administrators' edits through the admin, the command
and the demo loader."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tongban.catalog.loader import ITEMS_DIR, CatalogFileError
from tongban.catalog.models import Item, ItemVersion
from tongban.catalog.selectors import item_get, item_version_get, items_list
from tongban.catalog.services import catalog_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def items_dir(tmp_path: Path) -> Path:
    """A copy of two shipped item files the test may edit."""
    directory = tmp_path / "items"
    directory.mkdir()
    for code in ("passport", "truck_pass"):
        shutil.copy(ITEMS_DIR / f"{code}.yaml", directory / f"{code}.yaml")
    return directory


def test_the_migration_loaded_every_shipped_item_at_version_1() -> None:
    assert Item.objects.count() == len(list(ITEMS_DIR.glob("*.yaml"))) == 34
    assert set(ItemVersion.objects.values_list("version", flat=True)) == {1}
    assert [s.code for s in items_list()][:3] == ["foreigner_accommodation", "hk_macao_endorsement", "hk_macao_permit"]


def test_reloading_unchanged_files_writes_nothing(now: Any) -> None:
    before = ItemVersion.objects.count()
    report = catalog_load(at=now)
    assert (report.created, report.updated, len(report.unchanged)) == ([], [], 34)
    assert ItemVersion.objects.count() == before

    from tongban.audit.models import AuditEntry

    assert not AuditEntry.objects.filter(action="catalog.load").exists()


def test_a_changed_file_becomes_a_new_version_and_the_old_one_stays(items_dir: Path, now: Any) -> None:
    path = items_dir / "passport.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("fee_yuan: 120", "fee_yuan: 100"), encoding="utf-8")
    report = catalog_load(at=now, directory=items_dir)
    assert (report.created, report.updated, report.unchanged) == ([], ["passport"], ["truck_pass"])
    assert item_get(code="passport").version == 2
    assert item_get(code="passport").fee_yuan == 100
    assert item_version_get(code="passport", version=1).fee_yuan == 120

    from tongban.audit.models import AuditEntry

    entry = AuditEntry.objects.get(action="catalog.load")
    assert entry.data == {"versions": ["passport@2"]}


def test_an_admin_edit_survives_reloading_the_unchanged_file(now: Any, personas: Any) -> None:
    from tongban.catalog.services import item_version_create

    data = item_get(code="passport").model_dump(mode="json", by_alias=True)
    item_version_create(code="passport", data={**data, "fee_yuan": 130}, actor=personas.admin, at=now)
    catalog_load(at=now)
    assert item_get(code="passport").fee_yuan == 130
    assert item_get(code="passport").version == 2


def test_a_bad_file_stops_the_whole_load(items_dir: Path, now: Any) -> None:
    passport = items_dir / "passport.yaml"
    passport.write_text(
        passport.read_text(encoding="utf-8").replace("fee_yuan: 120", "fee_yuan: lots"), encoding="utf-8"
    )
    truck = items_dir / "truck_pass.yaml"  # a good change in the same load is not written either
    truck.write_text(
        truck.read_text(encoding="utf-8").replace(
            "promised_limit: {value: 8, unit: working_hours}", "promised_limit: {value: 1, unit: working_days}"
        ),
        encoding="utf-8",
    )
    before = ItemVersion.objects.count()
    with pytest.raises(CatalogFileError) as exc:
        catalog_load(at=now, directory=items_dir)
    assert exc.value.problems == ["items/passport.yaml: fee_yuan: Input should be a valid decimal"]
    assert ItemVersion.objects.count() == before
    assert item_get(code="truck_pass").promised_limit.unit == "working_hours"


def test_versions_are_immutable() -> None:
    row = ItemVersion.objects.get(item__code="passport", version=1)
    row.note = "changed"
    with pytest.raises(ValueError, match="immutable"):
        row.save()
    assert ItemVersion.objects.get(pk=row.pk).note == ""


def test_the_command_checks_and_loads(items_dir: Path) -> None:
    out = io.StringIO()
    call_command("catalog_load", "--check", stdout=out)
    assert out.getvalue().strip() == "34 item files valid"
    out = io.StringIO()
    call_command("catalog_load", stdout=out)
    assert "0 created, 0 new versions, 34 unchanged" in out.getvalue()
    assert "figures: 34 items, 28 online, 20 ID-card only, 3 zero materials" in out.getvalue()
    (items_dir / "truck_pass.yaml").write_text("code: truck_pass\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"problem\(s\) in the item files; nothing was loaded"):
        call_command("catalog_load", "--dir", str(items_dir), stderr=err)
    assert "items/truck_pass.yaml: name_zh: Field required" in err.getvalue()


def test_demo_load_is_idempotent(now: Any) -> None:
    from tongban.catalog.demo import demo_load

    out = io.StringIO()
    demo_load(now=now, stdout=out)
    demo_load(now=now, stdout=out)
    assert out.getvalue().count("catalog: 34 items (0 new, 0 updated)") == 2
    assert ItemVersion.objects.count() == 34


# --- the admin -----------------------------------------------------------------------------------

ADMIN_FORMSET = {
    "versions-TOTAL_FORMS": "0",
    "versions-INITIAL_FORMS": "0",
    "versions-MIN_NUM_FORMS": "0",
    "versions-MAX_NUM_FORMS": "1000",
}


def test_admin_edit_makes_a_new_version(api: Any, personas: Any) -> None:
    import yaml

    from tongban.catalog.admin import spec_to_yaml

    client = api(personas.admin)
    item = Item.objects.get(code="dog_registration")
    url = reverse("admin:catalog_item_change", args=[item.pk])
    page = client.get(url)
    assert page.status_code == 200
    text = spec_to_yaml(ItemVersion.objects.get(item=item, version=1).spec)
    assert text.startswith("code: dog_registration\nname_zh: 犬只登记（犬证办理）\n")  # schema order on any database
    data = yaml.safe_load(text)
    data["promised_limit"]["value"] = 2
    r = client.post(
        url,
        {
            **ADMIN_FORMSET,
            "published": "on",
            "spec_yaml": yaml.safe_dump(data, allow_unicode=True),
            "note": "缩短时限",
            "versions-INITIAL_FORMS": "1",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert item_get(code="dog_registration").version == 2
    assert item_get(code="dog_registration").promised_limit.value == 2
    assert ItemVersion.objects.get(item=item, version=2).note == "缩短时限"
    # saving the form unchanged makes no further version
    unchanged = spec_to_yaml(ItemVersion.objects.get(item=item, version=2).spec)
    client.post(url, {**ADMIN_FORMSET, "published": "on", "spec_yaml": unchanged, "versions-INITIAL_FORMS": "2"})
    assert ItemVersion.objects.filter(item=item).count() == 2


def test_admin_refuses_a_bad_spec_naming_the_field(api: Any, personas: Any) -> None:
    from tongban.catalog.admin import spec_to_yaml

    client = api(personas.admin)
    item = Item.objects.get(code="dog_registration")
    text = spec_to_yaml(ItemVersion.objects.get(item=item, version=1).spec).replace(
        "department: zhian", "department: army"
    )
    r = client.post(
        reverse("admin:catalog_item_change", args=[item.pk]),
        {
            "published": "on",
            "spec_yaml": text,
            "note": "",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "1",
            "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
        },
    )
    assert r.status_code == 200
    assert "dog_registration: department: Input should be" in r.content.decode()
    assert ItemVersion.objects.filter(item=item).count() == 1


def test_admin_adds_an_item(api: Any, personas: Any) -> None:
    client = api(personas.admin)
    text = (ITEMS_DIR / "passport.yaml").read_text(encoding="utf-8").replace("code: passport", "code: passport_child")
    r = client.post(
        reverse("admin:catalog_item_add"),
        {
            "published": "on",
            "spec_yaml": text,
            "note": "新增",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
            "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert item_get(code="passport_child").name_zh == "普通护照签发"
    assert ItemVersion.objects.get(item__code="passport_child").origin == "admin"


def test_versions_cannot_be_changed_or_deleted_in_the_admin(api: Any, personas: Any) -> None:
    client = api(personas.admin)
    row = ItemVersion.objects.get(item__code="passport", version=1)
    assert client.get(reverse("admin:catalog_itemversion_change", args=[row.pk])).status_code == 200  # view only
    r = client.post(reverse("admin:catalog_itemversion_delete", args=[row.pk]), {"post": "yes"})
    assert r.status_code == 403
    assert ItemVersion.objects.filter(pk=row.pk).exists()
