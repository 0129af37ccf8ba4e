"""Appointment pages: book a slot, my appointments (cancel, reschedule), clerk check-in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from tongban.appointments.selectors import (
    appointment_for,
    appointments_mine,
    queue_today,
    slots_by_day,
    slots_open,
)
from tongban.appointments.services import (
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    appointment_reschedule,
    item_group,
)
from tongban.appointments.sessions import sessions_open
from tongban.common.clock import now
from tongban.common.decorators import role_required
from tongban.common.errors import DomainError, NotFound
from tongban.common.roles import Role
from tongban.outlets.selectors import outlet_get, outlet_nearest, outlets_for_item


def _item_name(code: str) -> str:
    from tongban.catalog.selectors import item_get

    try:
        return item_get(code=code).name_zh
    except DomainError:
        return code


def _slot_choice(request: HttpRequest, item: str, outlet_code: str) -> dict[str, Any]:
    outlet = outlet_get(code=outlet_code)
    if not outlets_for_item(item_code=item).filter(pk=outlet.pk).exists() or not outlet.bookable:
        raise NotFound(gettext("该网点不能预约此事项"), code="outlet_cannot")
    at, group = now(), item_group(item_code=item)
    slots = slots_open(outlet_id=outlet.pk, group=group, at=at, days=14)
    id_number = getattr(request.user, "id_number", "") or ""
    sessions = sessions_open(outlet_id=outlet.pk, group=group, at=at, id_number=id_number)
    return {
        "outlet": outlet,
        "item": item,
        "item_name": _item_name(item),
        "days": slots_by_day(slots),
        "sessions": sessions,
    }


@login_required
def book(request: HttpRequest) -> HttpResponse:
    """Choose a slot at an outlet for an item (GET ?item=&outlet=) and book it (POST)."""
    item = request.GET.get("item") or request.POST.get("item", "")
    outlet_code = request.GET.get("outlet") or request.POST.get("outlet", "")
    try:
        context = _slot_choice(request, item, outlet_code)
    except DomainError as exc:
        return render(request, "appointments/book.html", {"error": exc.message, "item": item}, status=exc.status)
    if request.method == "POST":
        try:
            appt = appointment_book(
                user=request.user, item_code=item, slot_id=int(request.POST.get("slot", "0")), at=now()
            )
        except (DomainError, ValueError) as exc:
            context["error"] = exc.message if isinstance(exc, DomainError) else gettext("请选择时段")
            return render(
                request, "appointments/book.html", context, status=exc.status if isinstance(exc, DomainError) else 400
            )
        messages.success(request, (gettext("预约成功，预约号 %(number)s") % {"number": appt.number}))
        return redirect("appointments:mine")
    return render(request, "appointments/book.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My appointments, with cancel and reschedule."""
    from tongban.catalog.selectors import items_list

    names = {i.code: i.name_zh for i in items_list()}
    rows = [{"a": a, "item_name": names.get(a.item_code, a.item_code)} for a in appointments_mine(user=request.user)]
    return render(request, "appointments/mine.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, number: str) -> HttpResponse:
    """GET asks first (what is cancelled, with a way back); POST cancels."""
    if request.method == "GET":
        appt = appointment_for(user=request.user, number=number)
        if appt is None:
            return render(request, "appointments/book.html", {"error": gettext("未找到该预约")}, status=404)
        context = {"a": appt, "item_name": _item_name(appt.item_code)}
        return render(request, "appointments/cancel_confirm.html", context)
    try:
        appointment_cancel(user=request.user, number=number, at=now())
        messages.success(request, (gettext("已取消预约 %(number)s") % {"number": number}))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("appointments:mine")


@login_required
def reschedule(request: HttpRequest, number: str) -> HttpResponse:
    """Pick another slot (same outlet) for a booking."""
    appt = appointment_for(user=request.user, number=number)
    if appt is None:
        return render(request, "appointments/book.html", {"error": gettext("未找到该预约")}, status=404)
    context = _slot_choice(request, appt.item_code, appt.outlet.code) | {"reschedule": appt}
    if request.method == "POST":
        try:
            appointment_reschedule(
                user=request.user, number=number, slot_id=int(request.POST.get("slot", "0")), at=now()
            )
        except (DomainError, ValueError) as exc:
            context["error"] = exc.message if isinstance(exc, DomainError) else gettext("请选择时段")
            return render(request, "appointments/book.html", context, status=400)
        messages.success(request, (gettext("已改约 %(number)s") % {"number": number}))
        return redirect("appointments:mine")
    return render(request, "appointments/book.html", context)


def book_for_item(request: HttpRequest, item: str) -> HttpResponse:
    """一键导办: the next free slots at the nearest bookable outlets for an item (htmx partial)."""
    at = now()
    rows = []
    try:
        group = item_group(item_code=item)
        nearest = outlet_nearest(
            item_code=item,
            lat=float(request.GET.get("lat", 30.2741)),
            lng=float(request.GET.get("lng", 120.1551)),
            k=10,
            at=at,
        )
        for o in [o for o in nearest if o["bookable"]][:3]:
            rows.append({"outlet": o, "slots": slots_open(outlet_id=o["id"], group=group, at=at, days=7)[:3]})
    except (DomainError, ValueError):
        rows = []
    return render(request, "appointments/partials/book_for_item_list.html", {"item": item, "rows": rows})


@login_required
@role_required(Role.CLERK)
def check_in(request: HttpRequest) -> HttpResponse:
    """The clerk's check-in desk: a booking number becomes a queue ticket; today's queue."""
    at = now()
    if request.method == "POST":
        number = request.POST.get("number", "").strip()[:40]
        try:
            appt = appointment_check_in(clerk=request.user, number=number, at=at)
            messages.success(request, (gettext("签到成功，排队号 %(ticket)s") % {"ticket": appt.ticket}))
        except NotFound:
            # another outlet's booking is not found either: say so, and what to do instead
            messages.error(
                request,
                gettext(
                    "本网点没有预约号为 %(number)s 的预约。请核对号码；预约在其他网点的，请到该网点签到；"
                    "没有预约的，可直接在窗口工作台受理。"
                )
                % {"number": number or "—"},
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("appointments:check_in")
    outlet_id = getattr(request.user, "outlet_id", None)
    queue = queue_today(outlet_id=outlet_id, at=at) if outlet_id else []
    return render(request, "appointments/check_in.html", {"queue": queue})
