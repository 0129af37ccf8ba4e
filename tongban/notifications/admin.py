"""Deliveries in the admin, read only: status, attempts and the last error (never the text)."""

from __future__ import annotations

from django.contrib import admin

from tongban.common.admin import ReadOnlyAdminMixin
from tongban.notifications.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "channel", "status", "attempts", "last_attempt_at", "sent_at", "last_error")
    list_filter = ("channel", "status")
    fields = ("channel", "status", "attempts", "next_attempt_at", "last_attempt_at", "sent_at", "last_error")
