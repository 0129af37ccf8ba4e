"""Appointment API shapes."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

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
