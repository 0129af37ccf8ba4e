"""The staff console's pages for outlets' hours, the statutory holiday calendar and the photo
standards. Each write goes through its module's service (one transaction, one audit row); the
audit rows of an outlet or a standard, which keep the values before and after, are its history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tongban.audit.selectors import audit_entries_for
from tongban.common.clock import now
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError, NotFound
from tongban.common.request import viewer
from tongban.common.roles import OutletKind, Role
from tongban.outlets.selectors import outlet_get, outlets_all
from tongban.outlets.services import outlet_hours_set
from tongban.photos.standards import photo_standard_update, standard_record_get, standard_records
from tongban.web.console.forms import DAYS, CalendarUploadForm, HoursForm, StandardForm
from tongban.workdays.selectors import calendar_years
from tongban.workdays.services import calendar_year_load, schedule_parse

ADMIN = Role.ADMIN
PAGE_SIZE = 30


def _history(request: HttpRequest, object_type: str, object_id: str, action: str) -> list[dict[str, Any]]:
    """The audit rows of one object's edits, newest first, as versions (who, when, note, values)."""
    entries = audit_entries_for(user=request.user, object_type=object_type, object_id=object_id)
    rows = []
    data: dict[str, Any] = {}
    for entry in entries.filter(action=action).order_by("-id")[:50]:
        data = entry.data or {}
        rows.append(
            {"at": entry.at, "who": entry.actor_label, "note": data.get("note", ""), "after": data.get("after") or {}}
        )
    if rows and data.get("before"):  # the values before the first edit shown: the oldest version
        rows.append({"at": None, "who": "", "note": _("修改前"), "after": data["before"]})
    return rows


def _hours_lines(hours: dict[str, Any]) -> list[tuple[str, str]]:
    closed = _("不办公")
    lines = [(str(label), hours.get(key) or closed) for key, label in DAYS]
    lines += [(day, value or closed) for day, value in sorted((hours.get("exceptions") or {}).items())]
    return lines


@login_required
@role_required(ADMIN)
def outlet_list(request: HttpRequest) -> HttpResponse:
    """The outlets with their weekday hours, searchable by name or code, a page at a time."""
    q = request.GET.get("q", "").strip()[:60]
    found = [o for o in outlets_all() if not q or q in o.name or q.lower() in o.code.lower()]
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "code": o.code,
            "name": o.name,
            "kind": OutletKind(o.kind).label if o.kind in OutletKind.values else "",
            "weekday": (o.hours or {}).get("mon") or _("不办公"),
            "closures": len((o.hours or {}).get("exceptions") or {}),
            "active": o.active,
        }
        for o in page.object_list
    ]
    return render(request, "console/outlets.html", {"rows": rows, "page": page, "q": q, "found": len(found)})


@login_required
@role_required(ADMIN)
def outlet_hours(request: HttpRequest, code: str) -> HttpResponse:
    """An outlet's opening hours, holiday hours and closures, with the earlier versions."""
    try:
        outlet = outlet_get(code=code)
    except NotFound:
        raise Http404(code) from None
    form = HoursForm(request.POST or None, hours=outlet.hours or {})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                outlet_hours_set(
                    code=code, hours=form.hours(), at=now(), actor=viewer(request), note=form.cleaned_data["note"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("办公时间已保存"))
                return redirect("console:outlet_hours", code=code)
    history = _history(request, "outlet", code, "outlet.hours")
    for row in history:
        row["lines"] = _hours_lines(row["after"])
    context = {"outlet": outlet, "form": form, "history": history, "current": _hours_lines(outlet.hours or {})}
    return render(request, "console/outlet_hours.html", context, status=status)


@login_required
@role_required(ADMIN)
def calendar(request: HttpRequest) -> HttpResponse:
    """The statutory holiday calendar: the years loaded and the upload of a year's schedule."""
    form = CalendarUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            year = form.cleaned_data["year"]
            upload = form.cleaned_data["schedule"]
            try:
                rules = schedule_parse(text=upload.read().decode("utf-8"), year=year)
                calendar_year_load(
                    year=year, rules=rules, source=f"upload {upload.name}", now=now(), actor=viewer(request)
                )
            except UnicodeDecodeError:
                form.add_error("schedule", _("文件须为 UTF-8 文本"))
            except DomainError as exc:
                form.add_error("schedule", exc.message)
            else:
                messages.success(
                    request, _("%(year)s 年的安排已导入（%(n)s 条例外）") % {"year": year, "n": len(rules)}
                )
                return redirect("console:calendar")
    superuser = bool(getattr(request.user, "is_superuser", False))
    context = {"form": form, "years": calendar_years(), "superuser": superuser}
    return render(request, "console/calendar.html", context, status=status)


@login_required
@role_required(ADMIN)
def standard_list(request: HttpRequest) -> HttpResponse:
    """Every photo standard with its size and background colours."""
    rows = [
        {
            "code": r.code,
            "name_zh": r.name_zh,
            "name_en": r.name_en,
            "size": f"{r.width_px} × {r.height_px}",
            "dpi": r.dpi,
            "colours": [c.strip().upper() for c in r.backgrounds.split(",") if c.strip()],
            "active": r.active,
        }
        for r in standard_records()
    ]
    return render(request, "console/standards.html", {"rows": rows})


@login_required
@role_required(ADMIN)
def standard_edit(request: HttpRequest, code: str) -> HttpResponse:
    """A photo standard's everyday values as fields, with the earlier versions."""
    try:
        row = standard_record_get(code=code)
    except NotFound:
        raise Http404(code) from None
    form = StandardForm(request.POST or None, initial=StandardForm.initial_for(row))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                photo_standard_update(
                    code=code, values=form.values(), actor=viewer(request), at=now(), note=form.cleaned_data["note"]
                )
            except DomainError as exc:
                problems = exc.extra.get("problems") or []
                form.add_error(None, " ".join([exc.message, *problems]))
            else:
                messages.success(request, _("照片标准已保存"))
                return redirect("console:standard_edit", code=code)
    history = _history(request, "photo_standard", code, "photo_standard.update")
    return render(request, "console/standard_edit.html", {"row": row, "form": form, "history": history}, status=status)
