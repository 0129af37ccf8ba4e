"""Dog pages: the holder's licences with their violations, the officer's violation record and
report list, and the public "report a problem dog" form (anonymous allowed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.common.clock import now
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError
from tongban.common.request import client_ip, viewer
from tongban.common.roles import Role
from tongban.dogs import services as svc
from tongban.dogs.forms import CloseForm, ReportForm, ViolationForm
from tongban.dogs.models import ReportState
from tongban.dogs.selectors import reports_for, violations_mine, violations_recent

OFFICERS = (Role.APPROVER, Role.ADMIN)


@login_required
@role_required(Role.CITIZEN)
def mine(request: HttpRequest) -> HttpResponse:
    """My dog licences and the violations recorded against each."""
    return render(request, "dogs/mine.html", {"licences": violations_mine(user=request.user)})


@login_required
@role_required(*OFFICERS)
def record(request: HttpRequest) -> HttpResponse:
    """An officer records a violation against a licence (by certificate number or chip)."""
    if not svc.is_officer(request.user):
        raise PermissionDenied
    form = ViolationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            v = svc.violation_record(actor=viewer(request), now=now(), **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("已记录违规，犬主可在其犬证页面查看：%(number)s") % {"number": v.certificate.number}
            )
            return redirect("dogs:record")
    return render(request, "dogs/record.html", {"form": form, "recent": violations_recent(user=request.user)})


def report(request: HttpRequest) -> HttpResponse:
    """Anyone reports a problem dog; the station follows it up."""
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            r = svc.report_submit(reporter=request.user, client=client_ip(request), now=now(), **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return render(request, "dogs/report.html", {"form": form}, status=exc.status)
        return render(request, "dogs/report_done.html", {"report": r})
    return render(request, "dogs/report.html", {"form": form})


@login_required
@role_required(*OFFICERS)
def reports(request: HttpRequest) -> HttpResponse:
    """The station's reports: open ones to follow up, and those closed lately."""
    if not svc.is_officer(request.user):
        raise PermissionDenied
    return render(
        request,
        "dogs/reports.html",
        {
            "open": reports_for(user=request.user),
            "closed": reports_for(user=request.user, state=ReportState.CLOSED, limit=20),
            "form": CloseForm(),
        },
    )


@login_required
@role_required(*OFFICERS)
@require_POST
def report_close(request: HttpRequest, pk: int) -> HttpResponse:
    if not svc.is_officer(request.user):
        raise PermissionDenied
    form = CloseForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("请填写处理结果（不超过 300 字）"), code="note")
        svc.report_close(pk=pk, actor=viewer(request), note=form.cleaned_data["note"], now=now())
        messages.success(request, _("举报已办结"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("dogs:reports")
