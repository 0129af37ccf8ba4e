"""Dogs in the admin: read only (violations and reports change through their services, which
audit every step)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tongban.dogs.models import Report, Violation


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Violation)
class ViolationAdmin(_ReadOnly):
    list_display = ("chip", "kind", "place", "recorded_at")
    list_filter = ("kind",)
    search_fields = ("chip",)


@admin.register(Report)
class ReportAdmin(_ReadOnly):
    list_display = ("pk", "state", "place", "created_at", "closed_at")
    list_filter = ("state",)
