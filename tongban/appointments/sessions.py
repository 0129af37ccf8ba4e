"""专场 (special sessions): appointment plans of their own at an outlet for an item group, with a
label and who may book them (e.g. 高考办证专场 for this year's college-entrance exam students).

A session's slots are ordinary slots that carry ``session``; booking one goes through
``appointment_book`` like any slot, which asks ``session_check`` here before taking a place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils.translation import gettext, ngettext

from tongban.appointments.models import Appointment, AppointmentStatus, Slot, SpecialSession
from tongban.audit.services import audit_record
from tongban.common.access import Viewer
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Conflict, Forbidden, Invalid
from tongban.common.ids import InvalidIdNumber, parse_id_number
from tongban.common.roles import Department, Role


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years of age (周岁) on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def session_eligible(session: SpecialSession, *, id_number: str, day: dt.date) -> bool:
    """Whether the holder of ``id_number`` may book the session on ``day`` (its age range, both
    ends included); a session without an age range is open to everyone."""
    if session.min_age is None and session.max_age is None:
        return True
    try:
        birth = parse_id_number(id_number).birth_date
    except InvalidIdNumber:
        return False
    age = age_on(birth, day)
    return (session.min_age is None or age >= session.min_age) and (session.max_age is None or age <= session.max_age)


def session_check(*, session_id: int, user: Any, at: dt.datetime) -> None:
    """Refuse a booking of a 专场 slot by someone outside the session. Raises Forbidden."""
    session = SpecialSession.objects.filter(pk=session_id, active=True).first()
    if session is None:
        raise Forbidden(gettext("该专场已停止预约"), code="session_closed")
    day = at.astimezone(SHANGHAI).date()
    if not session_eligible(session, id_number=getattr(user, "id_number", "") or "", day=day):
        raise Forbidden(gettext("您不符合该专场的预约条件：%(note)s") % {"note": session.note_zh}, code="not_eligible")


def special_session_create(
    *,
    outlet: Any,
    group: str,
    label_zh: str,
    label_en: str,
    note_zh: str = "",
    note_en: str = "",
    min_age: int | None = None,
    max_age: int | None = None,
    periods: list[tuple[dt.datetime, dt.datetime]],
    capacity: int,
    at: dt.datetime,
    actor: Viewer | None = None,
) -> SpecialSession:
    """Open a 专场 at ``outlet`` for ``group`` with one slot of ``capacity`` per period.
    Raises Forbidden (not an administrator), Invalid (group, labels, ages, periods, capacity)."""
    if actor is not None and getattr(actor, "role", None) != Role.ADMIN:
        raise Forbidden(gettext("只有管理员可以设置专场"))
    if group not in Department.values:
        raise Invalid(gettext("未知业务类别"), code="bad_group")
    if not label_zh.strip() or not label_en.strip():
        raise Invalid(gettext("请填写专场名称"), code="bad_label")
    if min_age is not None and max_age is not None and min_age > max_age:
        raise Invalid(gettext("年龄范围不合理"), code="bad_ages")
    if not periods or capacity < 1 or any(end <= start for start, end in periods):
        raise Invalid(gettext("专场时段不合理"), code="bad_periods")
    with transaction.atomic():
        session = SpecialSession.objects.create(
            outlet=outlet,
            group=group,
            label_zh=label_zh.strip(),
            label_en=label_en.strip(),
            note_zh=note_zh.strip(),
            note_en=note_en.strip(),
            min_age=min_age,
            max_age=max_age,
        )
        Slot.objects.bulk_create(
            [
                Slot(outlet=outlet, group=group, start=s, end=e, capacity=capacity, session=session)
                for s, e in sorted(periods)
            ]
        )
        audit_record(
            action="special_session.create",
            object_type="special_session",
            object_id=str(session.pk),
            at=at,
            actor=actor,
            data={"outlet": outlet.code, "group": group, "label": label_zh, "slots": len(periods)},
        )
    return session


@dataclass(frozen=True)
class SessionOffer:
    """A 专场 on the booking page: the session, its free future slots, and whether the viewer may
    book it."""

    session: SpecialSession
    slots: list[Slot]
    eligible: bool


def sessions_open(
    *, outlet_id: int, group: str, at: dt.datetime, id_number: str = "", days: int = 60
) -> list[SessionOffer]:
    """Active 专场 of an outlet's item group with free slots within ``days``, earliest first."""
    slots = list(
        Slot.objects.filter(
            outlet_id=outlet_id,
            group=group,
            session__active=True,
            start__gt=at,
            start__lt=at + dt.timedelta(days=days),
            booked__lt=F("capacity"),
        )
        .select_related("session")
        .order_by("start")
    )
    by_session: dict[int, list[Slot]] = {}
    for s in slots:
        assert s.session_id is not None  # filtered on the session above
        by_session.setdefault(s.session_id, []).append(s)
    offers = []
    for ss in by_session.values():
        session = ss[0].session
        assert session is not None
        offers.append(
            SessionOffer(
                session, ss, session_eligible(session, id_number=id_number, day=at.astimezone(SHANGHAI).date())
            )
        )
    return offers


