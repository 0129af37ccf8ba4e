from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import pgettext_lazy

from tongban.audit.labels import action_label
from tongban.audit.models import AuditEntry
from tongban.common.admin import ReadOnlyAdminMixin


class ActionFilter(admin.SimpleListFilter):
    """Filter by action, each shown by its label (设置号源计划), not its code."""

    title = pgettext_lazy("audit entry", "操作")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        seen = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(((a, action_label(a)) for a in seen), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = (
        "id",
        "chain",
        "seq",
        "at",
        "action_name",
        "object_type",
        "object_id",
        "actor_label",
        "role",
        "outlet_code",
    )
    list_filter = (ActionFilter, "role")
    search_fields = ("object_id", "action")

    @admin.display(description=pgettext_lazy("audit entry", "操作"), ordering="action")
    def action_name(self, obj: AuditEntry) -> str:
        return action_label(obj.action)
