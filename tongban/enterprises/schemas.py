"""Input and output shapes of the enterprise endpoints."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"


class EnterpriseOut(Schema):
    uscc: str
    name: str
    region_code: str
    my_role: str | None = None


class VehicleOut(Schema):
    plate: str
    body: str
    length_m: float
    mass_t: float


class MemberOut(Schema):
    name: str  # masked
    role: str


class PassOut(Schema):
    case_number: str
    plate: str
    truck_class: str
    hours: str
    area: str
    start_on: dt.date
    days: int


class EnterpriseDetailOut(EnterpriseOut):
    address: str
    vehicles: list[VehicleOut]
    members: list[MemberOut]
    passes: list[PassOut]


class MemberIn(Schema):
    id_number: str = Field(min_length=18, max_length=18)
    role: str = Field(pattern=r"^(admin|member)$")


class TruckPassIn(Schema):
    plates: list[str] = Field(min_length=1, max_length=50)
    start_on: dt.date
    days: int = Field(ge=1, le=366, description="the item's rules cap it (90 days today)")
    area: str = Field(min_length=1, max_length=100)


class RoadsideIn(Schema):
    token: str = Field(max_length=2000, description="the pass's QR token or link")
    road: str = Field(max_length=20, description="road class code (data/roads.yaml)")


class RoadsideOut(Schema):
    status: str
    label_zh: str
    label_en: str
    allowed: bool
    plate: str
    truck_class: str
    hours: str
    road: str
    rule: str | None = None
    window: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class LiaisonIn(Schema):
    subject: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=2000)


class ReplyIn(Schema):
    reply: str = Field(min_length=1, max_length=2000)


class LiaisonOut(Schema):
    id: int
    enterprise: str
    subject: str
    body: str
    status: str
    reply: str
    filed_at: dt.datetime
    replied_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None


class LiaisonFiguresOut(Schema):
    total: int
    resolved: int
    open: int
    resolved_share: float | None = None


class LiaisonListOut(Schema):
    figures: LiaisonFiguresOut
    items: list[LiaisonOut]
