"""Background work: issuing the result of an approved case, and the periodic sweep."""

from __future__ import annotations

from django_tasks import task

from tongban.cases.notices import commitments_due_notify
from tongban.cases.services import case_result_issue, cases_sweep
from tongban.common.clock import now
from tongban.common.errors import Conflict


@task()
def case_result_task(number: str) -> str:
    """Issue the result of approved case ``number`` (enqueued after the approval commits).

    Delivered again (a worker killed after the issue committed, then reclaimed), it finds the case
    no longer approved and does nothing: the result is issued once, and the task ends as done."""
    try:
        return case_result_issue(number=number, now=now()).status
    except Conflict as exc:
        if exc.code != "not_approved":
            raise
        return exc.code


@task()
def cases_sweep_task() -> dict[str, int]:
    """Flag broken commitments and overdue cases, and remind applicants of 告知承诺 deadlines drawing
    near (run periodically, e.g. every 15 minutes)."""
    at = now()
    report = cases_sweep(now=at)
    reminded = commitments_due_notify(at=at)
    return {
        "verification_flagged": len(report.verification_flagged),
        "overdue_flagged": len(report.overdue_flagged),
        "commitments_reminded": reminded,
    }
