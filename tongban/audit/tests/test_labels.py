"""Audit actions and model names read in the reader's language (issue 21): every action the code
writes has a label, and every model of the project has a Chinese name (no "Audit entrys")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

from tongban.audit.labels import ACTION_LABELS, action_label

ROOT = Path(__file__).resolve().parents[2]
WRITTEN = re.compile(r'action="([a-z_]+(?:\.[a-z_]+)+)"|"([a-z_]+\.[a-z_]+)" if |else "([a-z_]+\.[a-z_]+)"')
CJK = re.compile(r"[\u4e00-\u9fff]")
# Actions built at run time: case.<status>, followup.<step>, certificate.<what>.
DYNAMIC = {
    "home_visit.done",
    "home_visit.cancelled",
    "case.approved",
    "case.denied",
    "case.completed",
    "case.withdrawn",
    "followup.contact",
    "followup.verify",
    "followup.rectify",
    "followup.answer",
    "certificate.view",
    "certificate.download",
    "person.read",
    "case.read",
    "photo.read",
}


def _written() -> set[str]:
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for match in WRITTEN.finditer(path.read_text(encoding="utf-8")):
            found.add(next(g for g in match.groups() if g))
    return found


def test_every_action_written_has_a_label() -> None:
    written = _written()
    assert len(written) > 80
    assert sorted((written | DYNAMIC) - set(ACTION_LABELS)) == []


def test_labels_follow_the_language() -> None:
    with translation.override("zh-hans"):
        assert action_label("slot_plan.set") == "设置号源计划"
        assert action_label("no.such_action") == "其他操作"
    with translation.override("en"):
        assert action_label("slot_plan.set") == "Set a slot plan"
        assert action_label("no.such_action") == "Other action"


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_every_project_model_has_a_name_in_the_language(lang: str) -> None:
    bad = []
    with translation.override(lang):
        for model in apps.get_models():
            if not model.__module__.startswith("tongban."):
                continue
            names = (str(model._meta.verbose_name), str(model._meta.verbose_name_plural))
            chinese = all(CJK.search(n) for n in names)
            if chinese != (lang == "zh-hans"):
                bad.append((model._meta.label, names))
    assert bad == []
