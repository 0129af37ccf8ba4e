"""What a case tells its applicant (tongban.notifications): one message per event.

Each function is called inside the transaction that records the event, so the message is
written with it, nothing is sent when it rolls back, and the channels send after it commits (the
task worker). The idempotency key names the event (the case, and the moment or deadline it is
about), so running a sweep twice or delivering a task again sends nothing more.

Events: a supplement requested (补正), a case refused at intake (不予受理, with the reason), a
decision against the applicant (不予批准), the result issued, the case overdue, and a 告知承诺
deadline drawing near. Appointment reminders are sent by tongban.appointments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings

from tongban.cases.machine import TERMINAL
from tongban.cases.models import Case, CaseEvent, Status
from tongban.common.errors import DomainError

__all__ = ["case_event_notify", "cases_overdue_notify", "commitments_due_notify"]

#: the move → (message kind, whether the event's reason goes in the message)
_ON_MOVE: dict[str, tuple[str, bool]] = {
    Status.SUPPLEMENT_REQUESTED: ("supplement_requested", True),
    Status.REFUSED_AT_INTAKE: ("case_refused", True),
    Status.DENIED: ("case_denied", True),
    Status.RESULT_ISSUED: ("result_issued", False),
}


def _recipient(case: Case) -> Any:
    """The applicant's account, else the registry person (told by SMS), else nobody."""
    if case.applicant_id is not None:
        return case.applicant
    if case.person_id is not None:
        return case.person
    return None


def _item(case: Case) -> dict[str, str]:
    from tongban.catalog.selectors import item_get

    try:
        item = item_get(code=case.item_code)
    except DomainError:  # an item withdrawn since: the name the case recorded
        return {"zh-hans": case.item_name}
    return {"zh-hans": item.name_zh, "en": item.name_en or item.name_zh}


def _send(case: Case, *, kind: str, key: str, at: dt.datetime, **params: Any) -> None:
    from tongban.notifications.services import notify

    recipient = _recipient(case)
    if recipient is None:
        return
    notify(
        recipient=recipient,
        kind=kind,
        key=key,
        params={"case": case.number, "item": _item(case), **params},
        at=at,
    )


def case_event_notify(case: Case, event: CaseEvent) -> None:
    """Tell the applicant about a move that concerns them (caller's transaction)."""
    found = _ON_MOVE.get(event.to_status)
    if found is None:
        return
    kind, with_reason = found
    extra = {"reason": event.reason or "—"} if with_reason else {}
    _send(case, kind=kind, key=f"{case.number}@{event.at.isoformat()}", at=event.at, **extra)


def cases_overdue_notify(numbers: Iterable[str], *, at: dt.datetime) -> int:
    """Tell each applicant their case passed its deadline (the sweep flags a case once)."""
    count = 0
    for case in Case.objects.filter(number__in=list(numbers)).select_related("applicant", "person"):
        if case.deadline_at is None:
            continue
        _send(
            case,
            kind="case_overdue",
            key=f"{case.number}@{case.deadline_at.isoformat()}",
            at=at,
            due={"datetime": case.deadline_at.isoformat()},
        )
        count += 1
    return count


def commitments_due_notify(*, at: dt.datetime, limit: int = 5000) -> int:
    """Remind applicants whose 告知承诺 materials are still outstanding and due within
    ``settings.CASE_COMMITMENT_REMIND_HOURS``; once per case and due date. Returns how many
    messages were made (or found already made)."""
    horizon = at + dt.timedelta(hours=settings.CASE_COMMITMENT_REMIND_HOURS)
    cases = (
        Case.objects.filter(
            under_commitment=True,
            commitment_fulfilled_at__isnull=True,
            commitment_due_at__gt=at,
            commitment_due_at__lte=horizon,
        )
        .exclude(status__in=list(TERMINAL))
        .select_related("applicant", "person")
        .order_by("commitment_due_at")[:limit]
    )
    count = 0
    for case in cases:
        due = case.commitment_due_at
        assert due is not None  # filtered above
        _send(
            case,
            kind="commitment_deadline_near",
            key=f"{case.number}@{due.isoformat()}",
            at=at,
            due={"datetime": due.isoformat()},
        )
        count += 1
    return count
