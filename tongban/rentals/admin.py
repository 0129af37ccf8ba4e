"""微安居 in the admin: read only (properties, tenancies and hazards change through their
services, which audit every step)."""

from __future__ import annotations

from django.contrib import admin

from tongban.common.admin import ReadOnlyAdminMixin
from tongban.rentals.models import Hazard, RentalProperty, Tenancy


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
