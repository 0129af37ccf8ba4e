"""Issue 16 finding 7: a refused material upload leaves no file; uploads are capped per account
per day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongban.cases.models import CaseMaterial
from tongban.cases.services import case_accept, case_submit, case_transition


def _stored() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def _pdf(name: str = "signed.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test", "application/pdf")


@pytest.fixture
def waiting(items: None, personas: Any, now: dt.datetime) -> Any:
    """A citizen's case waiting for the material ``paper`` (a supplement request)."""
    approver = personas.approvers["huzheng"]
    case = case_submit(
        actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]
    ).case
    case_accept(number=case.number, actor=approver, now=now)
    case_transition(
        number=case.number, to="supplement_requested", actor=approver, now=now, reason="未签字", materials=["paper"]
    )
    assert CaseMaterial.objects.get(case=case, code="paper").state == "missing"
    return case


def _upload(client: Any, number: str, code: str = "paper", name: str = "signed.pdf") -> Any:
    return client.post(reverse("cases:material", args=[number]), {"code": code, "file": _pdf(name)})


def test_someone_elses_case_stores_nothing(waiting: Any, personas: Any, api: Any) -> None:
    r = _upload(api(personas.other_citizen), waiting.number)
    assert r.status_code == 404
    assert _stored() == []
    assert CaseMaterial.objects.get(case=waiting, code="paper").state == "missing"


def test_a_case_that_does_not_exist_stores_nothing(waiting: Any, personas: Any, api: Any) -> None:
    assert _upload(api(personas.citizen), "NO-SUCH-CASE").status_code == 404
    assert _stored() == []


def test_a_material_not_asked_for_stores_nothing(waiting: Any, personas: Any, api: Any) -> None:
    client = api(personas.citizen)
    assert _upload(client, waiting.number, code="no_such_material").status_code == 404
    assert _stored() == []
    assert _upload(client, waiting.number).status_code == 302  # the real one is kept ...
    assert len(_stored()) == 1
    assert _upload(client, waiting.number).status_code == 409  # ... and a second is refused
    assert len(_stored()) == 1


def test_the_daily_upload_quota(
    waiting: Any, personas: Any, api: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache

    from tongban.cases.uploads import upload_quota_take
    from tongban.common.errors import TooMany

    cache.clear()  # counters are keyed by account id and day, which other tests reuse
    settings.UPLOAD_DAILY_FILES = 1
    client = api(personas.citizen)
    at = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
    monkeypatch.setattr("tongban.cases.views.now", lambda: at)
    upload_quota_take(user_pk=personas.citizen.pk, size=10, at=at)  # today's one file
    r = _upload(client, waiting.number)
    assert r.status_code == 429
    assert _stored() == []
    with pytest.raises(TooMany):
        upload_quota_take(user_pk=personas.citizen.pk, size=10, at=at)
    upload_quota_take(user_pk=personas.citizen.pk, size=10, at=at + dt.timedelta(days=1))  # a new day
    settings.UPLOAD_DAILY_FILES, settings.UPLOAD_DAILY_BYTES = 100, 15
    with pytest.raises(TooMany):  # bytes count too
        upload_quota_take(user_pk=personas.other_citizen.pk, size=16, at=at)


@pytest.mark.parametrize(
    ("typed", "ok"), [("12", True), ("１２", True), ("١٢", False), ("12a", False), ("9" * 30, False)]
)
def test_numbers_on_the_application_form_are_ascii_digits(typed: str, ok: bool) -> None:
    """Issue 16: NFKC, then the digits 0–9 only (Django alone reads "١٢" as 12)."""
    from tongban.cases.forms import schema_form_class

    form_class = schema_form_class({"type": "object", "properties": {"months": {"type": "integer"}}})
    form = form_class({"months": typed})
    assert form.is_valid() is ok
    if ok:
        assert form.cleaned_data["months"] == 12
