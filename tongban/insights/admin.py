"""The figures' refresh state in the admin (read only: ``tongban figures-refresh`` moves it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tongban.insights.models import RefreshState


@admin.register(RefreshState)
class RefreshStateAdmin(admin.ModelAdmin):
    list_display = ("name", "refreshed_at", "case_mark", "rating_mark", "last_cases", "last_days", "last_seconds")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
