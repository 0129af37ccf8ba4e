"""The plain SQL the cases module keeps (tongban/cases/sql.py) gives what its ORM twin gives, on
SQLite and PostgreSQL (the suite runs on both)."""

from __future__ import annotations

import datetime as dt

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
