"""微安居 pages: my rentals (landlord and tenant), declaring a property, a property's page (the
station's review and hazards), the QR poster, the tenant's phone page opened from the QR code,
the answers on tenancies and hazards, the station's work list and the figures."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.common.clock import local_today, now
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError, NotFound
from tongban.common.masking import mask_address
from tongban.common.request import viewer
from tongban.common.roles import STAFF_ROLES, Department, Role
from tongban.rentals import hazards as hz
from tongban.rentals import services as svc
from tongban.rentals.bulletins import notices_for
from tongban.rentals.forms import DeclareForm, HazardForm, MoveInForm, MoveOutForm, RectifyForm, ReviewForm
from tongban.rentals.limits import rental_limits
from tongban.rentals.models import PropertyState, RentalProperty
from tongban.rentals.selectors import (
    hazard_get,
    labelled,
    properties_mine,
    property_detail,
    rental_figures,
    station_work,
    tenancies_as_tenant,
    tenancies_visible,
)

STAFF = tuple(STAFF_ROLES)


def _is_officer(user: Any) -> bool:
    return user.role == Role.ADMIN or (user.role == Role.APPROVER and user.department == Department.ZHIAN)


def _photo(request: HttpRequest) -> bytes | None:
    f = request.FILES.get("photo")
    if f is None:
        return None
    if f.size and f.size > hz.PHOTO_MAX_BYTES:
        raise DomainError(_("照片不能超过 2 MB"), code="photo")
    return f.read()


def poster_response(request: HttpRequest, prop: RentalProperty) -> HttpResponse:
    """The QR poster PDF of a property the caller may read (409 before approval)."""
    from tongban.rentals.poster import poster_pdf

    token = svc.property_token(prop)
    url = request.build_absolute_uri(reverse("rentals:scan", kwargs={"token": token}))
    pdf = poster_pdf(
        url=url,
        number=_("房屋编号 %(number)s") % {"number": prop.number},
        address=mask_address(prop.address.full, 12),
        station=prop.station.name if prop.station else "",
        title=_("出租房屋 · 房客扫码申报"),
        lines=[
            _("入住本房屋的房客请用手机扫描二维码，登录后申报入住和搬离。"),
            _("申报由房东确认，信息只用于居住登记。"),
        ],
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="rental-{prop.number}.pdf"'
    return response


@login_required
@role_required(Role.CITIZEN)
def mine(request: HttpRequest) -> HttpResponse:
    """我的出租屋 and 租房记录: the landlord's properties with tenants and open hazards, and the
    tenant's own records."""
    at = now()
    return render(
        request,
        "rentals/mine.html",
        {
            "properties": properties_mine(user=request.user),
            "stays": tenancies_as_tenant(user=request.user),
            "notices": notices_for(user=request.user),
            "now": at,
            "today": local_today(at),
        },
    )


@login_required
@role_required(Role.CITIZEN)
def declare(request: HttpRequest) -> HttpResponse:
    """出租屋申报: find the address in the registry, then rooms, capacity and ownership."""
    from tongban.registry.addresses import address_get, address_search, household_address_id

    q = request.GET.get("q", "")[:60]
    user: Any = request.user
    home_id = household_address_id(person_id=user.person_id) if user.person_id else None
    form = DeclareForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                prop = svc.property_declare(landlord=request.user, now=now(), **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("申报已提交，等待派出所审核"))
                return redirect("rentals:property", number=prop.number)
        status = 400
    picked = form.data.get("address_id") or request.GET.get("address_id", "")
    chosen = address_get(pk=int(picked)) if str(picked).isdigit() and len(str(picked)) < 10 else None
    context = {
        "form": form,
        "q": q,
        "results": address_search(text=q) if q else [],
        "home": address_get(pk=home_id) if home_id else None,
        "chosen": chosen,
    }
    return render(request, "rentals/declare.html", context, status=status)


def _load(request: HttpRequest, number: str) -> RentalProperty:
    try:
        return property_detail(user=request.user, number=number[:20])
    except NotFound:
        raise Http404 from None


@login_required
def property_page(request: HttpRequest, number: str) -> HttpResponse:
    """A property: state, tenants, hazards; the officer reviews it and records hazards here, the
    landlord downloads the poster or stops letting it."""
    prop = _load(request, number)
    officer = _is_officer(request.user)
    review, hazard = ReviewForm(), HazardForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "review" and officer:
                review = ReviewForm(request.POST)
                if review.is_valid():
                    approve = review.cleaned_data["decision"] == "approve"
                    svc.property_review(
                        number=prop.number,
                        actor=viewer(request),
                        approve=approve,
                        note=review.cleaned_data["note"],
                        now=now(),
                    )
                    messages.success(request, _("已审核"))
                    return redirect("rentals:property", number=prop.number)
            elif action == "hazard" and officer:
                hazard = HazardForm(request.POST, request.FILES)
                if hazard.is_valid():
                    data = {k: hazard.cleaned_data[k] for k in ("kind", "note", "working_days")}
                    hz.hazard_record(
                        number=prop.number, actor=viewer(request), photo=_photo(request), now=now(), **data
                    )
                    messages.success(request, _("隐患已登记并推送给房东"))
                    return redirect("rentals:property", number=prop.number)
            elif action == "close" and getattr(request.user, "role", "") == Role.CITIZEN:
                svc.property_close(number=prop.number, actor=viewer(request), now=now())
                messages.success(request, _("已停止出租，房屋二维码失效"))
                return redirect("rentals:property", number=prop.number)
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
        prop = _load(request, number)
    at = now()
    tenancies = labelled(sorted(prop.tenancies.all(), key=lambda t: (t.moved_in_on, t.pk), reverse=True))
    context = {
        "prop": prop,
        "tenancies": tenancies,
        "hazards": list(prop.hazards.all()),
        "officer": officer,
        "landlord": prop.landlord_id == request.user.pk,
        "review": review,
        "hazard_form": hazard,
        "limits": rental_limits() if officer else None,
        "now": at,
        "scan_url": request.build_absolute_uri(reverse("rentals:scan", kwargs={"token": svc.property_token(prop)}))
        if prop.state == PropertyState.APPROVED
        else "",
    }
    return render(request, "rentals/property.html", context)


