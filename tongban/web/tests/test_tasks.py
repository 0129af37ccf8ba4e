"""Background work switches from immediate to database-backed workers by configuration only."""

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from tongban.audit.tasks import audit_verify_task


@pytest.mark.django_db
def test_embedded_default_runs_tasks_immediately() -> None:
    result = audit_verify_task.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"ok": True, "entries": 0, "problems": []}


@pytest.mark.django_db(transaction=True)
def test_database_backend_queues_until_a_worker_runs(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = audit_verify_task.enqueue()
    assert result.status == TaskResultStatus.READY
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["ok"] is True
