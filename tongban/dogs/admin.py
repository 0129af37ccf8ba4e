"""Dogs in the admin: read only (violations and reports change through their services, which
audit every step)."""

from __future__ import annotations

from django.contrib import admin

from tongban.common.admin import ReadOnlyAdminMixin
from tongban.dogs.models import Report, Violation


class _ReadOnly(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written only by the services: shown, never added, edited or deleted here."""


@admin.register(Violation)
class ViolationAdmin(_ReadOnly):
    list_display = ("chip", "kind", "place", "recorded_at")
    list_filter = ("kind",)
    search_fields = ("chip",)


@admin.register(Report)
class ReportAdmin(_ReadOnly):
    list_display = ("id", "state", "place", "created_at", "closed_at")
    list_filter = ("state",)
