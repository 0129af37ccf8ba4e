"""Enterprise writes: members, truck passes for a fleet, liaison requests. Each write is one
transaction with one audit row per changed object; callers pass ``now``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from tongban.audit.services import audit_record
from tongban.common.access import Viewer
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound
from tongban.common.formatting import join_list
from tongban.common.roles import Department, Role
from tongban.enterprises.models import (
    Enterprise,
    FleetVehicle,
    LiaisonRequest,
    LiaisonStatus,
    MemberRole,
    Membership,
    TruckPass,
)
from tongban.enterprises.roads import class_name, hours_text

TRUCK_PASS_ITEM = "truck_pass"  # noqa: S105 (an item code, not a secret)
MAX_VEHICLES_PER_APPLICATION = 50


def _membership(*, actor: Viewer, uscc: str, admin: bool) -> Membership:
    """The actor's membership of the enterprise. Raises NotFound (not a member) or Forbidden
    (a member where an administrator is needed)."""
    person_id = getattr(actor, "person_id", None)
    if getattr(actor, "role", None) not in (Role.CITIZEN, Role.ENTERPRISE) or person_id is None:
        raise Forbidden(gettext("只有企业的实名成员可以办理"))
    m = Membership.objects.select_related("enterprise", "person").filter(enterprise__uscc=uscc, person_id=person_id)
    membership = m.first()
    if membership is None:
        raise NotFound(gettext("未找到该企业"))
    if admin and membership.role != MemberRole.ADMIN:
        raise Forbidden(gettext("只有企业管理员可以办理"), code="not_admin")
    return membership


def membership_add(*, actor: Viewer, uscc: str, id_number: str, role: str, now: dt.datetime) -> Membership:
    """An administrator adds a real-name citizen (by ID number, from the registry) as an
    administrator or member. Raises Forbidden, NotFound, Invalid (unknown person or role),
    Conflict (already a member)."""
    from tongban.registry.selectors import person_by_id_number

    if role not in MemberRole.values:
        raise Invalid(gettext("身份无效"), code="role", field="role")
    own = _membership(actor=actor, uscc=uscc, admin=True)
    person = person_by_id_number(id_number=id_number)
    if person is None:
        raise Invalid(gettext("共享库中没有此人"), code="no_person", field="id_number")
    with transaction.atomic():
        if Membership.objects.filter(enterprise=own.enterprise, person=person).exists():
            raise Conflict(gettext("此人已是企业成员"), code="member_exists")
        membership = Membership.objects.create(enterprise=own.enterprise, person=person, role=role, added_at=now)
        audit_record(
            action="enterprise.member_add",
            object_type="enterprise",
            object_id=own.enterprise.uscc,
            at=now,
            actor=actor,
            data={"membership": membership.pk, "role": role},
        )
    return membership


def _pass_form(*, vehicle: FleetVehicle, start_on: dt.date, days: int, area: str) -> dict[str, Any]:
    return {
        "plate": vehicle.plate,
        "body": vehicle.body,
        "length_mm": vehicle.length_mm,
        "gross_kg": vehicle.gross_kg,
        "start_on": start_on.isoformat(),
        "days": days,
        "area": area,
    }


def truck_pass_apply(
    *, actor: Viewer, uscc: str, plates: list[str], start_on: dt.date, days: int, area: str, now: dt.datetime
) -> list[TruckPass]:
    """An enterprise administrator applies for passes for one or many of the enterprise's trucks:
    one truck-pass case per vehicle (the catalog item is one plate per application), its form
    filled from the vehicle record, never typed. The class and the hours (derived by the item's
    rules and the road table, both data) are printed on the pass. All or nothing.

    Raises Forbidden/NotFound (not an administrator), Invalid (no plates, a plate not registered
    to the enterprise, the form or eligibility refused by the item)."""
    from tongban.cases.services import case_submit
    from tongban.catalog.selectors import item_check_for, item_get

    own = _membership(actor=actor, uscc=uscc, admin=True)
    wanted = list(dict.fromkeys(p.strip().upper() for p in plates if p.strip()))
    if not wanted:
        raise Invalid(gettext("请选择车辆"), code="no_vehicle", field="plates")
    if len(wanted) > MAX_VEHICLES_PER_APPLICATION:
        raise Invalid(
            gettext("一次最多申请%(n)s辆") % {"n": MAX_VEHICLES_PER_APPLICATION},
            code="too_many_vehicles",
            field="plates",
        )
    vehicles = {v.plate: v for v in FleetVehicle.objects.filter(enterprise=own.enterprise, plate__in=wanted)}
    unknown = [p for p in wanted if p not in vehicles]
    if unknown:
        raise Invalid(
            gettext("以下车辆未登记在本企业名下：%(plates)s") % {"plates": join_list(unknown)},
            code="vehicle_not_registered",
            field="plates",
            plates=unknown,
        )
    item = item_get(code=TRUCK_PASS_ITEM)
    passes = []
    with transaction.atomic():
        for plate in wanted:
            vehicle = vehicles[plate]
            form = _pass_form(vehicle=vehicle, start_on=start_on, days=days, area=area)
            check = item_check_for(spec=item, id_number=own.person.id_number, form=form, at=now)
            truck_class = str(check["derived"].get("truck_class") or "medium")
            night = str(check["derived"].get("night_all_roads") or "")
            hours = hours_text(truck_class=truck_class, night_window=night)
            form |= {"vehicle_class": class_name(truck_class)[0], "hours": hours, "operator": own.enterprise.name}
            submitted = case_submit(actor=actor, item_code=TRUCK_PASS_ITEM, form=form, channel="online", now=now)
            tp = TruckPass.objects.create(
                case_number=submitted.case.number,
                enterprise=own.enterprise,
                vehicle=vehicle,
                applied_by=own.person,
                truck_class=truck_class,
                night_window=night,
                hours=hours,
                area=area,
                start_on=start_on,
                days=days,
                applied_at=now,
                department=Department.JIAOGUAN,
            )
            audit_record(
                action="truck_pass.apply",
                object_type="truck_pass",
                object_id=tp.case_number,
                at=now,
                actor=actor,
                data={"enterprise": own.enterprise.uscc, "plate": plate, "class": truck_class},
            )
            passes.append(tp)
    return passes


# --- liaison requests (项目警长 / 驻企联络员) ---------------------------------------------------


def liaison_file(*, actor: Viewer, uscc: str, subject: str, body: str, now: dt.datetime) -> LiaisonRequest:
    """A member files a problem with the enterprise's liaison officer. Raises Forbidden/NotFound, Invalid."""
    own = _membership(actor=actor, uscc=uscc, admin=False)
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise Invalid(gettext("请填写问题和描述"), code="empty")
    with transaction.atomic():
        req = LiaisonRequest.objects.create(
            enterprise=own.enterprise,
            filed_by=own.person,
            subject=subject[:100],
            body=body[:2000],
            officer=own.enterprise.liaison,
            filed_at=now,
        )
        _audit(req, "liaison.file", actor, now)
    return req


