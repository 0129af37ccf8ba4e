"""Enterprise pages: my enterprises; one enterprise (fleet, passes for many vehicles at once,
members, liaison requests); the roadside check for traffic officers; the liaison officer's list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.common.clock import SHANGHAI, now
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError, NotFound
from tongban.common.ids import InvalidIdNumber, parse_id_number
from tongban.common.masking import mask_name
from tongban.common.params import bounded_int
from tongban.common.request import viewer
from tongban.common.roles import Role
from tongban.enterprises import selectors as sel
from tongban.enterprises import services as svc
from tongban.enterprises.models import Body, MemberRole
from tongban.enterprises.roads import class_name

CITIZENS = (Role.CITIZEN, Role.ENTERPRISE)


@login_required
@role_required(*CITIZENS)
def mine(request: HttpRequest) -> HttpResponse:
    """我的企业: the enterprises I belong to."""
    rows = [
        {"e": e, "role": sel.member_role(user=request.user, enterprise=e)}
        for e in sel.enterprises_mine(user=request.user).order_by("name")[:50]
    ]
    return render(request, "enterprises/mine.html", {"rows": rows})


@login_required
@role_required(*CITIZENS)
def detail(request: HttpRequest, uscc: str) -> HttpResponse:
    """One enterprise: its fleet with the pass application (administrators), passes, members,
    liaison requests."""
    return _detail_page(request, uscc)


def _detail_page(request: HttpRequest, uscc: str, *, status: int = 200, **extra: Any) -> HttpResponse:
    """The enterprise page; a refused form comes back with its error beside it and what was typed
    (``extra``: member_error/member_draft, liaison_error/liaison_draft)."""
    try:
        e = sel.enterprise_get(user=request.user, uscc=uscc)
    except NotFound as exc:
        raise Http404 from exc
    role = sel.member_role(user=request.user, enterprise=e)
    bodies = dict(Body.choices)
    vehicles = [
        {"v": v, "body": bodies.get(v.body, v.body), "length_m": v.length_mm / 1000, "mass_t": v.gross_kg / 1000}
        for v in sel.vehicles_of(enterprise=e)[:200]
    ]
    passes = [{"p": p, "class": class_name(p.truck_class)} for p in sel.passes_of(user=request.user, enterprise=e)[:50]]
    requests = sel.liaison_requests_for(user=request.user, enterprise=e)
    return render(
        request,
        "enterprises/detail.html",
        {
            "e": e,
            "is_admin": role == MemberRole.ADMIN,
            "role": role,
            "vehicles": vehicles,
            "passes": passes,
            "members": [{"name": mask_name(m.person.name), "m": m} for m in sel.members_of(enterprise=e)[:100]],
            "requests": list(requests[:20]),
            "figures": sel.liaison_figures(qs=requests),
            "today": now().astimezone(SHANGHAI).date() + dt.timedelta(days=1),
            "en": (get_language() or "").startswith("en"),
            **extra,
        },
        status=status,
    )


@login_required
@role_required(*CITIZENS)
@require_POST
def apply_passes(request: HttpRequest, uscc: str) -> HttpResponse:
    """Apply for passes for the ticked vehicles."""
    try:
        start_on = dt.date.fromisoformat(request.POST.get("start_on", ""))
    except ValueError:
        messages.error(request, _("请填写起始日期"))
        return redirect("enterprises:detail", uscc=uscc)
    try:
        passes = svc.truck_pass_apply(
            actor=viewer(request),
            uscc=uscc,
            plates=request.POST.getlist("plates")[:60],
            start_on=start_on,
            days=bounded_int(request.POST.get("days"), default=90, high=366),
            area=request.POST.get("area", "")[:100],
            now=now(),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提交 %(n)s 辆车的通行码申请，1个工作日内办结") % {"n": len(passes)})
    return redirect("enterprises:detail", uscc=uscc)


@login_required
@role_required(*CITIZENS)
@require_POST
def add_member(request: HttpRequest, uscc: str) -> HttpResponse:
    draft = {"id_number": request.POST.get("id_number", "").strip().upper()[:24], "role": request.POST.get("role", "")}
    try:
        # a mistyped number is told as such, not as "no such person in the registry"
        id_number = parse_id_number(draft["id_number"]).number
    except InvalidIdNumber as exc:
        return _detail_page(request, uscc, status=400, member_error=_(exc.message_zh), member_draft=draft)
    try:
        svc.membership_add(actor=viewer(request), uscc=uscc, id_number=id_number, role=draft["role"], now=now())
    except DomainError as exc:
        return _detail_page(request, uscc, status=exc.status, member_error=exc.message, member_draft=draft)
    else:
        messages.success(request, _("已添加成员"))
    # the form posts to its own #anchor (a refusal shows beside it); the success message is at the top
    return redirect(reverse("enterprises:detail", kwargs={"uscc": uscc}) + "#main")


@login_required
@role_required(*CITIZENS)
@require_POST
def file_request(request: HttpRequest, uscc: str) -> HttpResponse:
    draft = {"subject": request.POST.get("subject", "")[:100], "body": request.POST.get("body", "")[:2000]}
    try:
        svc.liaison_file(actor=viewer(request), uscc=uscc, subject=draft["subject"], body=draft["body"], now=now())
    except DomainError as exc:
        return _detail_page(request, uscc, status=exc.status, liaison_error=exc.message, liaison_draft=draft)
    else:
        messages.success(request, _("问题已提交给驻企联络员"))
    # the form posts to its own #anchor (a refusal shows beside it); the success message is at the top
    return redirect(reverse("enterprises:detail", kwargs={"uscc": uscc}) + "#main")


@login_required
@require_POST
def request_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Reply (officer), resolve (member or officer) or reopen (member) a liaison request."""
    try:
        if step == "reply":
            r = svc.liaison_reply(actor=viewer(request), pk=pk, reply=request.POST.get("reply", "")[:2000], now=now())
        elif step == "resolve":
            r = svc.liaison_resolve(actor=viewer(request), pk=pk, now=now())
        else:
            r = svc.liaison_reopen(actor=viewer(request), pk=pk, now=now())
    except DomainError as exc:
        messages.error(request, exc.message)
        r = None
    if getattr(request.user, "role", None) in CITIZENS:
        if r is not None:
            return redirect("enterprises:detail", uscc=r.enterprise.uscc)
        return redirect("enterprises:mine")
    return redirect("enterprises:liaison")


