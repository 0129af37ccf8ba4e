"""Appointment plans and 专场 (with their slots) are edited here; bookings and home visits are
read-only (they change through services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext

from tongban.appointments.models import Appointment, HomeVisit, Slot, SlotPlan, SpecialSession
from tongban.appointments.services import slot_plan_set
from tongban.appointments.sessions import session_delete_refusal, session_slot_delete, slot_delete_refusal
from tongban.common.admin import ReadOnlyAdminMixin
from tongban.common.clock import now
from tongban.common.errors import Conflict
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


class SessionSlotFormSet(BaseInlineFormSet):
    """Says in plain words why a slot cannot be deleted (bookings point at it) and refuses a
    capacity below the places already booked, instead of Django's list of protected objects and
    the database's overbooking guard."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            slot = form.instance
            if slot.pk is None or not hasattr(form, "cleaned_data"):
                continue
            if self.can_delete and form.cleaned_data.get(DELETION_FIELD_NAME):
                refusal = slot_delete_refusal(slot)
                if refusal is not None:
                    raise ValidationError(refusal, code="slot_booked")
            elif (form.cleaned_data.get("capacity") or 0) < slot.booked:
                form.add_error("capacity", gettext("容量不能少于已约人数（%(booked)s）") % {"booked": slot.booked})


class SessionSlotInline(admin.StackedInline):
    """A 专场's slots: a place already booked keeps its slot (the booked count is read-only, and
    a slot that bookings point at cannot be deleted). Stacked, not tabular: a tabular inline's
    inputs have only a column header, no label."""

    model = Slot
    formset = SessionSlotFormSet
    fields = ("start", "end", "capacity", "booked")
    readonly_fields = ("booked",)
    extra = 1

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # Django's own check lists the protected bookings by number; the formset's clean says why
        # in plain words and what to do instead (bookings are the only rows that protect a slot).
        formset.form = type(formset.form.__name__, (formset.form,), {"hand_clean_DELETE": lambda self: None})
        return formset


@admin.register(SpecialSession)
class SpecialSessionAdmin(admin.ModelAdmin):
    list_display = ("label_zh", "outlet", "group", "min_age", "max_age", "active")
    list_filter = ("group", "active")
    raw_id_fields = ("outlet",)
    inlines = [SessionSlotInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # A session's slots are at the session's outlet, for its group. An existing slot's booked
        # count is left to the bookings (the form's copy may already be stale).
        for slot in formset.save(commit=False):
            slot.outlet_id, slot.group = form.instance.outlet_id, form.instance.group
            if slot._state.adding:
                slot.save()
            else:
                slot.save(update_fields=["outlet", "group", "start", "end", "capacity"])
        kept = []
        for slot in formset.deleted_objects:
            try:
                session_slot_delete(slot_id=slot.pk)
            except Conflict as exc:  # booked since the form was checked: the slot stays
                messages.error(request, exc.message)
                kept.append(slot)
        # the audit entry (the admin's change message) lists only the slots actually deleted
        formset.deleted_objects = [s for s in formset.deleted_objects if s not in kept]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # No bulk delete: a session is deleted from its own page, which says why one with bookings
        # stays (the bulk action would list the bookings as protected objects instead).
        actions: dict[str, Any] = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        # A session that bookings point at stays; say why on its page rather than list the bookings.
        session = self.get_object(request, unquote(object_id))
        refusal = session_delete_refusal(session) if session is not None else None
        if refusal is None:
            try:
                return super().delete_view(request, object_id, extra_context)
            except ProtectedError:  # booked between the confirmation page and the deletion
                refusal = session_delete_refusal(session) if session is not None else None
        messages.error(request, refusal or gettext("该专场已有预约，不能删除"))
        return redirect("admin:appointments_specialsession_change", object_id)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A session's slots go with it (the slot admin is read-only for plan-generated slots), and
        # bookings are never deleted, only protected: neither is a permission the viewer lacks.
        not_needed = (Slot._meta.verbose_name, Appointment._meta.verbose_name)
        return to_delete, model_count, {p for p in perms_needed if p not in not_needed}, protected


@admin.register(HomeVisit)
class HomeVisitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "item_code", "outlet", "state", "requested_at", "visit_at")
    list_filter = ("state",)
    search_fields = ("=number",)
