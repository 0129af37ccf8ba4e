import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tongban.audit.models import AuditEntry
from tongban.audit.services import audit_record, audit_verify

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


def test_edited_entry_is_detected() -> None:
    _fill()
    AuditEntry.objects.filter(seq=3).update(data={"i": 99})
    report = audit_verify()
    assert not report.ok
    assert any("entry 3" in p and "edited" in p for p in report.problems)
    with pytest.raises(CommandError):
        call_command("audit", "verify")


def test_deleted_entry_is_detected() -> None:
    _fill()
    AuditEntry.objects.filter(seq=2).delete()
    report = audit_verify()
    assert not report.ok
    assert any("entry 2 is missing" in p for p in report.problems)


def test_reordered_entries_are_detected() -> None:
    _fill()
    a, b = AuditEntry.objects.get(seq=2), AuditEntry.objects.get(seq=4)
    AuditEntry.objects.filter(pk=a.pk).update(seq=-1)
    AuditEntry.objects.filter(pk=b.pk).update(seq=2)
    AuditEntry.objects.filter(pk=a.pk).update(seq=4)
    report = audit_verify()
    assert not report.ok
    assert any("does not follow" in p or "edited" in p for p in report.problems)


def test_cut_tail_is_detected() -> None:
    _fill()
    AuditEntry.objects.filter(seq=5).delete()
    report = audit_verify()
    assert not report.ok and "tail" in report.problems[-1]
