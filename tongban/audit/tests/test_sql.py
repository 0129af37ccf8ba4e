"""The plain SQL the audit module keeps (tongban/audit/sql.py) gives what its ORM twin gives, on
SQLite and PostgreSQL (the suite runs on both)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from tongban.audit.models import AuditHead
from tongban.audit.sql import Head, head_lock_free, head_lock_free_orm, head_move, head_move_orm

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("move", [head_move, head_move_orm], ids=["sql", "orm"])
def test_a_head_moves_alike(move: Callable[..., None]) -> None:
    AuditHead.objects.bulk_create([AuditHead(id=i) for i in (1, 2, 3)], ignore_conflicts=True)
    before = dict(AuditHead.objects.values_list("id", "seq"))
    with transaction.atomic():
        move(2, seq=before[2] + 1, hash="c" * 64)
    after = {i: (seq, h) for i, seq, h in AuditHead.objects.values_list("id", "seq", "hash")}
    assert after[2] == (before[2] + 1, "c" * 64)
    assert {i: seq for i, (seq, _h) in after.items() if i != 2} == {i: s for i, s in before.items() if i != 2}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lock", [head_lock_free, head_lock_free_orm], ids=["sql", "orm"])
def test_the_first_free_head_is_taken_alike(lock: Callable[[int], Head | None]) -> None:
    """The lowest head of 1..n another transaction does not hold; one this transaction holds is
    taken again; none when all are held; a head above n is never taken."""
    AuditHead.objects.bulk_create([AuditHead(id=i) for i in (1, 2, 3, 4)], ignore_conflicts=True)
    AuditHead.objects.filter(id=2).update(seq=20, hash="2" * 64)
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def holder() -> None:  # another transaction holds heads 1 and 3
        try:
            with transaction.atomic():
                list(AuditHead.objects.select_for_update().filter(id__in=[1, 3]))
                held.set()
                release.wait(10)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        with transaction.atomic():
            assert lock(3) == Head(2, 20, "2" * 64)
            assert lock(3) == Head(2, 20, "2" * 64)  # held by this transaction: not skipped
        with transaction.atomic():
            assert lock(1) is None  # chain 1 is held elsewhere, chain 4 is beyond n
            assert lock(4) == Head(2, 20, "2" * 64)
    finally:
        release.set()
        done.wait(10)
        thread.join(10)
