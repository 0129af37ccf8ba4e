"""Catalog pages through the front door: the list with its figures, search and filters, and an
item's guide with the materials checklist ticked from the registry."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([a-z_0-9]+)">', html)


def figure(html: str, name: str) -> int:
    m = re.search(rf'data-figure="{name}">(\d+)<', html)
    assert m, name
    return int(m.group(1))


def test_list_shows_the_computed_figures(api: Any) -> None:
    from tongban.catalog.selectors import catalog_figures

    html = api(None).get(reverse("catalog:list")).content.decode()
    f = catalog_figures()
    assert (
        (figure(html, "items"), figure(html, "online"), figure(html, "id_card_only"), figure(html, "zero_materials"))
        == (f.items, f.online, f.id_card_only, f.zero_materials)
        == (34, 28, 20, 3)
    )


def test_list_is_paginated_and_searchable(api: Any) -> None:
    client = api(None)
    first = client.get(reverse("catalog:list")).content.decode()
    second = client.get(reverse("catalog:list"), {"page": 2}).content.decode()
    assert len(rows(first)) == 20 and len(rows(second)) == 14
    assert not set(rows(first)) & set(rows(second))
    html = client.get(reverse("catalog:list"), {"q": "身份证"}).content.decode()
    assert set(rows(html)) >= {
        "id_card_first",
        "id_card_renew",
        "id_card_replace",
        "id_card_temp",
        "id_card_loss_report",
    }
    assert "truck_pass" not in rows(html)


def test_list_filters_by_department_and_channel(api: Any) -> None:
    client = api(None)
    html = client.get(reverse("catalog:list"), {"department": "churujing"}).content.decode()
    assert rows(html) == [
        "foreigner_accommodation",
        "hk_macao_endorsement",
        "hk_macao_permit",
        "passport",
        "taiwan_permit",
    ]
    html = client.get(reverse("catalog:list"), {"department": "jiaoguan", "channel": "phone"}).content.decode()
    assert rows(html) == ["truck_pass"]
    html = client.get(reverse("catalog:list"), {"q": "没有这种事项"}).content.decode()
    assert rows(html) == [] and "没有符合条件的事项" in html
    # unknown filter values are ignored, not errors
    assert len(rows(client.get(reverse("catalog:list"), {"department": "army"}).content.decode())) == 20


def test_htmx_asks_for_the_results_only(api: Any) -> None:
    r = api(None).get(reverse("catalog:list"), {"department": "zhian"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert "<html" not in html and len(rows(html)) == 9


def test_list_runs_a_constant_number_of_queries(api: Any) -> None:
    client = api(None)
    client.get(reverse("catalog:list"))  # warm the session machinery
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("catalog:list"))
    assert len(ctx.captured_queries) <= 2


def test_guide_for_anonymous_visitors(api: Any) -> None:
    html = api(None).get(reverse("catalog:guide", args=["truck_pass"])).content.decode()
    assert "<h1>货车通行码</h1>" in html
    assert '<dd id="promised-limit">8 个工作小时</dd>' in html
    assert '<dd id="legal-limit">20 个工作日</dd>' in html
    assert '<dd id="fee">免费</dd>' in html
    assert "中华人民共和国道路交通安全法 第三十九条" in html
    assert 'type="checkbox"' not in html  # no personal checklist without a login
    assert re.findall(r'<li data-code="(\w+)"', html) == ["vehicle", "enterprise_vehicle"]


def test_guide_ticks_what_the_registry_supplies_for_the_citizen(api: Any, personas: Any) -> None:
    html = api(personas.citizen).get(reverse("catalog:guide", args=["hukou_transfer"])).content.decode()
    supplied = dict(re.findall(r'<li data-code="(\w+)" data-supplied="(\d)">', html))
    # the persona has an ID card record and a household; the settlement proof must be brought
    assert supplied == {"id_card": "1", "hukou_book": "1", "settlement_basis": "0", "consent": "0"}
    assert html.count('type="checkbox" disabled checked') == 2


def test_guide_shows_rules_points_and_commitment(api: Any) -> None:
    html = api(None).get(reverse("catalog:guide", args=["points_settlement"])).content.decode()
    assert "积分须达到100分" in html and "申请人须未满40周岁" in html
    assert 'id="points-table"' in html and "社保每满1年" in html
    html = api(None).get(reverse("catalog:guide", args=["residence_permit"])).content.decode()
    assert "可告知承诺" in html and "30 日内补齐" in html


def test_guide_zero_material_item(api: Any) -> None:
    html = api(None).get(reverse("catalog:guide", args=["tenant_declaration"])).content.decode()
    assert 'id="materials-none"' in html and "零材料" in html


def test_apply_link_only_for_online_items_and_only_when_cases_offers_it(api: Any) -> None:
    try:
        apply = reverse("cases:apply", args=["no_criminal_record"])
    except NoReverseMatch:
        apply = None
    html = api(None).get(reverse("catalog:guide", args=["no_criminal_record"])).content.decode()
    if apply is None:
        assert 'id="apply-online"' not in html
    else:
        assert f'id="apply-online" href="{apply}"' in html
    offline = api(None).get(reverse("catalog:guide", args=["id_card_first"])).content.decode()
    assert 'id="apply-online"' not in offline


def test_outlet_and_booking_partials_are_included_for_window_items_when_they_exist(api: Any) -> None:
    from tongban.catalog.views import APPOINTMENTS_PARTIAL, OUTLETS_PARTIAL, _template_exists

    html = api(None).get(reverse("catalog:guide", args=["passport"])).content.decode()
    assert ('class="guide-nearest"' in html) is _template_exists(OUTLETS_PARTIAL)
    assert ('class="guide-book"' in html) is _template_exists(APPOINTMENTS_PARTIAL)
    online_only = api(None).get(reverse("catalog:guide", args=["tenant_declaration"])).content.decode()
    assert 'class="guide-nearest"' not in online_only and 'class="guide-book"' not in online_only


def test_missing_partials_are_left_out(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tongban.catalog import views

    monkeypatch.setattr(views, "OUTLETS_PARTIAL", "outlets/partials/no_such_partial.html")
    monkeypatch.setattr(views, "APPOINTMENTS_PARTIAL", "appointments/partials/no_such_partial.html")
    html = api(None).get(reverse("catalog:guide", args=["passport"])).content.decode()
    assert 'class="guide-nearest"' not in html and 'class="guide-book"' not in html
    assert "<h1>普通护照签发</h1>" in html


def test_guide_for_an_old_version(api: Any, personas: Any, now: Any) -> None:
    from tongban.catalog.selectors import item_get
    from tongban.catalog.services import item_version_create

    data = item_get(code="passport").model_dump(mode="json", by_alias=True)
    item_version_create(code="passport", data={**data, "fee_yuan": 140}, actor=personas.admin, at=now)
    client = api(None)
    current = client.get(reverse("catalog:guide", args=["passport"])).content.decode()
    assert '<dd id="fee">140 元' in current
    old = client.get(reverse("catalog:guide", args=["passport"]), {"version": 1}).content.decode()
    assert '<dd id="fee">120 元' in old and "历史版本" in old


def test_unknown_and_withdrawn_items_are_404(api: Any, personas: Any, now: Any) -> None:
    from tongban.catalog.services import item_publish_set

    client = api(None)
    assert client.get(reverse("catalog:guide", args=["no_such_item"])).status_code == 404
    item_publish_set(code="seal_engraving_record", published=False, actor=personas.admin, at=now)
    assert client.get(reverse("catalog:guide", args=["seal_engraving_record"])).status_code == 404
    assert "seal_engraving_record" not in rows(
        client.get(reverse("catalog:list"), {"department": "zhian"}).content.decode()
    )
    # a case filed under it can still read its version
    assert client.get(reverse("catalog:guide", args=["seal_engraving_record"]), {"version": 1}).status_code == 200


def test_guide_in_english(api: Any) -> None:
    client = api(None)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("catalog:guide", args=["truck_pass"])).content.decode()
    assert "<h1>Truck road pass</h1>" in html
    assert '<dd id="promised-limit">8 working hours</dd>' in html
    assert '<dd id="fee">Free</dd>' in html
    assert "Legal basis" in html and "Road Traffic Safety Law of the PRC" in html
    listing = client.get(reverse("catalog:list")).content.decode()
    assert "items online" in listing and "Online" in listing


def test_guide_prechecks_what_the_registry_decides(api: Any, personas: Any) -> None:
    from tongban.registry.models import Person

    # the persona was born on 1990-05-17: over 18, under 40; no education on file yet
    client = api(personas.citizen)
    html = client.get(reverse("catalog:guide", args=["security_guard_certificate"])).content.decode()
    assert re.findall(r'<li data-rule="(\w+)">', html) == ["junior_secondary"]
    assert "档案中暂无相关信息" in html
    Person.objects.filter(pk=personas.citizen.person_id).update(education="senior")
    html = client.get(reverse("catalog:guide", args=["security_guard_certificate"])).content.decode()
    assert 'id="precheck"' not in html  # the exam score is a form fact, left for the application
    Person.objects.filter(pk=personas.citizen.person_id).update(birth_date="1980-01-01")
    html = client.get(reverse("catalog:guide", args=["points_settlement"])).content.decode()
    # the persona's ID number says 1990, which is what age is read from: still under 40
    assert 'data-rule="under_40"' not in html
    assert 'id="precheck"' not in api(None).get(reverse("catalog:guide", args=["points_settlement"])).content.decode()


def test_guide_precheck_leaves_a_rule_about_the_dog_applied_for_to_the_application(api: Any, personas: Any) -> None:
    """The renewal's vaccination rule reads the record of the dog with the form's chip: before the
    form is filled in, the precheck cannot know which dog, so it must not say "not on record"."""
    import datetime as dt

    from tongban.registry.models import Dog, Person

    person = Person.objects.get(pk=personas.citizen.person_id)
    today = dt.date.today()
    Dog.objects.create(
        owner=person,
        name="旺财",
        breed="柴犬",
        chip="900000000000001",
        vaccinated_on=today - dt.timedelta(days=30),
        vaccine_valid_until=today + dt.timedelta(days=300),
    )
    html = api(personas.citizen).get(reverse("catalog:guide", args=["dog_licence_renew"])).content.decode()
    assert 'data-rule="vaccinated"' not in html
