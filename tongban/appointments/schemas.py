"""Appointment API shapes."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from tongban.common.params import RowId


class SlotOut(Schema):
    id: int
    outlet_code: str
    group: str
    start: dt.datetime
    end: dt.datetime
    capacity: int
    remaining: int


class BookIn(Schema):
    slot_id: RowId
    item_code: str


class RescheduleIn(Schema):
    slot_id: RowId


class AppointmentOut(Schema):
    number: str
    item_code: str
    status: str
    outlet_code: str
    outlet_name: str
    start: dt.datetime
    end: dt.datetime
    ticket: str


class SessionOut(Schema):
    """A 专场 with its free slots; ``eligible`` for the caller (None when not signed in)."""

    id: int
    label_zh: str
    label_en: str
    note_zh: str
    note_en: str
    min_age: int | None
    max_age: int | None
    eligible: bool | None
    slots: list[SlotOut]


class HomeVisitIn(Schema):
    item_code: str = Field(max_length=64)
    outlet_code: str = Field(max_length=32)
    address: str = Field(max_length=200)
    phone: str = Field(max_length=20)
    reason: str = Field(max_length=300)


class HomeVisitScheduleIn(Schema):
    visit_at: dt.datetime


class HomeVisitCloseIn(Schema):
    done: bool
    note: str = Field(default="", max_length=300)


class HomeVisitOut(Schema):
    number: str
    item_code: str
    outlet_code: str
    outlet_name: str
    address: str
    phone: str
    reason: str
    state: str
    requested_at: dt.datetime
    visit_at: dt.datetime | None
    done_at: dt.datetime | None
    note: str
