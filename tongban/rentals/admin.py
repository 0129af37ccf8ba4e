"""微安居 in the admin: read only (properties, tenancies and hazards change through their
services, which audit every step)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tongban.rentals.models import Hazard, RentalProperty, Tenancy


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
