"""Ratings in the admin: read only (ratings, follow-ups and appeals change through their
services, which audit every step); the schemes are data loaded from data/schemes.yaml."""

from __future__ import annotations

from django.contrib import admin

from tongban.common.admin import ReadOnlyAdminMixin
from tongban.feedback.models import Appeal, FollowUp, Rating, RatingScheme


class _ReadOnly(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written only by the services: shown, never added, edited or deleted here."""


@admin.register(RatingScheme)
class RatingSchemeAdmin(_ReadOnly):
    list_display = ("version", "effective_from", "source", "loaded_at")


@admin.register(Rating)
class RatingAdmin(_ReadOnly):
    list_display = (
        "case_number",
        "occasion",
        "channel",
        "level",
        "bad",
        "item_code",
        "department",
        "rated_at",
        "voided_at",
    )
    list_filter = ("occasion", "channel", "level", "bad", "department")
    search_fields = ("=case_number",)
    exclude = ("person", "rater")


@admin.register(FollowUp)
class FollowUpAdmin(_ReadOnly):
    list_display = ("rating", "state", "department", "opened_at", "due_at", "overdue_flagged_at")
    list_filter = ("state", "department")


@admin.register(Appeal)
class AppealAdmin(_ReadOnly):
    list_display = ("rating", "state", "filed_at", "decided_at")
    list_filter = ("state",)
