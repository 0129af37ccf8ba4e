"""Cases in the admin: read-only (every change goes through the services so the history and the
audit chain see it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tongban.cases.models import Case, CaseEvent, CaseMaterial
from tongban.common.admin import ReadOnlyAdminMixin


class _ReadOnly(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class EventInline(_ReadOnly):
    model = CaseEvent
    fields = ["at", "from_status", "to_status", "actor_label", "role", "outlet", "reason"]


class MaterialInline(_ReadOnly):
    model = CaseMaterial
    fields = ["code", "name_zh", "required", "state", "provenance", "reference"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin[Case]):
    list_display = [
        "number",
        "item_name",
        "department",
        "status",
        "channel",
        "submitted_at",
        "deadline_at",
        "under_commitment",
    ]
    list_filter = ["department", "status", "channel", "under_commitment"]
    search_fields = ["number", "item_code"]
    date_hierarchy = "submitted_at"
    inlines = [MaterialInline, EventInline]
    show_full_result_count = False  # a million rows: no COUNT(*) on every page

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Case._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
