import datetime as dt
import threading
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from tongban.audit.models import AuditEntry
from tongban.audit.services import audit_record, audit_verify
from tongban.audit.tests.tamper import TamperedCopy

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


def _fill(n: int = 5) -> None:
    for i in range(n):
        audit_record(
            action="case.accept", object_type="case", object_id=f"C{i}", at=T0 + dt.timedelta(minutes=i), data={"i": i}
        )


def test_intact_chain_verifies() -> None:
    _fill()
    report = audit_verify()
    assert report.ok and report.entries == 5 and report.problems == []
    call_command("audit", "verify")


# The tampering below happens on a copy of the tables (tests/tamper.py): on PostgreSQL the live
# ones refuse UPDATE and DELETE (test_append_only.py). No checkpoint exists in these tests: the
# chain alone finds each of these.


def test_edited_entry_is_detected() -> None:
    _fill()
    copy = TamperedCopy()
    copy.edit(1, 3)
    report = audit_verify(tables=copy.tables)
    assert not report.ok
    assert any("entry 3" in p and "edited" in p for p in report.problems)
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--entries-table", copy.tables.entries, "--heads-table", copy.tables.heads)


def test_deleted_entry_is_detected() -> None:
    _fill()
    copy = TamperedCopy()
    copy.delete(1, 2)
    report = audit_verify(tables=copy.tables)
    assert not report.ok
    assert any("entry 2 is missing" in p for p in report.problems)


def test_reordered_entries_are_detected() -> None:
    _fill()
    copy = TamperedCopy()
    copy.swap(1, 2, 4)
    report = audit_verify(tables=copy.tables)
    assert not report.ok
    assert any("does not follow" in p or "edited" in p for p in report.problems)


def test_cut_tail_is_detected() -> None:
    _fill()
    copy = TamperedCopy()
    copy.delete(1, 5)
    report = audit_verify(tables=copy.tables)
    assert not report.ok and "tail" in report.problems[-1]


def test_entry_moved_to_another_chain_is_detected() -> None:
    _fill(3)
    copy = TamperedCopy()
    copy.sql(f"UPDATE {copy.tables.entries} SET chain = 2, seq = 1 WHERE chain = 1 AND seq = 3")  # noqa: S608
    report = audit_verify(tables=copy.tables)
    assert not report.ok
    assert any("chain 2: entry 1 does not follow" in p for p in report.problems)
    assert any("chain 1" in p and "tail" in p for p in report.problems)


def test_deleted_head_is_detected() -> None:
    _fill(2)
    copy = TamperedCopy()
    copy.sql(f"DELETE FROM {copy.tables.heads} WHERE id = 1")  # noqa: S608
    report = audit_verify(tables=copy.tables)
    assert not report.ok and report.problems == ["chain 1 has entries but no head: the head was deleted"]


def test_sqlite_appends_to_one_chain() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    _fill(4)
    assert list(AuditEntry.objects.values_list("chain", "seq")) == [(1, 1), (1, 2), (1, 3), (1, 4)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_spread_over_chains_and_every_chain_verifies() -> None:
    """16 threads × 25 appends, each holding its chain for a moment as a real write does."""
    barrier = threading.Barrier(16)
    errors: list[BaseException] = []

    def worker(w: int) -> None:
        try:
            barrier.wait()
            for i in range(25):
                with transaction.atomic():
                    audit_record(action="case.accept", object_type="case", object_id=f"W{w}-{i}", at=T0)
                    time.sleep(0.002)  # the rest of the caller's transaction
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEntry.objects.count() == 400
    chains = set(AuditEntry.objects.values_list("chain", flat=True))
    assert len(chains) > 1 and chains <= set(range(1, settings.AUDIT_CHAINS + 1))
    report = audit_verify()
    assert report.ok and report.entries == 400, report.problems
