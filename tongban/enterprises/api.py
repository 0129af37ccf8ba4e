"""Enterprise endpoints: my enterprises and their fleets, members, truck passes for one or many
vehicles, the roadside check (traffic officers), liaison requests and their resolved share."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Path, Router

from tongban.common.clock import now
from tongban.common.errors import Forbidden
from tongban.common.masking import mask_name
from tongban.common.params import RowId
from tongban.common.request import viewer
from tongban.common.roles import Department, Role
from tongban.enterprises import selectors as sel
from tongban.enterprises import services as svc
from tongban.enterprises.models import Enterprise, LiaisonRequest, TruckPass
from tongban.enterprises.schemas import (
    USCC_PATTERN,
    EnterpriseDetailOut,
    EnterpriseOut,
    LiaisonIn,
    LiaisonListOut,
    LiaisonOut,
    MemberIn,
    PassOut,
    ReplyIn,
    RoadsideIn,
    RoadsideOut,
    TruckPassIn,
)

router = Router(tags=["enterprises 企业与车队"])

Uscc = Path(..., pattern=USCC_PATTERN, description="统一社会信用代码")


def _pass(tp: TruckPass) -> dict[str, Any]:
    return {
        "case_number": tp.case_number, "plate": tp.vehicle.plate, "truck_class": tp.truck_class, "hours": tp.hours,
        "area": tp.area, "start_on": tp.start_on, "days": tp.days,
    }  # fmt: skip


def _liaison(r: LiaisonRequest) -> dict[str, Any]:
    return {
        "id": r.pk, "enterprise": r.enterprise.name, "subject": r.subject, "body": r.body, "status": r.status,
        "reply": r.reply, "filed_at": r.filed_at, "replied_at": r.replied_at, "resolved_at": r.resolved_at,
    }  # fmt: skip


@router.get("/mine", response=list[EnterpriseOut])
def mine(request: HttpRequest) -> list[dict[str, Any]]:
    """The enterprises the caller belongs to, with their role in each."""
    out = []
    for e in sel.enterprises_mine(user=request.user).order_by("name")[:50]:
        out.append(
            {"uscc": e.uscc, "name": e.name, "region_code": e.region_code,
             "my_role": sel.member_role(user=request.user, enterprise=e)}
        )  # fmt: skip
    return out


@router.get("/e/{uscc}", response=EnterpriseDetailOut)
def detail(request: HttpRequest, uscc: str = Uscc) -> dict[str, Any]:
    """One enterprise: its registered vehicles (length in m, mass in t), members (masked names)
    and truck passes. Members see their own; staff any."""
    e: Enterprise = sel.enterprise_get(user=request.user, uscc=uscc)
    return {
        "uscc": e.uscc, "name": e.name, "region_code": e.region_code, "address": e.address,
        "my_role": sel.member_role(user=request.user, enterprise=e),
        "vehicles": [
            {"plate": v.plate, "body": v.body, "length_m": v.length_mm / 1000, "mass_t": v.gross_kg / 1000}
            for v in sel.vehicles_of(enterprise=e)[:200]
        ],
        "members": [{"name": mask_name(m.person.name), "role": m.role} for m in sel.members_of(enterprise=e)[:200]],
        "passes": [_pass(tp) for tp in sel.passes_of(user=request.user, enterprise=e)[:200]],
    }  # fmt: skip


@router.post("/e/{uscc}/members", response={201: dict[str, str]})
def member_add(request: HttpRequest, body: MemberIn, uscc: str = Uscc) -> tuple[int, dict[str, str]]:
    """An administrator adds a real-name citizen as administrator or member."""
    m = svc.membership_add(actor=viewer(request), uscc=uscc, id_number=body.id_number, role=body.role, now=now())
    return 201, {"name": mask_name(m.person.name), "role": m.role}


@router.post("/e/{uscc}/truck-passes", response={201: list[PassOut]})
def truck_passes(request: HttpRequest, body: TruckPassIn, uscc: str = Uscc) -> tuple[int, list[dict[str, Any]]]:
    """An administrator applies for truck passes for one or many registered vehicles: one case
    per vehicle, its class and hours derived from the vehicle record. All or nothing."""
    passes = svc.truck_pass_apply(
        actor=viewer(request), uscc=uscc, plates=body.plates, start_on=body.start_on, days=body.days, area=body.area,
        now=now(),
    )  # fmt: skip
    return 201, [_pass(tp) for tp in passes]


def _traffic_officer(user: Any) -> None:
    if not (
        getattr(user, "role", None) == Role.ADMIN
        or (getattr(user, "role", None) == Role.APPROVER and user.department == Department.JIAOGUAN)
    ):
        raise Forbidden(gettext("只有交管民警可以路面核查"))


@router.post("/roadside-check", response=RoadsideOut)
def roadside_check(request: HttpRequest, body: RoadsideIn) -> dict[str, Any]:
    """A traffic officer checks a pass from its QR: the signed certificate, and whether this
    vehicle may be on this road class now."""
    _traffic_officer(request.user)
    a = sel.roadside_check(user=request.user, token=body.token, road=body.road, at=now())
    return {
        "status": a.status, "label_zh": a.label_zh, "label_en": a.label_en, "allowed": a.allowed, "plate": a.plate,
        "truck_class": a.truck_class, "hours": a.hours, "road": a.road,
        "rule": a.decision.rule if a.decision else None, "window": a.decision.window if a.decision else None,
        "valid_from": a.valid_from, "valid_to": a.valid_to,
    }  # fmt: skip


def _liaison_list(qs: Any) -> dict[str, Any]:
    return {"figures": sel.liaison_figures(qs=qs), "items": [_liaison(r) for r in qs[:100]]}


@router.get("/liaison", response=LiaisonListOut)
def liaison_list(request: HttpRequest) -> dict[str, Any]:
    """Liaison requests in the caller's scope (members: their enterprises'; officers: their
    department's), newest first, with the resolved share."""
    return _liaison_list(sel.liaison_requests_for(user=request.user))


@router.post("/e/{uscc}/liaison", response={201: LiaisonOut})
def liaison_file(request: HttpRequest, body: LiaisonIn, uscc: str = Uscc) -> tuple[int, dict[str, Any]]:
    """A member files a problem with the enterprise's liaison officer."""
    r = svc.liaison_file(actor=viewer(request), uscc=uscc, subject=body.subject, body=body.body, now=now())
    return 201, _liaison(r)


@router.post("/liaison/{pk}/reply", response=LiaisonOut)
def liaison_reply(request: HttpRequest, pk: RowId, body: ReplyIn) -> dict[str, Any]:
    """The liaison officer answers an open request."""
    return _liaison(svc.liaison_reply(actor=viewer(request), pk=pk, reply=body.reply, now=now()))


@router.post("/liaison/{pk}/resolve", response=LiaisonOut)
def liaison_resolve(request: HttpRequest, pk: RowId) -> dict[str, Any]:
    """A member (or the officer) marks a replied request resolved."""
    return _liaison(svc.liaison_resolve(actor=viewer(request), pk=pk, now=now()))


@router.post("/liaison/{pk}/reopen", response=LiaisonOut)
def liaison_reopen(request: HttpRequest, pk: RowId) -> dict[str, Any]:
    """A member who is not satisfied reopens a replied request."""
    return _liaison(svc.liaison_reopen(actor=viewer(request), pk=pk, now=now()))
