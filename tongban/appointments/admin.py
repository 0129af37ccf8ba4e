"""Appointment plans are edited here; bookings are read-only (they change through services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tongban.appointments.models import Appointment, Slot, SlotPlan
from tongban.appointments.services import slot_plan_set
from tongban.common.admin import ReadOnlyAdminMixin
from tongban.common.clock import now
from tongban.common.request import viewer


@admin.register(SlotPlan)
class SlotPlanAdmin(admin.ModelAdmin):
    list_display = ("outlet", "group", "counters", "visit_minutes", "slot_minutes", "days_ahead", "active")
    list_filter = ("group", "active")
    raw_id_fields = ("outlet",)

    def save_model(self, request: HttpRequest, obj: SlotPlan, form: Any, change: bool) -> None:
        saved = slot_plan_set(
            outlet=obj.outlet,
            group=obj.group,
            counters=obj.counters,
            visit_minutes=obj.visit_minutes,
            slot_minutes=obj.slot_minutes,
            days_ahead=obj.days_ahead,
            at=now(),
            actor=viewer(request),
        )
        obj.pk = saved.pk


@admin.register(Slot)
class SlotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("outlet", "group", "start", "end", "capacity", "booked")
    list_filter = ("group",)
    date_hierarchy = "start"
    show_full_result_count = False


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "item_code", "outlet", "status", "created_at", "ticket")
    list_filter = ("status",)
    search_fields = ("=number",)
    show_full_result_count = False
