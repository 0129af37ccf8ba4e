"""Background work of the audit module."""

from __future__ import annotations

from django_tasks import task

from tongban.audit.services import audit_verify


@task()
def audit_verify_task() -> dict[str, object]:
    """Recompute the audit chain in the background (scheduled by operators, e.g. nightly)."""
    report = audit_verify()
    return {"ok": report.ok, "entries": report.entries, "problems": report.problems}
