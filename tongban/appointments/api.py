"""Appointment endpoints: free slots (public), book / cancel / reschedule (citizens),
check-in (clerks)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from tongban.appointments.models import Appointment, Slot
from tongban.appointments.schemas import AppointmentOut, BookIn, RescheduleIn, SlotOut
from tongban.appointments.selectors import appointments_mine, slots_open
from tongban.appointments.services import (
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    appointment_reschedule,
    item_group,
)
from tongban.common.clock import now
from tongban.common.params import Count
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
