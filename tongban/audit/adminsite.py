"""Every write made through Django admin, and every personal record read there, is audited.

One place: ``AuditedAdminSite.register`` mixes ``AuditedAdminMixin`` into every ModelAdmin
registered on ``admin.site`` (tongban's modules, Django's auth groups, django-otp devices, task
results), so a model registered tomorrow is audited without touching it. The mixin hooks the
methods Django's admin calls for every write it makes:

- ``log_addition`` / ``log_change`` (add and change forms, inlines, list_editable, a password
  change): ``admin.add`` / ``admin.change`` with the changed field names;
- ``log_deletions`` (the delete page and the "delete selected" action): one ``admin.delete`` per row;
- any other admin action: ``admin.action`` with its name and the rows it was run on.

Each entry is written in the admin's own transaction (actions are wrapped in one), so the change
and its entry commit together. Entries hold field *names*, never values, so no personal value
reaches the log in clear. For models holding personal or case data (those declaring ``ACCESS``),
opening a record (``admin.view``) and searching the list (``admin.search``, with the number of
results and not the search words, which may be an ID number) are audited too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR
from django.db import router, transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from tongban.audit.services import audit_record
from tongban.common.admin import LabelledWidgetsAdminMixin
from tongban.common.clock import now
from tongban.common.request import viewer

_CHANGES = "_tongban_admin_changes"
_MAX_IDS = 100


def _label(model: type[Model] | Model) -> str:
    return model._meta.label_lower


def _personal(model: type[Model]) -> bool:
    """Models holding personal or case data declare an access rule."""
    return getattr(model, "ACCESS", None) is not None


def _record(request: HttpRequest, *, action: str, model: type[Model], object_id: Any, data: dict[str, Any]) -> None:
    audit_record(
        action=action,
        object_type=_label(model)[:40],
        object_id=str(object_id)[:64],
        at=now(),
        actor=viewer(request),
        data={"model": _label(model), "channel": "admin", **data},
    )


def _changes(form: Any, formsets: Any) -> dict[str, Any]:
    """What a form and its inline formsets changed: field names and row ids, never values."""
    out: dict[str, Any] = {"fields": sorted(getattr(form, "changed_data", []) or [])}
    inlines = []
    for formset in formsets or []:
        changed = getattr(formset, "changed_objects", [])
        row = {
            "model": _label(formset.model),
            "added": [str(o.pk) for o in getattr(formset, "new_objects", [])],
            "changed": [str(o.pk) for o, _ in changed],
            "deleted": [str(o.pk) for o in getattr(formset, "deleted_objects", [])],
            "fields": sorted({name for _, names in changed for name in names}),
        }
        if row["added"] or row["changed"] or row["deleted"]:
            inlines.append(row)
    if inlines:
        out["inlines"] = inlines
    return out


class AuditedAdminMixin(admin.ModelAdmin):  # mixed into every registered model's admin
    """Audits the writes (and personal reads) of one model's admin; see the module docstring."""

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any, add: bool = False) -> Any:
        setattr(request, _CHANGES, _changes(form, formsets))
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        _record(request, action="admin.add", model=type(obj), object_id=obj.pk, data=getattr(request, _CHANGES, {}))
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        data = getattr(request, _CHANGES, {})
        _record(request, action="admin.change", model=type(obj), object_id=obj.pk, data=data)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            _record(request, action="admin.delete", model=type(obj), object_id=obj.pk, data={})
        return super().log_deletions(request, queryset)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)
        return {
            name: (func if name == "delete_selected" else _audited_action(func, name), name, description)
            for name, (func, _, description) in actions.items()
        }

    def response_action(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        # An action and its audit entries commit together (Django runs actions outside a transaction).
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().response_action(request, queryset)

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> Any:
        response = super().changeform_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and object_id and _personal(self.model) and response.status_code == 200:
            _record(request, action="admin.view", model=self.model, object_id=unquote(object_id), data={})
        return response

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        if request.method == "GET" and request.GET.get(SEARCH_VAR) and _personal(self.model) and "cl" in context:
            _record(
                request,
                action="admin.search",
                model=self.model,
                object_id="-",
                data={"results": context["cl"].result_count},
            )
        return response


def _audited_action(func: Any, name: str) -> Any:
    def run(modeladmin: Any, request: HttpRequest, queryset: Any) -> Any:
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)[: _MAX_IDS + 1]]
        result = func(modeladmin, request, queryset)
        _record(
            request,
            action="admin.action",
            model=queryset.model,
            object_id=ids[0] if len(ids) == 1 else "-",
            data={"action": name, "ids": ids[:_MAX_IDS], "more": len(ids) > _MAX_IDS},
        )
        return result

    run.__name__ = getattr(func, "__name__", name)
    run.__doc__ = getattr(func, "__doc__", None)
    return run


class AuditedAdminSite(admin.AdminSite):
    """``admin.site``: registering a model's admin mixes the audit in (see the module docstring),
    and labelled form widgets (``common.admin.LabelledWidgetsAdminMixin``)."""

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (AuditedAdminMixin, LabelledWidgetsAdminMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
            # the inlines' forms carry the same widgets (a 专场's slots: start and end date-times)
            admin_class.inlines = [
                inline
                if issubclass(inline, LabelledWidgetsAdminMixin)
                else type(inline.__name__, (LabelledWidgetsAdminMixin, inline), {"__module__": inline.__module__})
                for inline in admin_class.inlines
            ]
        super().register(model_or_iterable, admin_class, **options)
