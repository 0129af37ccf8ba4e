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
