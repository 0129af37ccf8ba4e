"""Every allowed and every refused transition of the state machine, through ``case_transition``.

For each (from, to) pair of statuses a case is put in ``from`` and the move is tried as each role;
the table in ``machine.py`` says what must happen, and a refused move must leave the case, its
history and the audit log exactly as they were.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongban.audit.models import AuditEntry
from tongban.cases.machine import MOVES, SYSTEM, move_for
from tongban.cases.models import Case, CaseEvent, Status
from tongban.cases.services import case_transition
from tongban.common.errors import Conflict, Forbidden

from .conftest import submit

pytestmark = pytest.mark.django_db

ALL = [s.value for s in Status]


def _actor(personas: Any, role: str) -> Any:
    return {
        "citizen": personas.citizen,
        "clerk": personas.clerk,
        "approver": personas.approvers["huzheng"],
        SYSTEM: None,
    }[role]


def _case_in(personas: Any, status: str, now: dt.datetime) -> Case:
    case = submit(personas.citizen, "t_doc", now=now, form={}, presented=["paper"])
    Case.objects.filter(pk=case.pk).update(
        status=status, under_commitment=True, accepting_outlet=personas.outlet, deadline_at=now + dt.timedelta(days=5)
    )
    return Case.objects.get(pk=case.pk)


def test_table_covers_the_spec() -> None:
    pairs = {(m.source.value, m.target.value) for m in MOVES}
    must = {
        ("submitted", "accepted"),
        ("submitted", "refused_at_intake"),
        ("accepted", "in_review"),
        ("in_review", "supplement_requested"),
        ("supplement_requested", "resubmitted"),
        ("resubmitted", "in_review"),
        ("in_review", "approved"),
        ("in_review", "denied"),
        ("approved", "result_issued"),
        ("result_issued", "completed"),
        ("submitted", "withdrawn"),
        ("in_review", "revoked"),
        ("completed", "revoked"),
    }
    assert must <= pairs
    for terminal in ("refused_at_intake", "denied", "withdrawn", "revoked"):
        assert not [m for m in MOVES if m.source == terminal]


ROLES = ["citizen", "clerk", "approver", SYSTEM]
PAIRS = [(a, b) for a in ALL for b in ALL if b != "accepted"]  # acceptance is case_accept's (tested apart)


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_every_pair(items: None, personas: Any, now: dt.datetime, source: str, target: str) -> None:
    move = move_for(source, target)
    for role in ROLES:
        case = _case_in(personas, source, now)
        events, audits = CaseEvent.objects.filter(case=case).count(), AuditEntry.objects.count()
        actor = _actor(personas, role)
        allowed = move is not None and role in move.roles
        # An approver's decision from `accepted`/`resubmitted` opens the review first (two moves).
        implicit = (
            role == "approver"
            and source in ("accepted", "resubmitted")
            and target in ("approved", "denied", "supplement_requested")
        )
        if allowed or implicit:
            done = case_transition(number=case.number, to=target, actor=actor, now=now, reason="理由 reason")
            assert done.status == target
            assert CaseEvent.objects.filter(case=case).count() == events + (2 if implicit else 1)
            last = CaseEvent.objects.filter(case=case).order_by("-pk").first()
            assert last is not None
            assert (last.from_status, last.to_status, last.role) == ("in_review" if implicit else source, target, role)
            assert AuditEntry.objects.count() > audits
        else:
            with pytest.raises((Conflict, Forbidden)) as exc:
                case_transition(number=case.number, to=target, actor=actor, now=now, reason="理由 reason")
            if move is None and not implicit:
                assert isinstance(exc.value, Conflict)
                assert exc.value.code == "illegal_transition"
            else:
                assert isinstance(exc.value, Forbidden)
            assert Case.objects.get(pk=case.pk).status == source
            assert CaseEvent.objects.filter(case=case).count() == events
            assert AuditEntry.objects.count() == audits
        Case.objects.filter(pk=case.pk).delete()
