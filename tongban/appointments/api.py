"""Appointment endpoints: free slots (public), book / cancel / reschedule (citizens),
check-in (clerks)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from tongban.appointments.models import Appointment, HomeVisit, Slot
from tongban.appointments.schemas import (
    AppointmentOut,
    BookIn,
    HomeVisitCloseIn,
    HomeVisitIn,
    HomeVisitOut,
    HomeVisitScheduleIn,
    RescheduleIn,
    SessionOut,
    SlotOut,
)
from tongban.appointments.selectors import appointments_mine, slots_open
from tongban.appointments.services import (
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    appointment_reschedule,
    item_group,
)
from tongban.appointments.sessions import sessions_open
from tongban.appointments.visits import home_visit_close, home_visit_request, home_visit_schedule, home_visits_for
from tongban.common.clock import now
from tongban.common.params import Count
from tongban.common.request import viewer
from tongban.outlets.selectors import outlet_get

router = Router(tags=["appointments 预约"])


def slot_out(slot: Slot, outlet_code: str) -> dict[str, Any]:
    return {
        "id": slot.pk,
        "outlet_code": outlet_code,
        "group": slot.group,
        "start": slot.start,
        "end": slot.end,
        "capacity": slot.capacity,
        "remaining": slot.remaining,
    }


def appointment_out(a: Appointment) -> dict[str, Any]:
    return {
        "number": a.number,
        "item_code": a.item_code,
        "status": a.status,
        "outlet_code": a.outlet.code,
        "outlet_name": a.outlet.name,
        "start": a.slot.start,
        "end": a.slot.end,
        "ticket": a.ticket,
    }


@router.get("/slots", response=list[SlotOut], auth=None)
def slots(request: HttpRequest, outlet: str, item: str, days: Count = 7) -> list[dict[str, Any]]:
    """Slots with room at an outlet for an item in the next ``days`` days."""
    o = outlet_get(code=outlet)
    rows = slots_open(outlet_id=o.pk, group=item_group(item_code=item), at=now(), days=max(1, min(days, 60)))
    return [slot_out(s, o.code) for s in rows]


@router.post("/", response={201: AppointmentOut})
def book(request: HttpRequest, body: BookIn) -> Status:
    """Book a slot for an item (one active booking per person per item)."""
    appt = appointment_book(user=request.user, item_code=body.item_code, slot_id=body.slot_id, at=now())
    return Status(201, appointment_out(appt))


@router.get("/mine", response=list[AppointmentOut])
def mine(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's bookings, latest slot first."""
    return [appointment_out(a) for a in appointments_mine(user=request.user)]


@router.post("/{number}/cancel", response=AppointmentOut)
def cancel(request: HttpRequest, number: str) -> dict[str, Any]:
    """Cancel one's booking; the place goes back to the slot."""
    appt = appointment_cancel(user=request.user, number=number, at=now())
    return appointment_out(appt)


@router.post("/{number}/reschedule", response=AppointmentOut)
def reschedule(request: HttpRequest, number: str, body: RescheduleIn) -> dict[str, Any]:
    """Move one's booking to another slot for the same item."""
    return appointment_out(appointment_reschedule(user=request.user, number=number, slot_id=body.slot_id, at=now()))


@router.post("/{number}/check-in", response=AppointmentOut)
def check_in(request: HttpRequest, number: str) -> dict[str, Any]:
    """A clerk checks the citizen in at the booked outlet: returns the queue ticket."""
    return appointment_out(appointment_check_in(clerk=request.user, number=number, at=now()))


@router.get("/sessions", response=list[SessionOut], auth=None)
def sessions(request: HttpRequest, outlet: str, item: str) -> list[dict[str, Any]]:
    """专场 at an outlet for an item (next 60 days) with their free slots and, for a signed-in
    caller, whether they may book them."""
    o = outlet_get(code=outlet)
    signed_in = getattr(request.user, "is_authenticated", False)
    id_number = getattr(request.user, "id_number", "") if signed_in else ""
    offers = sessions_open(outlet_id=o.pk, group=item_group(item_code=item), at=now(), id_number=id_number or "")
    return [
        {
            "id": x.session.pk,
            "label_zh": x.session.label_zh,
            "label_en": x.session.label_en,
            "note_zh": x.session.note_zh,
            "note_en": x.session.note_en,
            "min_age": x.session.min_age,
            "max_age": x.session.max_age,
            "eligible": x.eligible if signed_in else None,
            "slots": [slot_out(s, o.code) for s in x.slots],
        }
        for x in offers
    ]


def visit_out(v: HomeVisit) -> dict[str, Any]:
    return {
        "number": v.number,
        "item_code": v.item_code,
        "outlet_code": v.outlet.code,
        "outlet_name": v.outlet.name,
        "address": v.address,
        "phone": v.phone,
        "reason": v.reason,
        "state": v.state,
        "requested_at": v.requested_at,
        "visit_at": v.visit_at,
        "done_at": v.done_at,
        "note": v.note,
    }


@router.post("/home-visits", response={201: HomeVisitOut})
def visit_request(request: HttpRequest, body: HomeVisitIn) -> Status:
    """上门办: a citizen asks an outlet that offers home visits to come for an item that allows it."""
    v = home_visit_request(user=request.user, at=now(), **body.dict())
    return Status(201, visit_out(v))


@router.get("/home-visits", response=list[HomeVisitOut])
def visit_list(request: HttpRequest, state: str = "") -> list[dict[str, Any]]:
    """The caller's home-visit requests (citizens) or the outlet's (clerks); at most 200."""
    return [visit_out(v) for v in home_visits_for(user=request.user, state=state[:12])]


@router.post("/home-visits/{number}/schedule", response=HomeVisitOut)
def visit_schedule(request: HttpRequest, number: str, body: HomeVisitScheduleIn) -> dict[str, Any]:
    """The outlet sets the visit time; the citizen is notified."""
    return visit_out(home_visit_schedule(actor=viewer(request), number=number, visit_at=body.visit_at, at=now()))


@router.post("/home-visits/{number}/close", response=HomeVisitOut)
def visit_close(request: HttpRequest, number: str, body: HomeVisitCloseIn) -> dict[str, Any]:
    """Record the visit as done (staff) or cancel it (staff with a note, or the citizen)."""
    return visit_out(home_visit_close(actor=viewer(request), number=number, done=body.done, note=body.note, at=now()))
