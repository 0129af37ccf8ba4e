"""A submission's rows (case, materials, first event, idempotency key) written by one statement on
PostgreSQL (``_insert_family``) land exactly as the ORM would write them, on every database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import DataError, connection, transaction

from tongban.cases.models import Case, CaseEvent, CaseMaterial, SubmitKey
from tongban.cases.services import _insert_family, case_submit

from .conftest import submit

pytestmark = pytest.mark.django_db


def test_every_row_gets_its_own_key_and_values(personas: Any, items: None, now: dt.datetime) -> None:
    done = case_submit(
        actor=personas.citizen,
        item_code="t_permit",
        now=now,
        form={"months_resident": 12, "basis": "employment", "address": "杭州市西湖区文三路 1 号"},
        channel="online",
        idempotency_key="family-1",
    )
    case = done.case
    assert done.materials is not None and done.events is not None
    assert len(done.materials) >= 2  # several material rows in one statement
    stored = {m.pk: m for m in CaseMaterial.objects.filter(case=case)}
    assert sorted(stored) == sorted(m.pk for m in done.materials)
    for m in done.materials:  # each object got the key of its own row, not a neighbour's
        row = stored[m.pk]
        assert (row.code, row.state, row.source, row.required, row.facts) == (
            m.code,
            m.state,
            m.source,
            m.required,
            m.facts,
        )
        assert m.case_id == case.pk
    event = CaseEvent.objects.get(case=case)
    assert event.pk == done.events[0].pk and event.to_status == "submitted" and event.data["channel"] == "online"
    assert event.at == now and event.actor_id == personas.citizen.pk
    key = SubmitKey.objects.get(key="family-1")
    assert key.case_id == case.pk and key.user_id == personas.citizen.pk
    again = Case.objects.get(pk=case.pk)
    assert again.form_data == case.form_data and again.submitted_at == now and again.number == case.number


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not enforce VARCHAR lengths")
def test_an_over_long_value_is_refused_not_cut(personas: Any, items: None, now: dt.datetime) -> None:
    case = submit(personas.citizen, now=now)
    twin = Case.objects.get(pk=case.pk)
    twin.pk, twin.number = None, case.number + "-x"
    material = CaseMaterial(case=twin, code="x", name_zh="长" * 121, state="missing", updated_at=now)
    with pytest.raises(DataError), transaction.atomic():
        _insert_family(twin, [[material]])
    assert not Case.objects.filter(number=case.number + "-x").exists()
