"""Reading the audit log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tongban.audit.models import AuditEntry
from tongban.common.access import access_filter


def audit_entries_for(*, user: Any, object_type: str, object_id: str) -> QuerySet[AuditEntry]:
    """The history of one object, for the roles that may read the audit log."""
    return access_filter(user, AuditEntry.objects.filter(object_type=object_type, object_id=object_id))
