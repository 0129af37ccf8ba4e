"""上门办 pages: a citizen's request form for an item, and the list (their own requests; for an
outlet's staff, the outlet's requests with a visit time to set)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tongban.appointments.models import HomeVisitState
from tongban.appointments.visits import (
    STAFF,
    home_visit_close,
    home_visit_counts,
    home_visit_outlets,
    home_visit_request,
    home_visit_schedule,
    home_visits_for,
)
from tongban.common.clock import SHANGHAI, now
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError, Invalid, NotFound
from tongban.common.request import viewer
from tongban.common.roles import Role


class VisitRequestForm(forms.Form):
    """What a citizen gives when asking for a home visit."""

    outlet = forms.ChoiceField(label=_("办理网点"))
    address = forms.CharField(label=_("上门地址"), max_length=200)
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    reason = forms.CharField(
        label=_("申请理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：年老体弱、行动不便"),
    )


class ScheduleForm(forms.Form):
    visit_at = forms.DateTimeField(
        label=_("上门时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M"],
    )


def _item(code: str) -> object:
    from tongban.catalog.selectors import item_get

    try:
        return item_get(code=code)
    except NotFound:
        raise Http404 from None


@login_required
@role_required(Role.CITIZEN)
def visit_request(request: HttpRequest, item: str) -> HttpResponse:
    """申请上门办理 for one item: the outlets that come to homes for it, address, phone, reason."""
    spec = _item(item)
    if not getattr(spec, "home_visit", False):
        raise Http404
    outlets = list(home_visit_outlets(item_code=item))
    form = VisitRequestForm(request.POST or None)
    choice: Any = form.fields["outlet"]  # a ChoiceField (the stubs type fields as Field)
    choice.choices = [(o.code, o.name) for o in outlets]
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                visit = home_visit_request(
                    user=request.user,
                    item_code=item,
                    outlet_code=form.cleaned_data["outlet"],
                    address=form.cleaned_data["address"],
                    phone=form.cleaned_data["phone"],
                    reason=form.cleaned_data["reason"],
                    at=now(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, gettext("已提交上门办理申请，申请号 %(n)s") % {"n": visit.number})
                return redirect("appointments:visits")
        status = 400
    return render(
        request, "appointments/visit_request.html", {"item": spec, "form": form, "outlets": outlets}, status=status
    )


@login_required
@role_required(Role.CITIZEN, Role.CLERK, Role.ADMIN, Role.AUDITOR)
def visits(request: HttpRequest) -> HttpResponse:
    """A citizen's home-visit requests; for staff, the outlet's requests (filter by state)."""
    from tongban.catalog.selectors import items_list

    state = request.GET.get("state", "")
    try:
        rows = home_visits_for(user=request.user, state=state)
    except DomainError:
        rows, state = home_visits_for(user=request.user), ""
    names = {i.code: (i.name_zh, i.name_en) for i in items_list()}
    staff = getattr(request.user, "role", "") in STAFF
    return render(
        request,
        "appointments/visits.html",
        {
            "rows": [{"v": v, "item": names.get(v.item_code, (v.item_code, v.item_code))} for v in rows],
            "staff": staff,
            "counts": home_visit_counts(user=request.user) if staff else None,
            "state": state,
            "state_choices": HomeVisitState.choices,
        },
    )


@login_required
@require_POST
def visit_act(request: HttpRequest, number: str) -> HttpResponse:
    """Schedule (staff), record as done (staff) or cancel (staff with a note, or the citizen)."""
    action = request.POST.get("action", "")
    try:
        if action == "schedule":
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                raise Invalid(gettext("请选择上门时间"))
            local: dt.datetime = form.cleaned_data["visit_at"]
            visit_at = local.replace(tzinfo=None).replace(tzinfo=SHANGHAI)
            home_visit_schedule(actor=viewer(request), number=number, visit_at=visit_at, at=now())
            messages.success(request, gettext("已安排上门时间，已通知申请人"))
        elif action in ("done", "cancel"):
            note = request.POST.get("note", "")
            home_visit_close(actor=viewer(request), number=number, done=action == "done", note=note, at=now())
            messages.success(request, gettext("已办理"))
        else:
            raise Invalid(gettext("请求不完整"))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("appointments:visits")
