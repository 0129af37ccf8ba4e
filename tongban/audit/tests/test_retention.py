"""G14: log retention is configurable with a default of 365 days and a floor of six months; the
retention job, at a frozen instant, deletes only rows older than the setting, never an audit
entry, and the audit log verifies against its signed checkpoint before and after."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from tongban.audit.checkpoints import audit_checkpoint
from tongban.audit.models import AuditEntry
from tongban.audit.retention import log_retention_sweep
from tongban.audit.services import audit_record, audit_verify

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2027, 3, 10, 2, 0, tzinfo=dt.UTC)  # the frozen instant the job runs at
DAY = dt.timedelta(days=1)


def _settings_with(**env: str) -> subprocess.CompletedProcess[str]:
    """Load the settings module afresh in a child process with these environment variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_LOG_RETENTION")}
    return subprocess.run(
        [sys.executable, "-c", "import tongban.config.settings as s; print(s.LOG_RETENTION_DAYS)"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_retention_defaults_to_a_year_and_refuses_less_than_six_months() -> None:
    assert settings.LOG_RETENTION_DAYS >= 365
    default = _settings_with()
    assert default.returncode == 0 and default.stdout.strip() == "365"
    assert _settings_with(TONGBAN_LOG_RETENTION_DAYS="730").stdout.strip() == "730"
    short = _settings_with(TONGBAN_LOG_RETENTION_DAYS="90")
    assert short.returncode != 0 and "must be at least 183" in short.stderr


def _log_entry(user: Any, at: dt.datetime, label: str) -> LogEntry:
    return LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(LogEntry),
        object_id=label,
        object_repr=label,
        action_flag=CHANGE,
        action_time=at,
    )


def test_the_job_deletes_only_what_is_older_than_the_setting(personas: Any) -> None:
    admin = personas.admin
    ages = {"old": NOW - 366 * DAY, "at the limit": NOW - 365 * DAY, "recent": NOW - 10 * DAY}
    for label, at in ages.items():
        _log_entry(admin, at, label)
    for age in (2000, 400, 1):  # audit entries of every age
        audit_record(action="case.accept", object_type="case", object_id=f"A{age}", at=NOW - age * DAY)
    audit_checkpoint(at=NOW - DAY)
    audit_entries = AuditEntry.objects.count()

    assert log_retention_sweep(now=NOW) == {"admin.LogEntry": 1, "django_tasks_database.DBTaskResult": 0}

    assert sorted(LogEntry.objects.values_list("object_repr", flat=True)) == ["at the limit", "recent"]
    # Not one audit entry went, old ones included; each log's trim is itself an entry.
    assert AuditEntry.objects.count() == audit_entries + 2
    assert AuditEntry.objects.filter(object_id="A2000").exists()
    trim = AuditEntry.objects.get(action="log.retention", object_id="admin.LogEntry")
    assert trim.data == {"deleted": 1, "before": (NOW - 365 * DAY).isoformat(), "days": 365}
    report = audit_verify()
    assert report.ok and report.checkpoint == 1, report.problems  # type: ignore[attr-defined]


def test_a_longer_setting_keeps_more(personas: Any, settings: Any) -> None:
    settings.LOG_RETENTION_DAYS = 1000
    _log_entry(personas.admin, NOW - 999 * DAY, "kept")
    _log_entry(personas.admin, NOW - 1001 * DAY, "gone")
    log_retention_sweep(now=NOW)
    assert list(LogEntry.objects.values_list("object_repr", flat=True)) == ["kept"]


def test_the_job_refuses_a_short_period_and_the_audit_log() -> None:
    with pytest.raises(ValueError, match="below the legal floor of 183"):
        log_retention_sweep(now=NOW, days=182)
    with pytest.raises(ImproperlyConfigured, match="audit entries are never deleted"):
        log_retention_sweep(now=NOW, models={"audit.AuditEntry": "at"})
    with pytest.raises(ImproperlyConfigured, match="not a model"):
        log_retention_sweep(now=NOW, models={"nothing.Here": "at"})


def test_the_command_runs_the_job_at_the_frozen_instant(personas: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tongban.audit.management.commands import audit as command

    monkeypatch.setattr(command, "now", lambda: NOW)
    _log_entry(personas.admin, NOW - 400 * DAY, "old")
    out = StringIO()
    call_command("audit", "retention", stdout=out)
    assert out.getvalue() == "admin.LogEntry: 1 row(s) deleted\ndjango_tasks_database.DBTaskResult: 0 row(s) deleted\n"
    assert not LogEntry.objects.exists()
