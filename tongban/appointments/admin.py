"""Appointment plans and 专场 (with their slots) are edited here; bookings and home visits are
read-only (they change through services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tongban.appointments.models import Appointment, HomeVisit, Slot, SlotPlan, SpecialSession
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


class SessionSlotInline(admin.StackedInline):
    """A 专场's slots: a place already booked keeps its slot (the booked count is read-only).
    Stacked, not tabular: a tabular inline's inputs have only a column header, no label."""

    model = Slot
    fields = ("start", "end", "capacity", "booked")
    readonly_fields = ("booked",)
    extra = 1


@admin.register(SpecialSession)
class SpecialSessionAdmin(admin.ModelAdmin):
    list_display = ("label_zh", "outlet", "group", "min_age", "max_age", "active")
    list_filter = ("group", "active")
    raw_id_fields = ("outlet",)
    inlines = [SessionSlotInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # A session's slots are at the session's outlet, for its group.
        for slot in formset.save(commit=False):
            slot.outlet_id, slot.group = form.instance.outlet_id, form.instance.group
            slot.save()
        for slot in formset.deleted_objects:
            slot.delete()


@admin.register(HomeVisit)
class HomeVisitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "item_code", "outlet", "state", "requested_at", "visit_at")
    list_filter = ("state",)
    search_fields = ("=number",)
