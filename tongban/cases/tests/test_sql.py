"""The plain SQL the cases module keeps (tongban/cases/sql.py) gives what its ORM twin gives, on
SQLite and PostgreSQL (the suite runs on both)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from tongban.cases.models import CaseCounter
from tongban.cases.services import case_number_allocate
from tongban.cases.sql import counter_next, counter_next_orm

pytestmark = pytest.mark.django_db


def _interleaved() -> list[int]:
    got = []
    for scope in ("33010620260310", "33010620260311"):
        for step in (counter_next, counter_next_orm, counter_next_orm, counter_next, counter_next_orm):
            got.append(step(scope))
    return got


def test_the_sql_and_the_orm_counter_count_alike() -> None:
    """Either way a scope starts at 1 and goes up by one, whichever way the last number was drawn."""
    assert _interleaved() == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]
    assert dict(CaseCounter.objects.values_list("scope", "n")) == {"33010620260310": 5, "33010620260311": 5}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_too() -> None:
    """On PostgreSQL outside a transaction ``counter_next`` is its own (asynchronously committed)
    statement: it still counts as the ORM does."""
    assert not connection.in_atomic_block
    assert _interleaved() == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]


def test_case_numbers_by_region_and_local_date() -> None:
    at = dt.datetime(2026, 3, 10, 17, 0, tzinfo=dt.UTC)  # 01:00 on the 11th in Shanghai
    assert case_number_allocate(region_code="330106", at=at) == "330106-20260311-000001"
    assert case_number_allocate(region_code="330106", at=at) == "330106-20260311-000002"
    assert case_number_allocate(region_code="", at=at) == "000000-20260311-000001"


def test_the_list_rows_read_as_their_orm_twins(items: None, personas: Any, now: dt.datetime) -> None:
    """``queue_rows`` and ``mine_rows`` list, page by page and in order, exactly the rows of the
    ORM's filter for every kind of scope: a department, a clerk's two outlet paths, a citizen's
    person or account (the UNION), everything (None), nothing ([]). Cases without a deadline sort
    last in the queue; ties are broken by the id."""
    from tongban.cases.machine import QUEUE
    from tongban.cases.models import Case
    from tongban.cases.sql import mine_rows, mine_rows_orm, queue_rows, queue_rows_orm
    from tongban.cases.tests.test_list_pages import _cases
    from tongban.common.access import access_lookups

    citizen, other = personas.citizen, personas.other_citizen
    cases = _cases(personas, now, 9) + _cases(personas, now, 6, citizen=other)
    Case.objects.filter(pk__in=[c.pk for c in cases[:3]]).update(applicant=None)  # by person only
    Case.objects.filter(pk__in=[c.pk for c in cases[9:12]]).update(applicant=citizen)  # by account only
    Case.objects.filter(pk=cases[4].pk).update(submitted_at=cases[12].submitted_at)  # a tie: the id decides
    Case.objects.filter(pk=cases[5].pk).update(deadline_at=cases[3].deadline_at)  # a tie on the deadline
    Case.objects.filter(pk=cases[7].pk).update(status="completed")
    assert Case.objects.filter(deadline_at__isnull=True).exists()
    assert Case.objects.filter(deadline_at__isnull=False).exists()
    users = [personas.approvers["huzheng"], personas.approvers["zhian"], citizen, other, personas.admin, personas.clerk]
    scopes = [access_lookups(u, Case) for u in users] + [[], [{"department": "huzheng"}, {"person": citizen.person_id}]]
    assert any(s is not None and len(s) == 2 for s in scopes) and None in scopes
    for scope in scopes:
        for start, stop in ((0, 4), (3, 7), (0, 30), (12, 20)):
            for states in (tuple(QUEUE), ("accepted",), ("submitted", "resubmitted")):
                got = queue_rows(scope=scope, states=states, start=start, stop=stop)
                assert got == queue_rows_orm(scope=scope, states=states, start=start, stop=stop), (scope, states)
            assert mine_rows(scope=scope, start=start, stop=stop) == mine_rows_orm(scope=scope, start=start, stop=stop)
    assert len(mine_rows(scope=access_lookups(citizen, Case), start=0, stop=30)) == 12
    assert len(queue_rows(scope=None, states=tuple(QUEUE), start=0, stop=30)) == 14
    with pytest.raises(ValueError, match="not a column"):
        queue_rows(scope=[{"person__household": 1}], states=tuple(QUEUE), start=0, stop=5)
