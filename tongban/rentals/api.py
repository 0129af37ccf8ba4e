"""微安居 endpoints: declare and review properties, the QR poster, tenants' declarations and the
landlord's answers, hazards and their rectification, and the figures by area."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from tongban.common.clock import now
from tongban.common.masking import mask_address, mask_name
from tongban.common.params import PageNumber, RowId
from tongban.common.request import viewer
from tongban.rentals import hazards as hz
from tongban.rentals import services as svc
from tongban.rentals.limits import rental_limits
from tongban.rentals.models import Hazard, RentalProperty, Tenancy
from tongban.rentals.selectors import (
    hazard_get,
    hazards_visible,
    is_overdue,
    properties_visible,
    property_detail,
    rental_figures,
    tenancies_visible,
)
from tongban.rentals.views import poster_response

router = Router(tags=["rentals 微安居"])
PAGE = 50


class PropertyIn(Schema):
    address_id: int = Field(ge=1, le=2**31 - 1)
    rooms: int = Field(ge=1, le=200)
    capacity: int = Field(ge=1, le=1200)
    use: str = Field(default="residential", pattern=r"^(residential|collective_dormitory|commercial)$")
    certificate_no: str = Field(default="", max_length=40)


class PropertyOut(Schema):
    number: str
    state: str
    address: str
    district_code: str
    rooms: int
    capacity: int
    use: str
    ownership: str
    declared_at: dt.datetime
    reviewed_at: dt.datetime | None
    review_note: str
    station: str | None


def _property(p: RentalProperty) -> dict[str, Any]:
    return {
        "number": p.number,
        "state": p.state,
        "address": mask_address(p.address.full, 12),
        "district_code": p.district_code,
        "rooms": p.rooms,
        "capacity": p.capacity,
        "use": p.use,
        "ownership": p.ownership,
        "declared_at": p.declared_at,
        "reviewed_at": p.reviewed_at,
        "review_note": p.review_note,
        "station": p.station.name if p.station_id and p.station else None,
    }


@router.post("/properties", response={201: PropertyOut}, summary="Declare a property (出租屋申报)")
def declare(request: HttpRequest, payload: PropertyIn) -> tuple[int, dict[str, Any]]:
    p = svc.property_declare(landlord=request.user, now=now(), **payload.dict())
    return 201, _property(property_detail(user=request.user, number=p.number))


@router.get("/properties", response=list[PropertyOut], summary="Properties I may see (mine, my station's)")
def properties(request: HttpRequest, state: str = "", page: PageNumber = 1) -> list[dict[str, Any]]:
    qs = properties_visible(user=request.user).order_by("-declared_at", "-pk")
    if state:
        qs = qs.filter(state=state[:12])
    return [_property(p) for p in qs[(page - 1) * PAGE : page * PAGE]]


@router.get("/properties/{number}", response=PropertyOut, summary="One property")
def property_get(request: HttpRequest, number: str) -> dict[str, Any]:
    return _property(property_detail(user=request.user, number=number[:20]))


class ReviewIn(Schema):
    approve: bool
    note: str = Field(default="", max_length=200)


@router.post("/properties/{number}/review", response=PropertyOut, summary="Approve or refuse a declaration")
def review(request: HttpRequest, number: str, payload: ReviewIn) -> dict[str, Any]:
    svc.property_review(
        number=number[:20], actor=viewer(request), approve=payload.approve, note=payload.note, now=now()
    )
    return _property(property_detail(user=request.user, number=number[:20]))


@router.get("/properties/{number}/poster", summary="The QR poster (PDF) of an approved property")
def poster(request: HttpRequest, number: str) -> HttpResponse:
    return poster_response(request, property_detail(user=request.user, number=number[:20]))


class TenancyIn(Schema):
    token: str = Field(max_length=100, description="the signed token of the property's QR code")
    moved_in_on: dt.date


class TenancyOut(Schema):
    id: int
    property_number: str
    address: str
    tenant: str
    moved_in_on: dt.date
    moved_out_on: dt.date | None
    state: str
    dispute_note: str


def _tenancy(t: Tenancy) -> dict[str, Any]:
    return {
        "id": t.pk,
        "property_number": t.property.number,
        "address": mask_address(t.property.address.full, 12),
        "tenant": mask_name(t.tenant_person.name),
        "moved_in_on": t.moved_in_on,
        "moved_out_on": t.moved_out_on,
        "state": t.state,
        "dispute_note": t.dispute_note,
    }


def _tenancy_for(user: Any, pk: int) -> dict[str, Any]:
    return _tenancy(tenancies_visible(user=user).get(pk=pk))


@router.post("/tenancies", response={201: TenancyOut}, summary="Declare moving in (房客自主申报, from the QR token)")
def tenancy_declare(request: HttpRequest, payload: TenancyIn) -> tuple[int, dict[str, Any]]:
    t = svc.tenancy_declare(token=payload.token, tenant=request.user, moved_in_on=payload.moved_in_on, now=now())
    return 201, _tenancy_for(request.user, t.pk)


@router.get("/tenancies", response=list[TenancyOut], summary="Tenancy records I may see (租房记录)")
def tenancies(request: HttpRequest, property_number: str = "", page: PageNumber = 1) -> list[dict[str, Any]]:
    qs = tenancies_visible(user=request.user, property_number=property_number[:20] or None)
    return [_tenancy(t) for t in qs[(page - 1) * PAGE : page * PAGE]]


class AnswerIn(Schema):
    confirm: bool
    note: str = Field(default="", max_length=200)


@router.post("/tenancies/{pk}/answer", response=TenancyOut, summary="The landlord confirms or disputes")
def tenancy_answer(request: HttpRequest, pk: RowId, payload: AnswerIn) -> dict[str, Any]:
    svc.tenancy_answer(pk=pk, actor=viewer(request), confirm=payload.confirm, note=payload.note, now=now())
    return _tenancy_for(request.user, pk)


class MoveOutIn(Schema):
    moved_out_on: dt.date


@router.post("/tenancies/{pk}/move-out", response=TenancyOut, summary="The tenant declares moving out")
def tenancy_move_out(request: HttpRequest, pk: RowId, payload: MoveOutIn) -> dict[str, Any]:
    svc.tenancy_move_out(pk=pk, actor=viewer(request), moved_out_on=payload.moved_out_on, now=now())
    return _tenancy_for(request.user, pk)


class HazardIn(Schema):
    kind: str = Field(max_length=12)
    note: str = Field(max_length=300)
    working_days: int = Field(ge=1, le=366, description="at most the hazard_max_days limit")


class HazardOut(Schema):
    id: int
    property_number: str
    kind: str
    note: str
    state: str
    recorded_at: dt.datetime
    due_at: dt.datetime
    overdue: bool
    rectification_note: str
    reopened: int


def _hazard(h: Hazard) -> dict[str, Any]:
    return {
        "id": h.pk,
        "property_number": h.property.number,
        "kind": h.kind,
        "note": h.note,
        "state": h.state,
        "recorded_at": h.recorded_at,
        "due_at": h.due_at,
        "overdue": is_overdue(h, now()),
        "rectification_note": h.rectification_note,
        "reopened": h.reopened,
    }


@router.post("/properties/{number}/hazards", response={201: HazardOut}, summary="Record a hazard (房屋隐患)")
def hazard_record(request: HttpRequest, number: str, payload: HazardIn) -> tuple[int, dict[str, Any]]:
    h = hz.hazard_record(number=number[:20], actor=viewer(request), now=now(), **payload.dict())
    return 201, _hazard(hazard_get(user=request.user, pk=h.pk))


@router.get("/hazards", response=list[HazardOut], summary="Hazards I may see")
def hazards(request: HttpRequest, state: str = "", page: PageNumber = 1) -> list[dict[str, Any]]:
    qs = hazards_visible(user=request.user, state=state[:12] or None)
    return [_hazard(h) for h in qs[(page - 1) * PAGE : page * PAGE]]


class RectifyIn(Schema):
    note: str = Field(max_length=300)


@router.post("/hazards/{pk}/rectify", response=HazardOut, summary="The landlord reports rectification")
def hazard_rectify(request: HttpRequest, pk: RowId, payload: RectifyIn) -> dict[str, Any]:
    hz.hazard_rectify(pk=pk, actor=viewer(request), note=payload.note, now=now())
    return _hazard(hazard_get(user=request.user, pk=pk))


class VerdictIn(Schema):
    close: bool
    note: str = Field(default="", max_length=300)
    working_days: int | None = Field(default=None, ge=1, le=366, description="default: hazard_default_days")


@router.post("/hazards/{pk}/verdict", response=HazardOut, summary="The officer closes or reopens a hazard")
def hazard_verdict(request: HttpRequest, pk: RowId, payload: VerdictIn) -> dict[str, Any]:
    if payload.close:
        hz.hazard_close(pk=pk, actor=viewer(request), now=now())
    else:
        hz.hazard_reopen(
            pk=pk,
            actor=viewer(request),
            note=payload.note,
            working_days=payload.working_days or rental_limits().hazard_default_days,
            now=now(),
        )
    return _hazard(hazard_get(user=request.user, pk=pk))


class AreaOut(Schema):
    district_code: str
    name: str
    properties: int
    approved: int
    tenants: int
    tenants_now: int
    hazards: int
    rectified: int
    overdue: int


@router.get("/figures", response=list[AreaOut], summary="Figures by district (staff)")
def figures(request: HttpRequest) -> list[Any]:
    from tongban.common.errors import Forbidden
    from tongban.common.roles import STAFF_ROLES

    if getattr(request.user, "role", "") not in STAFF_ROLES:
        raise Forbidden(_("只有工作人员可以查看统计"), code="staff_only")
    return rental_figures(user=request.user, now=now())
