"""上门办 (home visits): a citizen asks an outlet to come to their home for an item that allows it
(``home_visit: true`` in the item's data) at an outlet that offers visits; the outlet's staff set
a time (the citizen is notified), then record the visit as done, or either side cancels it.

Services and selectors of the home visit, kept apart from the slot booking in ``services``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from tongban.appointments.models import HomeVisit, HomeVisitState
from tongban.audit.services import audit_record
from tongban.common.access import Viewer, access_filter, access_get
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound
from tongban.common.roles import Role
from tongban.notifications.services import Kind, kinds_register, notify

VISIT_KINDS = (
    Kind(
        "home_visit_scheduled",
        N_("上门办理已安排"),
        N_(
            "您申请的“%(item)s”上门办理已安排：%(outlet)s工作人员将于 %(visit_at)s 到 %(address)s 上门，申请号 %(number)s。"  # noqa: E501 (one msgid)
        ),
        ("item", "outlet", "visit_at", "address", "number"),
    ),
    Kind(
        "home_visit_cancelled",
        N_("上门办理已取消"),
        N_("您申请的“%(item)s”上门办理（申请号 %(number)s）已由%(outlet)s取消：%(note)s"),
        ("item", "outlet", "number", "note"),
    ),
)

STAFF = frozenset({Role.CLERK, Role.ADMIN})
OPEN = (HomeVisitState.REQUESTED, HomeVisitState.SCHEDULED)


def register() -> None:
    """Add the home-visit kinds to the notification kinds (idempotent)."""
    kinds_register(VISIT_KINDS)


def home_visit_outlets(*, item_code: str) -> QuerySet[Any]:
    """Active outlets that handle the item and offer home visits (上门服务)."""
    from tongban.outlets.selectors import outlets_for_item

    return outlets_for_item(item_code=item_code).filter(home_visit=True, active=True).order_by("name")


def _item(item_code: str) -> Any:
    from tongban.catalog.selectors import item_get

    return item_get(code=item_code)


def _names(item: Any) -> dict[str, str]:
    return {"zh-hans": item.name_zh, "en": item.name_en}


def home_visit_request(
    *, user: Any, item_code: str, outlet_code: str, address: str, phone: str, reason: str, at: dt.datetime
) -> HomeVisit:
    """A citizen asks ``outlet_code`` to come to ``address`` for ``item_code``. One open request
    per person and item. Raises Forbidden (not a citizen), NotFound (item, outlet), Invalid (the
    item or the outlet offers no home visits, empty address, phone or reason), Conflict (already
    requested)."""
    if getattr(user, "role", None) != Role.CITIZEN:
        raise Forbidden(gettext("只有群众可以申请上门办理"))
    item = _item(item_code)
    if not item.home_visit:
        raise Invalid(gettext("该事项不提供上门办理"), code="no_home_visit")
    address, phone, reason = address.strip(), phone.strip(), reason.strip()
    if not address or not phone or not reason:
        raise Invalid(gettext("请填写上门地址、联系电话和申请理由"), code="home_visit_incomplete")
    outlet = home_visit_outlets(item_code=item.code).filter(code=outlet_code).first()
    if outlet is None:
        raise NotFound(gettext("该网点不提供此事项的上门办理"), code="outlet_not_found")
    number = f"SM{at.astimezone(SHANGHAI):%y%m%d}{secrets.randbelow(10**8):08d}"
    try:
        with transaction.atomic():
            visit = HomeVisit.objects.create(
                number=number,
                user=user,
                outlet=outlet,
                item_code=item.code,
                address=address[:200],
                phone=phone[:20],
                reason=reason[:300],
                requested_at=at,
            )
            audit_record(
                action="home_visit.request",
                object_type="home_visit",
                object_id=number,
                at=at,
                actor=user,
                data={"item": item.code, "outlet": outlet.code},
            )
    except IntegrityError:
        raise Conflict(gettext("该事项已有上门办理申请"), code="home_visit_open") from None
    return visit


def _staff_visit(actor: Viewer, number: str) -> HomeVisit:
    if getattr(actor, "role", None) not in STAFF:
        raise Forbidden(gettext("只有网点工作人员可以安排上门"))
    qs = HomeVisit.objects.select_for_update().select_related("outlet", "user")
    return access_get(actor, qs, write=True, number=number)


def home_visit_schedule(*, actor: Viewer, number: str, visit_at: dt.datetime, at: dt.datetime) -> HomeVisit:
    """The outlet sets (or moves) the visit time; the citizen is told. Raises Forbidden (not the
    outlet's staff), NotFound, Conflict (done or cancelled), Invalid (a time in the past)."""
    with transaction.atomic():
        visit = _staff_visit(actor, number)
        if visit.state not in OPEN:
            raise Conflict(gettext("该上门申请已结束"), code="home_visit_closed")
        if visit_at.tzinfo is None or visit_at <= at:
            raise Invalid(gettext("上门时间须晚于现在"), code="visit_past")
        visit.state, visit.visit_at, visit.scheduled_by_id = HomeVisitState.SCHEDULED, visit_at, actor.pk
        visit.save(update_fields=["state", "visit_at", "scheduled_by"])
        audit_record(
            action="home_visit.schedule",
            object_type="home_visit",
            object_id=number,
            at=at,
            actor=actor,
            data={"visit_at": visit_at.isoformat()},
        )
        item = _item(visit.item_code)
        notify(
            recipient=visit.user,
            kind="home_visit_scheduled",
            key=f"{number}:{visit_at.isoformat()}",
            params={
                "item": _names(item),
                "outlet": visit.outlet.name,
                "visit_at": {"datetime": visit_at.isoformat()},
                "address": visit.address,
                "number": number,
            },
            at=at,
        )
    return visit


def home_visit_close(*, actor: Viewer, number: str, done: bool, note: str, at: dt.datetime) -> HomeVisit:
    """The outlet records the visit as done (``done``) or cancels the request with a ``note``
    (the citizen is told); a citizen may cancel their own open request. Raises Forbidden,
    NotFound, Conflict (already closed, or done before it was scheduled), Invalid (a
    cancellation without a note)."""
    note = note.strip()[:300]
    with transaction.atomic():
        if getattr(actor, "role", None) == Role.CITIZEN:
            if done:
                raise Forbidden(gettext("只有网点工作人员可以登记上门完成"))
            qs = HomeVisit.objects.select_for_update().select_related("outlet", "user")
            visit = access_get(actor, qs, write=True, number=number)
        else:
            visit = _staff_visit(actor, number)
        if visit.state not in OPEN:
            raise Conflict(gettext("该上门申请已结束"), code="home_visit_closed")
        if done and visit.state != HomeVisitState.SCHEDULED:
            raise Conflict(gettext("尚未安排上门时间"), code="home_visit_unscheduled")
        if not done and not note and actor.role != Role.CITIZEN:
            raise Invalid(gettext("请说明取消原因"), code="reason_required")
        visit.state = HomeVisitState.DONE if done else HomeVisitState.CANCELLED
        visit.done_at, visit.note = at, note
        visit.save(update_fields=["state", "done_at", "note"])
        audit_record(
            action=f"home_visit.{visit.state}",
            object_type="home_visit",
            object_id=number,
            at=at,
            actor=actor,
            data={"note": note},
        )
        if not done and actor.role != Role.CITIZEN:
            notify(
                recipient=visit.user,
                kind="home_visit_cancelled",
                key=number,
                params={
                    "item": _names(_item(visit.item_code)),
                    "outlet": visit.outlet.name,
                    "number": number,
                    "note": note,
                },
                at=at,
            )
    return visit


def home_visits_for(*, user: Any, state: str = "") -> list[HomeVisit]:
    """Home visits the user may see: a citizen's own, an outlet's requests for its staff (open
    ones first, earliest request first), at most 200."""
    qs = access_filter(user, HomeVisit.objects.select_related("outlet", "user"))
    if state:
        if state not in HomeVisitState.values:
            raise Invalid(gettext("未知状态"), code="bad_state")
        qs = qs.filter(state=state)
    if getattr(user, "role", None) == Role.CITIZEN:
        return list(qs.order_by("-requested_at")[:200])
    return list(qs.order_by("state", "requested_at")[:200])


def home_visit_counts(*, user: Any) -> dict[str, int]:
    """Home visits in the user's scope, per state (every state present, zero where none)."""
    rows = access_filter(user, HomeVisit.objects.all()).values("state").annotate(n=Count("pk"))
    counts = {s: 0 for s in HomeVisitState.values}
    counts.update({r["state"]: r["n"] for r in rows})
    return counts


def home_visit_get(*, user: Any, number: str) -> HomeVisit:
    """One home visit the user may see. Raises NotFound."""
    visit = access_filter(user, HomeVisit.objects.select_related("outlet")).filter(number=number).first()
    if visit is None:
        raise NotFound(gettext("未找到该记录"))
    return visit
