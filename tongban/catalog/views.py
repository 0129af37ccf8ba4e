"""Catalog pages: the public item list (办事指南) with the catalog figures, and one item's guide."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from tongban.catalog.schemas import ItemSpec
from tongban.catalog.selectors import (
    catalog_figures,
    item_get,
    item_precheck,
    item_version_get,
    items_list,
    items_search,
    materials_on_file,
)
from tongban.catalog.templatetags.catalog_tags import fee, label, loc, time_limit
from tongban.common.clock import now
from tongban.common.errors import NotFound
from tongban.common.formatting import join_list
from tongban.common.roles import Department, Role

PAGE_SIZE = 20
CHANNELS = ("online", "window", "kiosk", "phone")
OUTLETS_PARTIAL = "outlets/partials/guide_nearest.html"
APPOINTMENTS_PARTIAL = "appointments/partials/book_for_item.html"


def _template_exists(name: str) -> bool:
    try:
        select_template([name])
    except TemplateDoesNotExist:
        return False
    return True


def _row(spec: ItemSpec) -> dict[str, Any]:
    """One list row with every display string computed here, so the template only prints."""
    badge = _("零材料") if spec.zero_materials else (_("一证通办") if spec.id_card_only else "")
    return {
        "code": spec.code,
        "url": reverse("catalog:guide", args=[spec.code]),
        "name": loc(spec, "name"),
        "badge": badge,
        "department": label(spec.department, "department"),
        "channels": join_list(label(c, "channel") for c in spec.channels),
        "reach": label(spec.reach, "reach"),
        "promised": time_limit(spec.promised_limit),
        "fee": fee(spec.fee_yuan),
    }


def item_list(request: HttpRequest) -> HttpResponse:
    """Every published item, searchable and filterable by department and channel, with the
    catalog's figures computed from the same data."""
    q = request.GET.get("q", "").strip()[:100]
    department = request.GET.get("department", "")
    department = department if department in Department.values else ""
    channel = request.GET.get("channel", "")
    channel = channel if channel in CHANNELS else ""
    specs = items_list()
    found = items_search(q=q, department=department, channel=channel, specs=specs)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "figures": catalog_figures(specs=specs),
        "page": page,
        "items": [_row(spec) for spec in page.object_list],
        "found": len(found),
        "q": q,
        "department": department,
        "channel": channel,
        "departments": Department.choices,
    }
    template = "catalog/partials/results.html" if request.headers.get("HX-Request") else "catalog/list.html"
    return render(request, template, context)


def _apply_url(code: str) -> str | None:
    try:
        return reverse("cases:apply", args=[code])
    except NoReverseMatch:  # the cases module is not installed (or has no online form)
        return None


def item_guide(request: HttpRequest, code: str) -> HttpResponse:
    """An item's guide (办事指南): conditions, materials checklist (ticked from the registry for
    a logged-in citizen), time limits, fee, legal basis, channels and where to apply."""
    version = request.GET.get("version", "")
    try:
        spec = item_version_get(code=code, version=int(version)) if version.isdigit() else item_get(code=code)
    except NotFound:
        raise Http404(code) from None
    user: Any = request.user
    personal = (
        getattr(user, "is_authenticated", False)
        and getattr(user, "role", None) in (Role.CITIZEN, Role.ENTERPRISE)
        and bool(getattr(user, "id_number", None))
    )
    at = now()
    precheck: list[dict[str, Any]] = []
    if personal:
        # what the registry alone decides (age, education, licence...), before the form
        precheck, materials = item_precheck(spec=spec, id_number=user.id_number, at=at)
    else:
        materials = materials_on_file(spec=spec, id_number=user.id_number if personal else None, at=at)
    current_version = spec.version if not version.isdigit() else _current_version(code)
    context = {
        "item": spec,
        "materials": materials,
        "personal": personal,
        "precheck": precheck,
        "apply_url": _apply_url(code) if spec.online else None,
        "has_outlets_partial": spec.window_needed and _template_exists(OUTLETS_PARTIAL),
        "has_appointments_partial": spec.window_needed and _template_exists(APPOINTMENTS_PARTIAL),
        "department_label": Department(spec.department).label,
        "is_current": current_version == spec.version,
        "current_version": current_version,
    }
    return render(request, "catalog/guide.html", context)


def _current_version(code: str) -> int | None:
    try:
        return item_get(code=code).version
    except NotFound:
        return None
