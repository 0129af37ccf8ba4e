"""``audit_record``: entries chain, with the hash made in Python only, and the chain verifies; an
over-long value is refused, not cut."""

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import DataError, connection, transaction

from tongban.audit.models import AuditEntry, AuditHead
from tongban.audit.services import _digest, _fields, audit_record, audit_verify

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 10, 2, 0, 0, 123456, tzinfo=dt.UTC)


class _Actor:
    """Stands in for a user: what an entry reads of its actor."""

    pk = 7
    role = "clerk"
    outlet = None

    def __str__(self) -> str:
        return "张三 330106199001011234"


def test_entries_chain_and_verify() -> None:
    kwargs: dict[str, Any] = {"object_type": "case", "actor": _Actor()}
    for i in range(1, 6):
        audit_record(
            action="case.submit",
            object_id=f"330106-20260310-00000{i}",
            at=T0 + dt.timedelta(seconds=i),
            data={"item": "户口迁移@2", "materials": {"photo": "photo", "id_card": "registry"}, "n": i},
            **kwargs,
        )
    entries = list(AuditEntry.objects.order_by("chain", "seq"))
    assert len(entries) == 5
    for chain, group in itertools.groupby(entries, key=lambda e: e.chain):
        rows = list(group)
        assert [e.seq for e in rows] == list(range(1, len(rows) + 1))
        for before, entry in itertools.pairwise(rows):
            assert entry.prev_hash == before.hash
        head = AuditHead.objects.get(id=chain)
        assert (head.seq, head.hash) == (rows[-1].seq, rows[-1].hash)
    for entry in entries:  # the stored hash is the one Python makes of the stored entry
        assert entry.hash == _digest(entry.prev_hash, _fields(entry))
    second = next(e for e in entries if e.data["n"] == 2)
    assert second.actor_id == 7 and second.role == "clerk"
    assert "330106199001011234" not in second.actor_label and second.actor_label.startswith("张")
    assert second.data["item"] == "户口迁移@2" and second.at == T0 + dt.timedelta(seconds=2)
    report = audit_verify()
    assert report.ok and report.entries == 5, report.problems


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not enforce VARCHAR lengths")
def test_an_over_long_value_is_refused_not_cut() -> None:
    audit_record(action="case.accept", object_type="case", object_id="C0", at=T0)
    with pytest.raises(DataError), transaction.atomic():
        audit_record(action="x" * 61, object_type="case", object_id="C1", at=T0)
    assert AuditEntry.objects.count() == 1 and AuditHead.objects.get(id=1).seq == 1