def slot_delete_refusal(slot: Slot) -> str | None:
    """Why a slot may not be deleted, in words for the administrator, or None when it may.

    A slot that bookings point at stays: a live booking is someone coming to the outlet, and a
    cancelled, checked-in or missed one is the outlet's record (missed ones count toward a
    no-show ban). What stops new bookings instead is the session's "active" box or a capacity
    lowered to the places already booked."""
    counts = slot.appointments.aggregate(total=Count("pk"), live=Count("pk", filter=Q(status=AppointmentStatus.BOOKED)))
    if not counts["total"]:
        return None
    live, total = counts["live"], counts["total"]
    params = {"slot": slot.period, "n": live or total, "booked": slot.booked}
    if live:
        return (
            ngettext(
                "%(slot)s 时段已有 %(n)s 个有效预约，不能删除，以免预约群众到场无法办理。"
                "如要停止接受新预约，请把该时段的容量改为已约人数（%(booked)s），或取消勾选本专场的“启用”后保存；"
                "已预约的群众仍按预约办理，也可自行取消或改约。",
                "%(slot)s 时段已有 %(n)s 个有效预约，不能删除，以免预约群众到场无法办理。"
                "如要停止接受新预约，请把该时段的容量改为已约人数（%(booked)s），或取消勾选本专场的“启用”后保存；"
                "已预约的群众仍按预约办理，也可自行取消或改约。",
                live,
            )
            % params
        )
    return (
        ngettext(
            "%(slot)s 时段留有 %(n)s 条预约记录（已取消、已签到或爽约），记录须保留，不能删除。"
            "如要停止接受新预约，请把该时段的容量改为已约人数（%(booked)s），或取消勾选本专场的“启用”后保存。",
            "%(slot)s 时段留有 %(n)s 条预约记录（已取消、已签到或爽约），记录须保留，不能删除。"
            "如要停止接受新预约，请把该时段的容量改为已约人数（%(booked)s），或取消勾选本专场的“启用”后保存。",
            total,
        )
        % params
    )


def session_delete_refusal(session: SpecialSession) -> str | None:
    """Why a 专场 may not be deleted (bookings point at its slots; see ``slot_delete_refusal``),
    in words for the administrator, or None when it may go with its slots."""
    counts = Appointment.objects.filter(slot__session=session).aggregate(
        total=Count("pk"), live=Count("pk", filter=Q(status=AppointmentStatus.BOOKED))
    )
    if not counts["total"]:
        return None
    words = (
        "专场“%(label)s”的时段留有 %(total)s 条预约记录（其中 %(live)s 个有效预约），记录须保留，不能删除。"
        "如要停办，请取消勾选“启用”后保存：不再接受新预约，已预约的群众仍按预约办理，也可自行取消或改约。"
    )
    return ngettext(words, words, counts["total"]) % {
        "label": session.label_zh,
        "total": counts["total"],
        "live": counts["live"],
    }


def session_slot_delete(*, slot_id: int) -> None:
    """Delete a 专场's slot that no booking points at, holding its row so that a booking cannot
    slip in between the check and the delete (a booking takes its place with an UPDATE of the
    same row). Runs inside the caller's transaction: the console's save, audited there.
    Raises Conflict (bookings point at it; the message says what to do instead)."""
    with transaction.atomic():
        slot = Slot.objects.select_for_update().filter(pk=slot_id, session__isnull=False).first()
        if slot is None:
            return  # already gone
        refusal = slot_delete_refusal(slot)
        if refusal is not None:
            raise Conflict(refusal, code="slot_booked")
        slot.delete()
