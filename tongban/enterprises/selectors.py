"""Enterprise reads: the caller's enterprises, fleets and passes, liaison requests and their
resolved share, and the roadside check of a pass."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from tongban.common.access import access_filter, access_get
from tongban.common.clock import SHANGHAI
from tongban.common.errors import NotFound
from tongban.enterprises.models import (
    Enterprise,
    FleetVehicle,
    LiaisonRequest,
    LiaisonStatus,
    Membership,
    TruckPass,
)
from tongban.enterprises.roads import RoadDecision, class_name, road_allowed, road_table


def enterprises_for(*, user: Any) -> QuerySet[Enterprise]:
    """The enterprises the user may see (a citizen: those they belong to)."""
    return access_filter(user, Enterprise.objects.all()).distinct()


def enterprises_mine(*, user: Any) -> QuerySet[Enterprise]:
    """The enterprises the user is a member of (none for staff)."""
    person_id = getattr(user, "person_id", None)
    if person_id is None or not getattr(user, "is_authenticated", False):
        return Enterprise.objects.none()
    return Enterprise.objects.filter(memberships__person_id=person_id).distinct()


def enterprise_get(*, user: Any, uscc: str) -> Enterprise:
    """One enterprise by credit code, in the user's scope. Raises NotFound."""
    return access_get(user, Enterprise.objects.all(), uscc=uscc)


def member_role(*, user: Any, enterprise: Enterprise) -> str | None:
    """The user's role in the enterprise (admin, member) or None."""
    person_id = getattr(user, "person_id", None)
    if person_id is None:
        return None
    return Membership.objects.filter(enterprise=enterprise, person_id=person_id).values_list("role", flat=True).first()


def members_of(*, enterprise: Enterprise) -> QuerySet[Membership]:
    return enterprise.memberships.select_related("person").order_by("role", "added_at")


def vehicles_of(*, enterprise: Enterprise) -> QuerySet[FleetVehicle]:
    return enterprise.vehicles.order_by("plate")


def passes_of(*, user: Any, enterprise: Enterprise) -> QuerySet[TruckPass]:
    return access_filter(user, TruckPass.objects.filter(enterprise=enterprise).select_related("vehicle")).distinct()


def liaison_requests_for(*, user: Any, enterprise: Enterprise | None = None) -> QuerySet[LiaisonRequest]:
    """Requests in the user's scope (members: their enterprises'; approvers: their department's)."""
    qs = LiaisonRequest.objects.select_related("enterprise")
    if enterprise is not None:
        qs = qs.filter(enterprise=enterprise)
    return access_filter(user, qs).distinct()


def liaison_figures(*, qs: QuerySet[LiaisonRequest]) -> dict[str, Any]:
    """Problems filed, resolved, open, and the resolved share (percent, one decimal; None when none)."""
    got = qs.order_by().aggregate(
        total=Count("pk", distinct=True),
        resolved=Count("pk", filter=Q(status=LiaisonStatus.RESOLVED), distinct=True),
        open=Count("pk", filter=Q(status=LiaisonStatus.OPEN), distinct=True),
    )
    total, resolved = got["total"], got["resolved"]
    share = round(100 * resolved / total, 1) if total else None
    return {"total": total, "resolved": resolved, "open": got["open"], "resolved_share": share}


@dataclass
class RoadsideAnswer:
    """What the roadside page shows: the certificate verdict, and for a genuine pass in date,
    whether the vehicle may be on this road class now."""

    status: str  # the certificate verdict (genuine, revoked, expired, ...) or not_a_pass / not_started
    label_zh: str
    label_en: str
    plate: str = ""
    truck_class: str = ""
    class_zh: str = ""
    class_en: str = ""
    hours: str = ""
    operator: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    road: str = ""
    decision: RoadDecision | None = None
    facts: list[Any] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.status == "genuine" and self.decision is not None and self.decision.allowed


def roads() -> list[dict[str, str]]:
    """The road classes an officer chooses from (data)."""
    return list(road_table()["roads"])


def roadside_check(*, user: Any, token: str, road: str, at: dt.datetime) -> RoadsideAnswer:
    """Verify a pass's signed certificate (signature, revocation, validity, stored facts), then
    decide for this road class at this local time by the rule the pass was issued with."""
    from tongban.certificates.core.token import find_token
    from tongban.certificates.selectors import certificate_get
    from tongban.certificates.services import certificate_verify

    raw = (token or "").strip()[:2000]
    result = certificate_verify(token=find_token(raw) or raw, at=at, actor=user, channel="roadside")
    answer = RoadsideAnswer(
        status=str(result.status), label_zh=result.label_zh, label_en=result.label_en, road=road, facts=result.facts
    )
    if result.claims is None or str(result.status) != "genuine":
        return answer
    if result.claims.template != "TP":
        answer.status, answer.label_zh, answer.label_en = "not_a_pass", "不是货车通行码", "Not a truck pass"
        return answer
    try:
        cert = certificate_get(user=user, number=result.claims.number)
        tp = TruckPass.objects.select_related("vehicle", "enterprise").get(case_number=cert.case_number)
    except (NotFound, TruckPass.DoesNotExist):
        answer.status, answer.label_zh, answer.label_en = "not_a_pass", "未找到通行码记录", "No pass on record"
        return answer
    local = at.astimezone(SHANGHAI)
    answer.plate, answer.truck_class, answer.hours = tp.vehicle.plate, tp.truck_class, tp.hours
    answer.class_zh, answer.class_en = class_name(tp.truck_class)
    answer.operator = tp.enterprise.name
    answer.valid_from, answer.valid_to = tp.start_on, tp.start_on + dt.timedelta(days=tp.days - 1)
    if local.date() < tp.start_on:
        answer.status, answer.label_zh, answer.label_en = "not_started", "通行码尚未生效", "The pass is not valid yet"
        return answer
    if local.date() > answer.valid_to:
        answer.status, answer.label_zh, answer.label_en = "expired", "通行码已过期", "The pass has expired"
        return answer
    answer.decision = road_allowed(
        truck_class=tp.truck_class, night_window=tp.night_window, road=road, local_time=local.time()
    )
    return answer
