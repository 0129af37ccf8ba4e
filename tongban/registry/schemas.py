"""API shapes of registry data; personal fields leave masked unless the caller's role needs them."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


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
    id_number: str = Field(..., max_length=32)
    field: str = Field(..., description="id_number or phone")
    reason_code: str = Field(
        "", max_length=32, description="identity_check, contact_applicant, case_handling or legal_assistance"
    )
    reason: str = Field(..., max_length=500, description="what the number is needed for (at least 10 characters)")


class RevealOut(Schema):
    field: str
    value: str
