"""An audit entry appended inside a caller's own statement (``audit_append_sql``, PostgreSQL): the
database completes the hash, and the chain verifies exactly as if ``audit_record`` had written it."""

import datetime as dt
import itertools
import threading
from typing import Any

import pytest
from django.conf import settings
from django.db import DataError, connection, connections, transaction

from tongban.audit.models import AuditEntry, AuditHead
from tongban.audit.services import _digest, _fields, audit_append_sql, audit_record, audit_verify

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 10, 2, 0, 0, 123456, tzinfo=dt.UTC)


class _Actor:
    """Stands in for a user: what an entry reads of its actor."""

    pk = 7
    role = "clerk"
    outlet = None

    def __str__(self) -> str:
        return "张三 330106199001011234"


def _append(**kwargs: Any) -> int | None:
    """The smallest caller: a statement that is nothing but the append. The new id, or None."""
    part = audit_append_sql(**kwargs)
    assert part is not None
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {part.head}, {part.tail} SELECT id FROM {part.added}",  # noqa: S608 SQL from the audit module
            [*part.head_params, *part.tail_params],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def test_none_where_one_statement_cannot_do_it() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    assert audit_append_sql(action="case.submit", object_type="case", object_id="C1", at=T0) is None


@pytest.mark.postgres
def test_statement_entries_chain_with_recorded_ones_and_verify() -> None:
    audit_record(action="case.accept", object_type="case", object_id="C0", at=T0)
    ids = [
        _append(
            action="case.submit",
            object_type="case",
            object_id=f"330106-20260310-00000{i}",
            at=T0 + dt.timedelta(seconds=i),
            actor=_Actor(),
            data={"item": "户口迁移@2", "materials": {"photo": "photo", "id_card": "registry"}, "n": i},
        )
        for i in range(1, 4)
    ]
    audit_record(action="case.accept", object_type="case", object_id="C9", at=T0)
    assert None not in ids
    entries = list(AuditEntry.objects.filter(chain=1).order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    for before, entry in itertools.pairwise(entries):
        assert entry.prev_hash == before.hash
    for entry in entries:  # the database's hash is the one Python makes of the same entry
        assert entry.hash == _digest(entry.prev_hash, _fields(entry))
    second = entries[1]
    assert second.pk == ids[0] and second.actor_id == 7 and second.role == "clerk"
    assert "330106199001011234" not in second.actor_label and second.actor_label.startswith("张")
    assert second.data["item"] == "户口迁移@2" and second.at == T0 + dt.timedelta(seconds=1)
    head = AuditHead.objects.get(id=1)
    assert (head.seq, head.hash) == (5, entries[-1].hash)
    report = audit_verify()
    assert report.ok and report.entries == 5, report.problems


@pytest.mark.postgres
def test_an_over_long_value_is_refused_not_cut() -> None:
    audit_record(action="case.accept", object_type="case", object_id="C0", at=T0)
    with pytest.raises(DataError), transaction.atomic():
        _append(action="x" * 61, object_type="case", object_id="C1", at=T0)
    assert AuditEntry.objects.count() == 1 and AuditHead.objects.get(id=1).seq == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_every_head_held_elsewhere_nothing_is_written() -> None:
    """The gate is empty while other transactions hold every head: no entry, no head moved."""
    audit_record(action="case.accept", object_type="case", object_id="C0", at=T0)
    AuditHead.objects.bulk_create([AuditHead(id=i) for i in range(1, settings.AUDIT_CHAINS + 1)], ignore_conflicts=True)
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        try:
            with transaction.atomic():
                list(AuditHead.objects.select_for_update())
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        assert _append(action="case.submit", object_type="case", object_id="C1", at=T0) is None
    finally:
        release.set()
        thread.join()
    assert AuditEntry.objects.count() == 1
    assert _append(action="case.submit", object_type="case", object_id="C1", at=T0) is not None
    assert audit_verify().ok
