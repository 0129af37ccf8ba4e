"""Background work of the audit module (enqueued by the scheduled commands or by operators)."""

from __future__ import annotations

from django_tasks import task

from tongban.audit.services import audit_verify
from tongban.common.clock import now


@task()
def audit_verify_task() -> dict[str, object]:
    """Recompute the audit chain in the background (scheduled by operators, e.g. nightly)."""
    report = audit_verify()
    return {"ok": report.ok, "entries": report.entries, "problems": report.problems}


@task()
def audit_verify_for_task(actor_id: int) -> dict[str, object]:
    """The check an auditor starts from the integrity page (立即核验): the same verification as
    ``tongban audit verify``, its result recorded as an ``audit.verify`` entry by that auditor, so
    the page shows the last result, who asked for it and when, and the log keeps it."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from tongban.audit.services import audit_record

    actor = get_user_model().objects.filter(pk=actor_id).first()
    report = audit_verify()
    data = {
        "ok": report.ok,
        "entries": report.entries,
        "problems": report.problems[:20],
        "checkpoint": getattr(report, "checkpoint", None),
        "notes": list(getattr(report, "notes", [])),
    }
    with transaction.atomic():
        audit_record(action="audit.verify", object_type="audit_log", object_id="all", at=now(), actor=actor, data=data)
    return data


@task()
def audit_checkpoint_task() -> dict[str, object]:
    """Sign and export a checkpoint of every chain's head (scheduled daily or more often).

    A log that does not verify is not signed: the result says why, and the task fails loudly.
    """
    from tongban.audit.checkpoints import audit_checkpoint

    checkpoint = audit_checkpoint(at=now())
    return {"number": checkpoint.number, "entries": checkpoint.entries, "file": checkpoint.name}


@task()
def log_retention_task() -> dict[str, int]:
    """Trim the other logs kept in the database past their retention (never audit entries)."""
    from tongban.audit.retention import log_retention_sweep

    return log_retention_sweep(now=now())
