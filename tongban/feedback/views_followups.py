"""差评整改 pages: the heads' work list, one follow-up with its steps, history and appeal, and the
citizen's rating of the answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.common.clock import now
from tongban.common.errors import DomainError, NotFound
from tongban.common.request import viewer
from tongban.common.roles import Role
from tongban.feedback.followups import (
    STEPS,
    appeal_decide,
    appeal_file,
    followup_answer_rate,
    followup_step,
    may_decide_appeal,
    steps_open,
)
from tongban.feedback.forms import AnswerRateForm, AppealForm, DecisionForm, StepForm
from tongban.feedback.models import FollowUpState
from tongban.feedback.selectors import appeal_of, followup_get, followup_history, followups_list, scheme_get

STAFF = (Role.CLERK, Role.APPROVER, Role.ADMIN, Role.AUDITOR)


def _staff(request: HttpRequest) -> None:
    if getattr(request.user, "role", "") not in STAFF:
        raise Http404


@login_required
def followups(request: HttpRequest) -> HttpResponse:
    """差评整改: the follow-ups of my outlet or department (administrators: all), due first."""
    _staff(request)
    state = request.GET.get("state", "")
    overdue = request.GET.get("overdue") == "1"
    rows = followups_list(user=request.user, now=now(), state=state, overdue_only=overdue)
    role = str(getattr(request.user, "role", ""))
    head = bool(getattr(request.user, "supervisor", False)) or role in (Role.ADMIN, Role.AUDITOR)
    return render(
        request,
        "feedback/followups.html",
        {"rows": rows, "state": state, "overdue": overdue, "states": FollowUpState.choices, "head": head},
    )


def _detail(request: HttpRequest, pk: int, *, status: int = 200, error: str = "") -> HttpResponse:
    try:
        f = followup_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    appeal = appeal_of(rating_id=f.rating_id)
    user = request.user
    level = scheme_get(version=f.rating.scheme_version).level(f.rating.level)
    staff = getattr(user, "role", "") in (Role.CLERK, Role.APPROVER, Role.ADMIN)
    return render(
        request,
        "feedback/followup.html",
        {
            "f": f,
            "rating": f.rating,
            "level": level,
            "history": followup_history(followup=f),
            "steps": [(name, STEPS[name].label) for name in steps_open(f)] if staff else [],
            "appeal": appeal,
            "can_appeal": staff and appeal is None and f.rating.voided_at is None,
            "can_decide": appeal is not None
            and appeal.state == "pending"
            and may_decide_appeal(actor=viewer(request), appeal=appeal),
            "now": now(),
            "error": error,
        },
        status=status,
    )


@login_required
def followup(request: HttpRequest, pk: int) -> HttpResponse:
    """One follow-up: the 差评, what was done so far, the next step, the appeal."""
    _staff(request)
    return _detail(request, pk)


@login_required
@require_POST
def step(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    form = StepForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, status=400, error=_("请填写情况说明"))
    try:
        followup_step(
            pk=pk,
            step=form.cleaned_data["step"],
            actor=viewer(request),
            note=form.cleaned_data["note"],
            founded=form.cleaned_data["founded"],
            now=now(),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return _detail(request, pk, status=exc.status, error=exc.message)
    messages.success(request, _("已记录"))
    return redirect("feedback:followup", pk=pk)


@login_required
@require_POST
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    try:
        f = followup_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    if request.POST.get("decision"):
        form: DecisionForm | AppealForm = DecisionForm(request.POST)
        if not form.is_valid():
            return _detail(request, pk, status=400, error=_("请填写复核意见"))
        call = lambda: appeal_decide(  # noqa: E731
            rating_id=f.rating_id,
            actor=viewer(request),
            uphold=form.cleaned_data["decision"] == "uphold",
            note=form.cleaned_data["note"],
            now=now(),
        )
    else:
        form = AppealForm(request.POST)
        if not form.is_valid():
            return _detail(request, pk, status=400, error=_("请填写申诉理由"))
        call = lambda: appeal_file(  # noqa: E731
            rating_id=f.rating_id, actor=viewer(request), reason=form.cleaned_data["reason"], now=now()
        )
    try:
        call()
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return _detail(request, pk, status=exc.status, error=exc.message)
    messages.success(request, _("已记录"))
    return redirect("feedback:followup", pk=pk)


@login_required
@require_POST
def answer_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The citizen rates the answer to their 差评 (from 办件评价)."""
    form = AnswerRateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择评价等级"))
        return redirect("feedback:mine")
    try:
        followup_answer_rate(pk=pk, rater=request.user, level=form.cleaned_data["level"], now=now())
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("感谢您的评价"))
    return redirect("feedback:mine")