def _audit(req: LiaisonRequest, action: str, actor: Viewer, now: dt.datetime) -> None:
    audit_record(
        action=action, object_type="liaison_request", object_id=str(req.pk), at=now, actor=actor,
        data={"status": req.status, "enterprise": req.enterprise.uscc},
    )  # fmt: skip


def _locked(*, pk: int) -> LiaisonRequest:
    req = LiaisonRequest.objects.select_for_update().select_related("enterprise").filter(pk=pk).first()
    if req is None:
        raise NotFound(gettext("未找到该记录"))
    return req


def _officer(actor: Viewer, req: LiaisonRequest) -> None:
    """The liaison officer of the enterprise, any approver of the request's department, or an administrator."""
    role = getattr(actor, "role", None)
    if role == Role.ADMIN:
        return
    if role == Role.APPROVER and (actor.department == req.department or req.enterprise.liaison_id == actor.pk):
        return
    raise NotFound(gettext("未找到该记录"))


def liaison_reply(*, actor: Viewer, pk: int, reply: str, now: dt.datetime) -> LiaisonRequest:
    """The officer answers an open (or reopened) request. Raises NotFound, Invalid, Conflict."""
    reply = reply.strip()
    if not reply:
        raise Invalid(gettext("请填写答复"), code="empty", field="reply")
    with transaction.atomic():
        req = _locked(pk=pk)
        _officer(actor, req)
        if req.status != LiaisonStatus.OPEN:
            raise Conflict(gettext("该问题不在待答复状态"), code="state")
        req.status, req.reply, req.officer_id, req.replied_at = LiaisonStatus.REPLIED, reply[:2000], actor.pk, now
        req.save(update_fields=["status", "reply", "officer", "replied_at"])
        _audit(req, "liaison.reply", actor, now)
    return req


def liaison_resolve(*, actor: Viewer, pk: int, now: dt.datetime) -> LiaisonRequest:
    """The enterprise (a member) accepts the reply, or the officer closes it: replied → resolved.
    Raises NotFound, Conflict."""
    with transaction.atomic():
        req = _locked(pk=pk)
        _member_or_officer(actor, req)
        if req.status != LiaisonStatus.REPLIED:
            raise Conflict(gettext("只有已答复的问题可以办结"), code="state")
        req.status, req.resolved_at = LiaisonStatus.RESOLVED, now
        req.save(update_fields=["status", "resolved_at"])
        _audit(req, "liaison.resolve", actor, now)
    return req


def liaison_reopen(*, actor: Viewer, pk: int, now: dt.datetime) -> LiaisonRequest:
    """A member is not satisfied with the reply: replied → open. Raises NotFound, Conflict."""
    with transaction.atomic():
        req = _locked(pk=pk)
        _membership(actor=actor, uscc=req.enterprise.uscc, admin=False)
        if req.status != LiaisonStatus.REPLIED:
            raise Conflict(gettext("只有已答复的问题可以重新提出"), code="state")
        req.status, req.replied_at = LiaisonStatus.OPEN, None
        req.save(update_fields=["status", "replied_at"])
        _audit(req, "liaison.reopen", actor, now)
    return req


def _member_or_officer(actor: Viewer, req: LiaisonRequest) -> None:
    if getattr(actor, "role", None) in (Role.CITIZEN, Role.ENTERPRISE):
        _membership(actor=actor, uscc=req.enterprise.uscc, admin=False)
    else:
        _officer(actor, req)


def enterprise_liaison_assign(*, enterprise: Enterprise, officer: Any, actor: Viewer | None, now: dt.datetime) -> None:
    """Name an approver as the enterprise's liaison officer (set-up and demo)."""
    with transaction.atomic():
        enterprise.liaison = officer
        enterprise.save(update_fields=["liaison"])
        audit_record(
            action="enterprise.liaison_assign", object_type="enterprise", object_id=enterprise.uscc, at=now,
            actor=actor, data={"officer": getattr(officer, "pk", None)},
        )  # fmt: skip
