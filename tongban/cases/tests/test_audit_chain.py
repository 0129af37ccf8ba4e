"""The case history is tamper-evident: `tongban audit verify` finds an edited, a deleted and a
reordered audit entry written by case moves (in a copy of the log: on PostgreSQL the live tables
refuse UPDATE and DELETE)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tongban.audit.models import AuditEntry
from tongban.audit.services import audit_verify
from tongban.audit.tests.tamper import TamperedCopy
from tongban.cases.services import case_accept, case_submit, case_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(items: None, personas: Any, now: dt.datetime) -> list[AuditEntry]:
    approver = personas.approvers["huzheng"]
    case = case_submit(
        actor=personas.citizen, item_code="t_doc", form={}, channel="online", now=now, presented=["paper"]
    ).case
    case_accept(number=case.number, actor=approver, now=now)
    case_transition(number=case.number, to="denied", actor=approver, now=now, reason="不符合条件")
    entries = list(AuditEntry.objects.filter(object_type="case", object_id=case.number))
    assert [e.action for e in entries] == ["case.submit", "case.accepted", "case.denied"]
    assert audit_verify().ok
    call_command("audit", "verify")
    return entries


def test_edited_entry_is_found(history: list[AuditEntry]) -> None:
    entry = history[2]
    copy = TamperedCopy()
    copy.edit_data(entry.chain, entry.seq, {**entry.data, "reason": "符合条件"})
    report = audit_verify(tables=copy.tables)
    assert not report.ok
    assert f"chain {entry.chain}: entry {entry.seq} content does not match its hash: edited" in report.problems
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--entries-table", copy.tables.entries, "--heads-table", copy.tables.heads)


def test_deleted_entry_is_found(history: list[AuditEntry]) -> None:
    copy = TamperedCopy()
    copy.delete(history[1].chain, history[1].seq)
    report = audit_verify(tables=copy.tables)
    assert not report.ok
    assert any(f"entry {history[1].seq} is missing" in p for p in report.problems)


def test_reordered_entries_are_found(history: list[AuditEntry]) -> None:
    a, b = history[1], history[2]
    assert a.chain == b.chain  # one writer at a time: one chain
    copy = TamperedCopy()
    copy.swap(a.chain, a.seq, b.seq)
    report = audit_verify(tables=copy.tables)
    assert not report.ok
    assert any("does not follow its predecessor" in p for p in report.problems)
