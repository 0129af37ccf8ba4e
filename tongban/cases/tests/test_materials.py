"""一证通办 and 一照通用 at submission: registry sources with provenance, the photo library through
its contract (``photo_latest_valid`` / ``photo_use_record``), and the sweep command."""

from __future__ import annotations

import datetime as dt
import sys
import types
from typing import Any

import pytest
from django.core.management import call_command

from tongban.cases.models import Case, CaseMaterial
from tongban.cases.services import case_accept, case_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo_library(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """A stand-in photos.services honouring the HANDBOOK contract; records what it was asked."""
    calls: list[tuple[Any, ...]] = []
    fake = types.ModuleType("tongban.photos.services")

    class Offer:
        derivative_id = 4242
        standard = "residence_permit"
        taken_at = dt.datetime(2025, 12, 1, 2, tzinfo=dt.UTC)
        url = "/photos/4242"

    def photo_latest_valid(*, id_number: str, standard: str, at: dt.datetime) -> Any:
        calls.append(("latest", id_number, standard))
        return Offer()

    def photo_use_record(*, derivative_id: int, case_number: str, at: dt.datetime) -> None:
        calls.append(("use", derivative_id, case_number))

    fake.photo_latest_valid = photo_latest_valid  # type: ignore[attr-defined]
    fake.photo_use_record = photo_use_record  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tongban.photos.services", fake)
    import tongban.photos

    monkeypatch.setattr(tongban.photos, "services", fake, raising=False)
    return calls


def test_photo_is_reused_and_its_use_recorded(
    items: None, personas: Any, now: dt.datetime, photo_library: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = case_submit(
            actor=personas.citizen,
            item_code="t_permit",
            form={"months_resident": 9, "basis": "study"},
            channel="online",
            now=now,
        ).case
    photo = CaseMaterial.objects.get(case=case, code="photo")
    assert (photo.state, photo.reference) == ("photo", "4242")
    assert "2025-12-01" in photo.provenance
    assert ("latest", personas.citizen.id_number, "residence_permit") in photo_library
    assert ("use", 4242, case.number) in photo_library


def test_without_a_photo_library_the_photo_is_needed(items: None, personas: Any, now: dt.datetime) -> None:
    case = case_submit(
        actor=personas.citizen,
        item_code="t_permit",
        form={"months_resident": 9, "basis": "study"},
        channel="online",
        now=now,
    ).case
    import importlib.util

    has_contract = importlib.util.find_spec("tongban.photos.services") is not None
    state = CaseMaterial.objects.get(case=case, code="photo").state
    assert state in (("photo", "missing") if has_contract else ("missing",))


def test_registry_material_provenance(items: None, personas: Any, now: dt.datetime) -> None:
    case = case_submit(actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now).case
    hukou = CaseMaterial.objects.get(case=case, code="hukou_book")
    assert hukou.state == "supplied" and hukou.source == "hukou"
    assert hukou.fetched_at == now
    assert hukou.reference.startswith("household:")
    assert hukou.provenance.startswith("来自户籍信息，读取于 2026-03-10 10:00")


def test_sweep_command_flags_overdue(items: None, personas: Any, now: dt.datetime, capsys: Any) -> None:
    case = case_submit(
        actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]
    ).case
    case_accept(number=case.number, actor=personas.approvers["huzheng"], now=now - dt.timedelta(days=30))
    call_command("cases_sweep")
    assert "overdue: 1" in capsys.readouterr().out
    assert Case.objects.get(pk=case.pk).overdue_flagged_at is not None
    call_command("cases_sweep")
    assert "overdue: 0" in capsys.readouterr().out
