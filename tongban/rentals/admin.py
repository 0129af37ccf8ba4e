"""微安居 in the admin: properties, tenancies and hazards read only (they change through their
services, which audit every step); the thresholds (``RentalLimits``) edited here by an
administrator (the audited admin site records every change)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from tongban.common.admin import ReadOnlyAdminMixin
from tongban.rentals.models import Hazard, RentalLimits, RentalProperty, Tenancy


class _ReadOnly(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written only by the services: shown, never added, edited or deleted here."""


@admin.register(RentalProperty)
class RentalPropertyAdmin(_ReadOnly):
    list_display = ("number", "state", "district_code", "rooms", "capacity", "declared_at")
    list_filter = ("state", "use")
    search_fields = ("number",)


@admin.register(Tenancy)
class TenancyAdmin(_ReadOnly):
    list_display = ("property", "state", "moved_in_on", "moved_out_on")
    list_filter = ("state",)


@admin.register(Hazard)
class HazardAdmin(_ReadOnly):
    list_display = ("property", "kind", "state", "due_at")
    list_filter = ("state", "kind")


@admin.register(RentalLimits)
class RentalLimitsAdmin(admin.ModelAdmin):
    """The one row of thresholds: edited, never added twice or deleted."""

    list_display = ("__str__", "max_rooms", "max_per_room", "hazard_default_days", "hazard_max_days", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not RentalLimits.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: RentalLimits | None = None) -> bool:
        return False
