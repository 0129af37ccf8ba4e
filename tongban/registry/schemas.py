"""API shapes of registry data; personal fields leave masked unless the caller's role needs them."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class HouseholdMemberOut(Schema):
    id_number: str
    name: str
    relation: str
    gender: str
    birth_date: dt.date


class PersonOut(Schema):
    id_number: str
    name: str
    gender: str
    birth_date: dt.date
    ethnicity: str
    phone: str
    hukou_region: str
    household: str | None
    address: str | None
    education: str
    members: list[HouseholdMemberOut]
    driver_licence_class: str | None
    vehicles: list[str]
    masked: bool


class LookupIn(Schema):
    id_number: str


class RevealIn(Schema):
    id_number: str
    field: str
    reason: str


class RevealOut(Schema):
    field: str
    value: str
