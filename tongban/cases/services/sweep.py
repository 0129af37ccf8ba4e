"""The periodic sweep: broken 告知承诺 promises and overdue cases flagged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from tongban.audit.services import audit_record
from tongban.cases.machine import CLOCK_RUNS, TERMINAL
from tongban.cases.models import Case, Status
from tongban.cases.notices import cases_overdue_notify


@dataclass(frozen=True)
class SweepReport:
    """Cases the sweep flagged: broken commitments to verify, and overdue cases."""

    verification_flagged: list[str]
    overdue_flagged: list[str]


def cases_sweep(*, now: dt.datetime, limit: int = 5000) -> SweepReport:
    """Flag 告知承诺 cases whose promised materials did not arrive in time (for verification and
    possibly revocation) and open cases past their deadline. Idempotent; one audit row per run
    that flags anything.
    """
    open_states = [s for s in Status.values if s not in TERMINAL]
    with transaction.atomic():
        broken = list(
            Case.objects.select_for_update()
            .filter(
                under_commitment=True,
                commitment_fulfilled_at__isnull=True,
                verification_flagged_at__isnull=True,
                commitment_due_at__lte=now,
                status__in=open_states,
            )
            .values_list("number", flat=True)[:limit]
        )
        late = list(
            Case.objects.select_for_update()
            .filter(
                Q(status__in=list(CLOCK_RUNS)) | Q(status=Status.SUBMITTED),
                deadline_at__lte=now,
                overdue_flagged_at__isnull=True,
            )
            .values_list("number", flat=True)[:limit]
        )
        if broken:
            Case.objects.filter(number__in=broken).update(verification_flagged_at=now, updated_at=now)
        if late:
            Case.objects.filter(number__in=late).update(overdue_flagged_at=now, updated_at=now)
            cases_overdue_notify(late, at=now)
        if broken or late:
            audit_record(
                action="case.sweep",
                object_type="case",
                object_id="sweep",
                at=now,
                actor=None,
                data={
                    "verification_flagged": broken[:200],
                    "overdue_flagged": late[:200],
                    "counts": [len(broken), len(late)],
                },
            )
    return SweepReport(broken, late)