@login_required
def poster(request: HttpRequest, number: str) -> HttpResponse:
    """The QR poster of an approved property (PDF)."""
    prop = _load(request, number)
    try:
        return poster_response(request, prop)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("rentals:property", number=prop.number)


@login_required
def scan(request: HttpRequest, token: str) -> HttpResponse:
    """房客自主申报: the page a tenant's phone opens from the QR code."""
    prop, problem = None, ""
    try:
        prop = svc.property_from_token(token)
    except DomainError as exc:
        problem = exc.message
    form = MoveInForm(request.POST or None, initial={"moved_in_on": local_today(now())})
    status = 200 if prop else 400
    if request.method == "POST" and prop is not None:
        if form.is_valid():
            try:
                svc.tenancy_declare(
                    token=token, tenant=request.user, moved_in_on=form.cleaned_data["moved_in_on"], now=now()
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("入住申报已提交，等待房东确认"))
                return redirect("rentals:mine")
        status = 400
    context = {
        "prop": prop,
        "problem": problem,
        "form": form,
        "address": mask_address(prop.address.full, 12) if prop else "",
    }
    return render(request, "rentals/scan.html", context, status=status)


@login_required
@require_POST
def tenancy(request: HttpRequest, pk: int) -> HttpResponse:
    """The landlord confirms or disputes a declaration; the tenant declares moving out."""
    action = request.POST.get("action", "")
    try:
        t = tenancies_visible(user=request.user).filter(pk=pk).first()
        if t is None:
            raise Http404
        if action in ("confirm", "dispute"):
            svc.tenancy_answer(
                pk=pk, actor=viewer(request), confirm=action == "confirm", note=request.POST.get("note", ""), now=now()
            )
            messages.success(request, _("已答复房客申报"))
        elif action == "move_out":
            form = MoveOutForm(request.POST)
            if not form.is_valid():
                raise DomainError(_("请填写搬离日期"), code="moved_out_on")
            svc.tenancy_move_out(
                pk=pk, actor=viewer(request), moved_out_on=form.cleaned_data["moved_out_on"], now=now()
            )
            messages.success(request, _("搬离申报已提交"))
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    back = request.POST.get("back", "")
    return redirect(back if back.startswith("/rentals/") else reverse("rentals:mine"))


@login_required
@require_POST
def hazard(request: HttpRequest, pk: int) -> HttpResponse:
    """The landlord reports rectification; the officer closes or reopens the hazard."""
    try:
        h = hazard_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    action = request.POST.get("action", "")
    try:
        if action == "rectify":
            form = RectifyForm(request.POST, request.FILES)
            if not form.is_valid():
                raise DomainError(_("请说明整改情况（不超过 300 字）"), code="note")
            hz.hazard_rectify(
                pk=pk, actor=viewer(request), note=form.cleaned_data["note"], photo=_photo(request), now=now()
            )
            messages.success(request, _("整改情况已上报，等待民警复查"))
        elif action == "close":
            hz.hazard_close(pk=pk, actor=viewer(request), now=now())
            messages.success(request, _("隐患已销号"))
        elif action == "reopen":
            days = request.POST.get("working_days", "") or str(rental_limits().hazard_default_days)
            days_n = int(days) if days.isdigit() and len(days) < 4 else 0
            hz.hazard_reopen(
                pk=pk, actor=viewer(request), note=request.POST.get("note", ""), working_days=days_n, now=now()
            )
            messages.success(request, _("已退回整改并通知房东"))
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    if getattr(request.user, "role", "") == Role.CITIZEN:
        return redirect("rentals:mine")
    return redirect("rentals:property", number=h.property.number)


@login_required
@role_required(Role.APPROVER, Role.CLERK, Role.ADMIN, Role.AUDITOR)
def station(request: HttpRequest) -> HttpResponse:
    """The station's work: declarations to review, rectifications to check, overdue hazards."""
    at = now()
    return render(
        request,
        "rentals/station.html",
        {"work": station_work(user=request.user, now=at), "now": at, "officer": _is_officer(request.user)},
    )


@login_required
@role_required(*STAFF)
def figures(request: HttpRequest) -> HttpResponse:
    """Figures by district: properties, tenants, hazards pushed / rectified / overdue."""
    rows = rental_figures(user=request.user, now=now())
    totals = {
        k: sum(getattr(r, k) for r in rows)
        for k in ("properties", "approved", "tenants", "tenants_now", "hazards", "rectified", "overdue")
    }
    return render(request, "rentals/figures.html", {"rows": rows, "totals": totals})
