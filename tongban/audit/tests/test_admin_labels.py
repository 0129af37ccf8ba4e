"""Every field the administrator's console shows has a label in the reader's language: Chinese
labels, column headers and filter titles on Chinese pages ("网点", never "Outlet" or
"accepting outlet"), English ones on English pages."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.db import models
from django.utils import translation

CJK = re.compile(r"[\u4e00-\u9fff]")


def _console_models() -> list[type[models.Model]]:
    """The project's models the admin shows: registered ones and their inlines."""
    found: dict[str, type[models.Model]] = {}
    for model, model_admin in admin.site._registry.items():
        for shown in (model, *(inline.model for inline in model_admin.inlines)):
            if shown.__module__.startswith("tongban."):
                found[shown._meta.label] = shown
    return [found[label] for label in sorted(found)]


def _labels() -> dict[str, str]:
    return {
        f"{model._meta.label}.{field.name}": str(field.verbose_name)
        for model in _console_models()
        for field in (*model._meta.concrete_fields, *model._meta.many_to_many)
        if field.name != "id"  # Django's own "ID" reads the same in both languages
    }


def test_the_console_shows_the_project_models() -> None:
    labels = {model._meta.label for model in _console_models()}
    assert {"cases.Case", "cases.CaseEvent", "appointments.SpecialSession", "photos.PhotoCapture"} <= labels
    assert len(labels) > 40


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_every_field_label_is_in_the_language(lang: str) -> None:
    with translation.override(lang):
        labels = _labels()
    wrong = sorted(name for name, label in labels.items() if bool(CJK.search(label)) != (lang == "zh-hans"))
    assert len(labels) > 400
    assert wrong == []


def test_sample_labels_read_the_same_notion_in_both_languages() -> None:
    samples = {
        "appointments.SpecialSession.outlet": ("网点", "Outlet"),
        "cases.Case.accepting_outlet": ("受理网点", "Accepting outlet"),
        "cases.Case.applicant": ("申请人账号", "Applicant's account"),
        "photos.PhotoCapture.width": ("宽度（像素）", "Width (pixels)"),
        "registry.Region.lat": ("纬度 (WGS-84)", "Latitude (WGS-84)"),
        "rentals.RentalProperty.station": ("派出所", "Police station"),
    }
    with translation.override("zh-hans"):
        chinese = _labels()
    with translation.override("en"):
        english = _labels()
    assert {name: (chinese[name], english[name]) for name in samples} == samples
