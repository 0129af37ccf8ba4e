from django.contrib import admin

from tongban.audit.models import AuditEntry
from tongban.common.admin import ReadOnlyAdminMixin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = (
        "id",
        "chain",
        "seq",
        "at",
        "action",
        "object_type",
        "object_id",
        "actor_label",
        "role",
        "outlet_code",
    )
    list_filter = ("action", "role")
    search_fields = ("object_id", "action")
