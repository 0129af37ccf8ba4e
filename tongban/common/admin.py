"""Admin helpers shared by every module."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import widgets
from django.db.models import Field
from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """For records written only by services (audit, history, issued documents): the admin
    shows them and never adds, edits or deletes. Mix in before ModelAdmin or an inline."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LabelledWidgetsAdminMixin:
    """Form fields whose every input has a label: Django's split date-time widget shows its
    "Date:" and "Time:" as bare text (axe: ``label``, critical); it gets a template with labels."""

    def formfield_for_dbfield(self, db_field: Field[Any, Any], request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]  # a mixin before ModelAdmin
        if field is not None and isinstance(field.widget, widgets.AdminSplitDateTime):
            field.widget.template_name = "common/admin/split_datetime.html"
        return field