@login_required
@role_required(Role.APPROVER, Role.ADMIN)
def liaison(request: HttpRequest) -> HttpResponse:
    """驻企联络: the officer's requests, open first, with the resolved share."""
    qs = sel.liaison_requests_for(user=request.user)
    rows: list[Any] = list(qs.order_by("status", "-filed_at")[:50])
    return render(request, "enterprises/liaison.html", {"rows": rows, "figures": sel.liaison_figures(qs=qs)})


def _traffic_officer(user: Any) -> bool:
    return user.role == Role.ADMIN or (user.role == Role.APPROVER and user.department == "jiaoguan")


@login_required
@role_required(Role.APPROVER, Role.ADMIN)
def roadside(request: HttpRequest) -> HttpResponse:
    """路面核查: scan or paste a pass's QR, choose the road class; the verdict for now."""
    if not _traffic_officer(request.user):
        raise PermissionDenied
    roads = sel.roads()
    token = (request.POST.get("t") or request.GET.get("t") or "")[:2000]
    road = request.POST.get("road") or request.GET.get("road") or roads[0]["code"]
    answer = None
    at = now()
    if token:
        answer = sel.roadside_check(user=request.user, token=token, road=road, at=at)
    return render(
        request,
        "enterprises/roadside.html",
        {
            "roads": roads,
            "road": road,
            "token": token,
            "answer": answer,
            "at": at.astimezone(SHANGHAI),
            "en": (get_language() or "").startswith("en"),
        },
    )
