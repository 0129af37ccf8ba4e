"""Demo data of the audit module: a few staff reads of the demo citizen, then a signed checkpoint of
the log the other demo loaders wrote.

Runs last (``demo-setup``), so ``tongban audit verify`` in the demo pins every chain to it. A second
run signs a new checkpoint of whatever was added since: checkpoints only ever follow each other.

The reads give the auditor's 查阅记录 something to find for the demo citizen (the first 群众 line
demo-setup prints): the window clerk looking them up at the workbench and opening their case, and
the 户政 approver opening it. Written once: a second run finds them and adds none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongban.audit.checkpoints import audit_checkpoint
from tongban.audit.models import AuditEntry
from tongban.audit.reads import READ_ACTIONS, audit_staff_read


def _demo_reads(*, now: dt.datetime) -> int:
    from tongban.accounts.models import User
    from tongban.cases.models import Case
    from tongban.registry.selectors import demo_person_candidates

    people = demo_person_candidates(limit=1)
    clerk = User.objects.filter(username="clerk").first()
    approver = User.objects.filter(username="approver-huzheng").first()
    if not people or clerk is None or approver is None:
        return 0
    person = people[0]
    case = Case.objects.filter(person=person).order_by("submitted_at").first()
    reads: list[tuple[Any, str, str, str, dt.timedelta]] = [
        (clerk, "person", str(person.pk), "workbench", dt.timedelta(hours=3, minutes=12)),
    ]
    if case is not None:
        reads += [
            (clerk, "case", case.number, "detail", dt.timedelta(hours=3, minutes=10)),
            (approver, "case", case.number, "detail", dt.timedelta(hours=1, minutes=25)),
        ]
    written = 0
    for actor, object_type, object_id, what, ago in reads:
        mine = AuditEntry.objects.filter(actor_id=actor.pk, action=READ_ACTIONS[object_type])
        done = mine.filter(object_type=object_type, object_id=object_id).exists()
        if not done:
            audit_staff_read(
                actor=actor, object_type=object_type, object_id=object_id, at=now - ago, channel="page", what=what
            )
            written += 1
    return written


def demo_load(*, now: dt.datetime, stdout: Any) -> None:
    reads = _demo_reads(now=now)
    if reads:
        stdout.write(f"audit: {reads} staff read(s) of the demo citizen recorded")
    checkpoint = audit_checkpoint(at=now)
    stdout.write(f"audit: checkpoint #{checkpoint.number} signed ({checkpoint.entries} entries)")
