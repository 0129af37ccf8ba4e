"""Retention of the logs kept in the database (G14), which never touches the audit log.

``settings.LOG_RETENTION_MODELS`` names the logs (model label → timestamp field): Django admin's
change log and finished task results by default. Rows older than ``settings.LOG_RETENTION_DAYS``
(default 365, never under 183: six months is the legal floor) are deleted, one transaction and one
audit entry per log. Audit entries are never deleted: each one's hash links the next, and the
signed checkpoints pin them, so removing old ones would make the log indistinguishable from a
truncated one (docs/adr/0008-audit-checkpoints-and-retention.md). They are exported instead, by
the operator's backups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from tongban.audit.models import AuditEntry, AuditHead
from tongban.audit.services import audit_record

LEGAL_FLOOR_DAYS = 183


def log_retention_sweep(
    *, now: dt.datetime, days: int | None = None, models: Mapping[str, str] | None = None
) -> dict[str, int]:
    """Delete rows of each configured log older than ``days`` (default the setting) before ``now``.

    Returns log label → rows deleted. Raises ValueError for fewer days than the legal floor, and
    ImproperlyConfigured when the configuration names the audit log or a model that does not exist.
    """
    days = settings.LOG_RETENTION_DAYS if days is None else days
    if days < LEGAL_FLOOR_DAYS:
        raise ValueError(f"retention of {days} days is below the legal floor of {LEGAL_FLOOR_DAYS}")
    cutoff = now - dt.timedelta(days=days)
    deleted: dict[str, int] = {}
    for label, field in (settings.LOG_RETENTION_MODELS if models is None else models).items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError) as exc:
            raise ImproperlyConfigured(f"LOG_RETENTION_MODELS names {label!r}, which is not a model") from exc
        if model in (AuditEntry, AuditHead):
            raise ImproperlyConfigured("audit entries are never deleted: remove them from LOG_RETENTION_MODELS")
        with transaction.atomic():
            count, _ = model._default_manager.filter(**{f"{field}__lt": cutoff}).delete()
            deleted[label] = count
            audit_record(
                action="log.retention",
                object_type="log",
                object_id=label,
                at=now,
                data={"deleted": count, "before": cutoff.isoformat(), "days": days},
            )
    return deleted
