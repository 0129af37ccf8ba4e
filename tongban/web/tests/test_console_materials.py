"""Adding a material to an item in the staff console: the choice is a searchable list (the site's
picker: a search box filtering a listbox by name, pinyin initials or English name), named in the
reader's language and in reading order, never by code; a material added through it is saved as a
new version with one audit row."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client
from pypinyin import lazy_pinyin

from tongban.audit.models import AuditEntry
from tongban.catalog.selectors import item_get
from tongban.catalog.services import materials_known

pytestmark = pytest.mark.django_db
CODE = "no_criminal_record"  # lists one material (居民身份证): almost every other is on offer
OPTION = re.compile(r'<option value="([^"]*)"(?: data-search="([^"]*)")?(?: selected)?>([^<]*)</option>')


def _client(user: Any, settings: Any, lang: str) -> Client:
    settings.REQUIRE_STAFF_2FA = False
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


def _offered(page: str) -> list[tuple[str, str, str]]:
    """(code, search text, label) of the add-a-material list, in page order."""
    select = page[page.index('<select name="add_code"') : page.index("</select>", page.index('name="add_code"'))]
    return [(code, html.unescape(search), html.unescape(label)) for code, search, label in OPTION.findall(select)]


def test_the_material_choice_is_searchable_and_named_in_chinese(personas: Any, settings: Any) -> None:
    page = _client(personas.admin, settings, "zh-hans").get(f"/console/items/{CODE}/").content.decode()
    assert '<label for="material-search">查找要添加的材料</label>' in page
    assert 'data-picker="id_add_code" aria-controls="id_add_code"' in page
    assert '<select name="add_code" id="id_add_code" size="8">' in page
    none, *offered = _offered(page)
    assert none == ("", "", "（不添加）")
    known = materials_known()
    have = {m.code for m in item_get(code=CODE).materials}
    assert {code for code, _, _ in offered} == set(known) - have and len(offered) > 30
    labels = {code: label for code, _, label in offered}
    # two materials share a name: the other language tells them apart
    assert (labels["diploma"], labels["education"]) == ("学历证明（Degree record）", "学历证明（Education record）")
    for code, search, label in offered:
        m = known[code]
        assert label in (m.name_zh, f"{m.name_zh}（{m.name_en}）") and label != code
        assert search.startswith(f"{m.name_zh} ") and search.endswith(f" {m.name_en.lower()}")
    searches = {code: search for code, search, _ in offered}
    assert searches["parent_hukou"] == "父（母）居民户口簿 fmjmhkb parent's household register"
    assert [label for _, _, label in offered] == sorted(
        (label for _, _, label in offered), key=lambda name: (lazy_pinyin(name), name)
    )  # in pinyin order, as a Chinese reader looks for it


def test_the_material_choice_reads_in_english(personas: Any, settings: Any) -> None:
    page = _client(personas.admin, settings, "en").get(f"/console/items/{CODE}/").content.decode()
    assert '<label for="material-search">Find a material to add</label>' in page
    assert "pinyin initials (e.g. hkb) or its English name" in html.unescape(page)
    none, *offered = _offered(page)
    assert none == ("", "", "(none)")
    known = materials_known()
    labels = [label for _, _, label in offered]
    assert labels == sorted(labels, key=str.casefold)
    assert all(label == known[code].name_en for code, _, label in offered)  # English names differ: no suffix
    assert "Degree record" in labels and "Education record" in labels


def test_a_material_chosen_from_the_list_is_saved_as_a_new_version(personas: Any, settings: Any) -> None:
    client = _client(personas.admin, settings, "zh-hans")
    spec = item_get(code=CODE)
    form = {
        "promised_days": str(spec.promised_limit.value),
        "fee_yuan": str(spec.fee_yuan or 0),
        "m_code": [m.code for m in spec.materials],
        "m_required": [m.code for m in spec.materials if m.required],
        "add_code": "parent_hukou",
        "note": "补充户口簿",
    }
    preview = client.post(f"/console/items/{CODE}/", {**form, "action": "preview"})
    assert preview.status_code == 200 and "父（母）居民户口簿" in preview.content.decode()
    saved = client.post(f"/console/items/{CODE}/", {**form, "action": "save"})
    assert saved.status_code == 302
    new = item_get(code=CODE)
    assert new.version == spec.version + 1
    assert [(m.code, m.name_zh, m.required) for m in new.materials][-1] == ("parent_hukou", "父（母）居民户口簿", False)
    (entry,) = AuditEntry.objects.filter(action="catalog.item_version_create", object_id=CODE)
    assert entry.actor_id == personas.admin.pk and entry.data["version"] == new.version
    page = client.get(f"/console/items/{CODE}/").content.decode()
    assert "parent_hukou" not in {code for code, _, _ in _offered(page)}  # offered no more: the item has it
