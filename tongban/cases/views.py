"""Case pages: apply (form generated from the item's schema), my cases, a case, the receipt,
the approvers' queue with bulk actions. Views translate input and call services and selectors."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.audit.reads import audit_staff_read
from tongban.cases.actions import case_actions, case_answers, confirm_needed, name_materials_en
from tongban.cases.forms import ActForm, form_data, schema_form_class
from tongban.cases.listing import list_rows
from tongban.cases.machine import QUEUE
from tongban.cases.models import Status
from tongban.cases.selectors import (
    case_detail,
    case_flag_counts,
    case_get,
    case_queue,
    cases_handover,
    cases_mine,
    item_spec,
    materials_resolve,
)
from tongban.cases.services import case_accept, case_material_provide, case_submit, case_transition
from tongban.cases.uploads import discard_uploads, material_upload_check, store_upload, upload_check
from tongban.catalog.selectors import item_precheck
from tongban.common.clock import now
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError, NotFound
from tongban.common.params import page_or_first
from tongban.common.ratelimit import submit_rate_reached
from tongban.common.request import viewer
from tongban.common.roles import Department, Role
from tongban.registry.selectors import region_name

CITIZENS = (Role.CITIZEN, Role.ENTERPRISE)
STAFF = (Role.CLERK, Role.APPROVER, Role.ADMIN, Role.AUDITOR)


def _problem(form: Any, exc: DomainError) -> None:
    form.add_error(None, exc.message)
    for err in exc.extra.get("errors", []):
        field = err.get("field")
        if field in form.fields:
            form.add_error(field, err.get("message"))


@login_required
@role_required(*CITIZENS)
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """网上申请: the item's form, the materials checklist (what is on file), uploads for the rest."""
    try:
        item = item_spec(code=code)
    except NotFound:
        raise Http404 from None
    form_class = schema_form_class(item.form_schema)
    at = now()
    materials = materials_resolve(item=item, id_number=request.user.id_number or "", at=at)  # type: ignore[union-attr]
    precheck = item_precheck(spec=item, id_number=request.user.id_number or "", at=at)[0]  # type: ignore[union-attr]
    status = 200
    token = request.POST.get("submit_token", "") if request.method == "POST" else uuid.uuid4().hex
    form = form_class(request.POST or None)
    if request.method == "POST":
        try:  # before any file is stored; counted by case_submit unless the token was used (a replay)
            submit_rate_reached(who=request.user.pk, at=at)
        except DomainError as exc:
            _problem(form, exc)
        presented: list[str] = []
        uploads: dict[str, str] = {}
        # Stored only for an otherwise valid form, removed on refusal or replay (issue 16 #7).
        files = {
            m.code: (m, f) for m in materials if m.state == "missing" and (f := request.FILES.get(f"material_{m.code}"))
        }
        for m, f in files.values():
            try:
                upload_check(f)
            except ValueError as exc:
                form.add_error(None, f"{m.name_zh}: {exc}")
        for m, f in files.values() if form.is_valid() and token else ():
            try:
                uploads[m.code] = store_upload(f=f, user_pk=request.user.pk, token=token, code=m.code, at=at)
                presented.append(m.code)
            except DomainError as exc:
                _problem(form, exc)
        if form.is_valid() and token:
            try:
                result = case_submit(
                    actor=viewer(request),
                    item_code=item.code,
                    form=form_data(form),
                    channel="online",
                    now=at,
                    presented=presented,
                    files=uploads,
                    idempotency_key=f"form:{token[:60]}",
                    expedited=request.POST.get("expedited") == "1",
                    rate_limited=True,
                )
            except DomainError as exc:
                _problem(form, exc)
            else:
                if not result.created:
                    discard_uploads(uploads.values())
                else:
                    messages.success(
                        request,
                        _("申请已提交，办件编号 %(number)s。办理进度可在本页和“我的消息”查看。")
                        % {"number": result.case.number},
                    )
                return redirect("cases:detail", number=result.case.number)
        discard_uploads(uploads.values())
        status = 400
    return render(
        request,
        "cases/apply.html",
        {
            "item": item,
            "form": form,
            "materials": materials,
            "token": token,
            "online": "online" in item.channels,
            "precheck": precheck,
        },
        status=status,
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的办件: status and deadline of each case, newest first."""
    page = cases_mine(user=request.user, now=now(), page=page_or_first(request.GET.get("page")))
    return render(request, "cases/mine.html", {"rows": list_rows(page), "page": page}, using="jinja2")


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """One case: status, countdown, materials with provenance, history, and the caller's actions."""
    response = _detail(request, number)
    audit_staff_read(actor=viewer(request), object_type="case", object_id=number, at=now(), channel="page")
    return response


def _detail(request: HttpRequest, number: str, *, status: int = 200, error: str = "") -> HttpResponse:
    try:
        case = case_get(user=request.user, number=number)
    except NotFound:
        raise Http404 from None
    d = case_detail(user=request.user, case=case, now=now())
    d["actions"] = case_actions(case=case, user=request.user, allowed=d["allowed"])
    d["answers"] = case_answers(case, d["materials"], staff=bool(getattr(request.user, "is_staff_role", False)))
    d["region_name"] = region_name(case.handling_region)
    d["can_verify"] = getattr(request.user, "role", "") in (Role.CLERK, Role.APPROVER, Role.ADMIN)
    d["error"] = error
    d["can_upload"] = case.status not in (
        Status.COMPLETED,
        Status.WITHDRAWN,
        Status.REVOKED,
        Status.DENIED,
        Status.REFUSED_AT_INTAKE,
    )
    return render(request, "cases/detail.html", d, status=status)


@login_required
@require_POST
def act(request: HttpRequest, number: str) -> HttpResponse:
    """A move from the case page (accept, refuse, withdraw, resubmit, review, decide, revoke)."""
    form = ActForm(request.POST)
    if not form.is_valid():
        return _detail(request, number, status=400, error=_("请求不完整"))
    to, reason = form.cleaned_data["to"], form.cleaned_data["reason"]
    if (confirm := confirm_needed(request, number, to)) is not None:
        return confirm
    try:
        if to == Status.ACCEPTED:
            case_accept(number=number, actor=viewer(request), now=now(), commitment=form.cleaned_data["commitment"])
        else:
            case_transition(
                number=number,
                to=to,
                actor=viewer(request),
                now=now(),
                reason=reason,
                materials=request.POST.getlist("materials") if to == Status.SUPPLEMENT_REQUESTED else (),
            )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return _detail(request, number, status=exc.status, error=exc.message)
    messages.success(request, _("已办理"))
    return redirect("cases:detail", number=number)


@login_required
@require_POST
def material(request: HttpRequest, number: str) -> HttpResponse:
    """Hand in a missing or promised material (supplement or 告知承诺)."""
    code = request.POST.get("code", "")
    f = request.FILES.get("file")
    if f is None:
        return _detail(request, number, status=400, error=_("请选择文件"))
    path = ""
    try:
        # Checked before anything is stored (issue 16 finding 7); a refusal after storing deletes.
        material_upload_check(user=request.user, number=number, code=code)
        at = now()
        path = store_upload(f=f, user_pk=request.user.pk, token=number, code=code, at=at)
        case_material_provide(number=number, code=code, actor=viewer(request), now=at, file=path)
        path = ""
    except ValueError as exc:
        return _detail(request, number, status=400, error=str(exc))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return _detail(request, number, status=exc.status, error=exc.message)
    finally:
        discard_uploads([path])
    messages.success(request, _("材料已提交"))
    return redirect("cases:detail", number=number)


@login_required
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    """受理回执: printable acceptance receipt with the case number and the deadline."""
    try:
        case = case_get(user=request.user, number=number)
    except NotFound:
        raise Http404 from None
    if case.accepted_at is None:
        raise Http404
    d = case_detail(user=request.user, case=case, now=now())
    name_materials_en(case, d["materials"])
    audit_staff_read(
        actor=viewer(request), object_type="case", object_id=number, at=now(), channel="page", what="receipt"
    )
    return render(request, "cases/receipt.html", d)


@login_required
@role_required(Role.APPROVER, Role.CLERK, Role.ADMIN)
def queue(request: HttpRequest) -> HttpResponse:
    """审批队列: the department's open cases, most urgent first, with SLA countdowns; for a clerk,
    本网点在办办件: the open cases of their outlet (accept an online application handled here, follow
    the ones accepted here), without the approvers' tick boxes."""
    status = request.GET.get("status", "")
    status = status if status in QUEUE else ""
    page = case_queue(user=request.user, now=now(), page=page_or_first(request.GET.get("page")), status=status)
    user = viewer(request)
    table = {
        "rows": list_rows(page, submitted=False),  # the queue shows deadlines, not submission times
        "page": page,
        "status": status,
        "target": "#queue-rows",
        "bulk": user.role == Role.APPROVER,  # the tick boxes serve the approvers' bulk actions only
    }
    if request.META.get("HTTP_HX_REQUEST"):  # the rows and pager alone, for htmx to swap in
        # without the request: a partial has no frame (and must not take the page's flash messages)
        return HttpResponse(render_to_string("cases/partials/queue_table.html", table, using="jinja2"))
    outlet = getattr(request.user, "outlet", None) if user.role == Role.CLERK else None
    context = {
        **table,
        "states": [(s, str(Status(s).label)) for s in QUEUE],
        # a clerk's are the open cases of their outlet: nothing to approve there
        "title": _("本网点在办办件") if user.role == Role.CLERK else _("审批队列"),
        "outlet": outlet.name if outlet is not None else "",
        "department": _department_name(user.department),
        "queue_url": request.path,  # this page (its filter reloads the rows in place)
        "bulk_url": reverse("cases:bulk"),
    }
    return render(request, "cases/queue.html", context, using="jinja2")


@login_required
@role_required(Role.CLERK, Role.ADMIN)
def handover(request: HttpRequest) -> HttpResponse:
    """待交付结果: the results issued (已出证) waiting to be handed over at the clerk's outlet, the
    longest waiting first; each row opens the case, where the hand-over is confirmed (确认已交付).
    A list, like the queue: opening a case is the audited read."""
    page = cases_handover(user=request.user, now=now(), page=page_or_first(request.GET.get("page")))
    outlet = getattr(request.user, "outlet", None)
    context = {"rows": list_rows(page), "page": page, "outlet": outlet.name if outlet is not None else ""}
    return render(request, "cases/handover.html", context, using="jinja2")


def _department_name(code: str) -> str:
    """The department's name (户政...), or nothing for a staff member without a known one."""
    try:
        return str(Department(code).label)
    except ValueError:
        return ""


@login_required
@role_required(Role.APPROVER)
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Approve or start reviewing the ticked cases; each is its own transaction."""
    to = request.POST.get("to", "")
    numbers = list(dict.fromkeys(request.POST.getlist("numbers")))[:100]
    if to not in ("in_review", "approved") or not numbers:
        messages.error(request, _("请选择办件和操作"))
        return redirect("cases:queue")
    done, refused = 0, []
    at = now()
    for number in numbers:
        try:
            case_transition(number=number, to=to, actor=viewer(request), now=at)
            done += 1
        except DomainError as exc:
            refused.append(f"{number}: {exc.message}")
    messages.success(request, _("已办理 %(n)d 件") % {"n": done})
    for line in refused:
        messages.error(request, line)
    return redirect("cases:queue")


def intake(request: HttpRequest) -> HttpResponse:
    """Window intake lives on the clerk workbench (web:workbench); this name redirects there."""
    return redirect("web:workbench")


@login_required
@role_required(*STAFF)
def flags(request: HttpRequest) -> HttpResponse:
    """便民服务统计: 加急 and 敬老帮办 cases per item in the viewer's scope over the last ``days``."""
    try:
        days = min(max(int(request.GET.get("days", "30")), 1), 366)
    except ValueError:
        days = 30
    until = now()
    rows = case_flag_counts(user=request.user, since=until - dt.timedelta(days=days), until=until)
    totals = {k: sum(r[k] for r in rows) for k in ("cases", "expedited", "elder_help")}
    return render(
        request, "cases/flags.html", {"rows": rows, "totals": totals, "days": days, "day_choices": (7, 30, 90, 365)}
    )
