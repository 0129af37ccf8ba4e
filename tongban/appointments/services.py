"""Appointment writes: slot plans and slot generation, book / cancel / reschedule, check-in,
no-shows and reminders.

Never overbooked: a booking takes its place with one conditional UPDATE (``booked = booked + 1
WHERE booked < capacity``, an ORM ``update`` with ``F``) inside the booking's transaction; the
database decides, so this holds on PostgreSQL (row lock + re-check of the WHERE) and on SQLite
(IMMEDIATE transactions serialise writers) alike, and a CHECK constraint refuses any row with
``booked > capacity`` as a second line. ``SELECT ... FOR UPDATE`` is not relied on.

What a booking reads before it writes is one plain statement (appointments/sql.py, with its
measured gain); everything else here is the ORM.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext

from tongban.appointments.models import Appointment, AppointmentStatus, QueueCounter, Slot
from tongban.appointments.plans import item_group as item_group  # re-exported
from tongban.appointments.plans import slot_periods as slot_periods  # re-exported
from tongban.appointments.plans import slot_plan_set as slot_plan_set  # re-exported
from tongban.appointments.plans import slots_generate as slots_generate  # re-exported
from tongban.appointments.plans import slots_generate_all as slots_generate_all  # re-exported
from tongban.appointments.policy import booking_policy
from tongban.appointments.reminders import _queue_reminder
from tongban.appointments.reminders import appointment_remind as appointment_remind  # re-exported
from tongban.appointments.reminders import appointments_remind_due as appointments_remind_due  # re-exported
from tongban.appointments.sessions import session_check
from tongban.appointments.sql import Standing, booking_read, slot_orm
from tongban.audit.services import audit_record
from tongban.common.access import Viewer, access_get
from tongban.common.clock import SHANGHAI
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound, TooMany
from tongban.common.roles import Department, Role

_GROUP_LETTER: dict[str, str] = {
    Department.HUZHENG: "H",
    Department.CHURUJING: "C",
    Department.JIAOGUAN: "J",
    Department.ZHIAN: "Z",
}


# --- booking ------------------------------------------------------------------------------------


def _count_attempt(key: str, timeout: int) -> int:
    """Add one to the counter ``key`` (created with ``timeout`` seconds to live) and return it,
    through the cache API (on Redis a few round trips of well under a millisecond each)."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr: count this attempt as the first
        cache.set(key, 1, timeout=timeout)
        return 1


def _rate_limit(user: Any, at: dt.datetime) -> None:
    policy = booking_policy()
    if _count_attempt(f"appt-attempts:{user.pk}:{int(at.timestamp()) // 60}", 120) > policy.attempts_per_minute:
        raise TooMany(gettext("操作过于频繁，请稍后再试"), code="rate_limited")


def _may_book(user: Any) -> None:
    if not getattr(user, "is_authenticated", False) or user.role not in (Role.CITIZEN, Role.ENTERPRISE):
        raise Forbidden(gettext("只有群众和企业用户可以预约"), code="not_citizen")


def _check_no_show_ban(standing: Standing) -> None:
    # Suspended when the window holds no_show_limit no-shows and the latest of them is less
    # than no_show_ban_days old.
    limit = booking_policy().no_show_limit
    if standing.no_shows >= limit and standing.recent_no_shows:
        n = min(standing.no_shows, limit)
        raise Forbidden(
            (gettext("近期爽约 %(n)s 次，暂停预约") % {"n": n}),
            code="no_show_ban",
        )


def _check_active(standing: Standing) -> None:
    max_active = booking_policy().max_active
    if standing.active_for_item:
        raise Conflict(gettext("该事项已有预约"), code="already_booked")
    if standing.active >= max_active:
        raise Conflict(
            (gettext("最多同时持有 %(max_active)s 个预约") % {"max_active": max_active}),
            code="too_many_active",
        )


def _lock_person(user: Viewer) -> None:
    """Hold the person's account row until the transaction ends (PostgreSQL). SQLite needs no
    lock: its write transactions (IMMEDIATE) already run one at a time."""
    if connection.features.has_select_for_update:
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


def _slot_checked(slot: Slot | None, item_code: str, at: dt.datetime) -> Slot:
    """The slot, checked to exist, to be in the future, of the item's group and at an active
    outlet that handles the item (``handles``, read with it). Raises NotFound, Conflict, Invalid."""
    if slot is None:
        raise NotFound(gettext("没有该时段"), code="slot_not_found")
    if slot.start <= at:
        raise Conflict(gettext("该时段已开始或已过"), code="slot_past")
    if slot.group != item_group(item_code=item_code):
        raise Invalid(gettext("该时段不办理此事项"), code="wrong_group")
    if not getattr(slot, "handles", False):  # read with the slot (appointments.sql)
        raise Invalid(gettext("该网点不能办理此事项"), code="outlet_cannot")
    return slot


def _take_place(slot_id: int) -> None:
    # The one place a slot fills: the database compares and increments in one statement.
    if not Slot.objects.filter(pk=slot_id, booked__lt=F("capacity")).update(booked=F("booked") + 1):
        raise Conflict(gettext("该时段已约满"), code="slot_full")


def _give_back(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _number(at: dt.datetime) -> str:
    return f"YY{at.astimezone(SHANGHAI):%y%m%d}{secrets.randbelow(10**8):08d}"


def appointment_book(*, user: Any, item_code: str, slot_id: int, at: dt.datetime) -> Appointment:
    """Book ``slot_id`` for ``item_code``. One transaction: take a place in the slot, store
    the appointment, one audit row; a reminder is queued after commit.

    Raises Forbidden (not a citizen, no-show ban), TooMany (rate limit), NotFound (slot, item),
    Invalid (slot not for this item), Conflict (slot full or past, already booked for this
    item, too many active bookings)."""
    _may_book(user)
    with transaction.atomic():
        # One booking at a time per person: the person's standing is read after taking their
        # lock, so simultaneous requests cannot all pass max_active on the same count (the probe
        # held 5 bookings with a limit of 3). The per-item rule is also the partial unique
        # index one_active_booking_per_item, which the INSERT below runs into.
        _lock_person(user)
        standing, found = booking_read(user_pk=user.pk, item_code=item_code, slot_id=slot_id, at=at)
        _check_no_show_ban(standing)
        _rate_limit(user, at)
        slot = _slot_checked(found, item_code, at)
        if slot.session_id is not None:
            session_check(session_id=slot.session_id, user=user, at=at)  # 专场: eligible people only
        _check_active(standing)
        _take_place(slot.pk)
        try:
            appt = Appointment.objects.create(
                number=_number(at),
                user=user,
                slot=slot,
                outlet=slot.outlet,
                item_code=item_code,
                status=AppointmentStatus.BOOKED,
                created_at=at,
            )
        except IntegrityError:
            # A concurrent request of the same person won the partial unique index; raising
            # out of the atomic block rolls the place taken above back with it.
            raise Conflict(gettext("该事项已有预约"), code="already_booked") from None
        audit_record(
            action="appointment.book",
            object_type="appointment",
            object_id=appt.number,
            at=at,
            actor=user,
            data={"slot": slot.pk, "item": item_code, "outlet": slot.outlet.code},
        )
        transaction.on_commit(lambda: _queue_reminder(appt.number, slot.start, at))
    return appt


def _owned(user: Any, number: str) -> Appointment:
    # Acting on a booking (cancel, reschedule) is write access: an auditor reads every booking
    # and changes none (the access matrix found an auditor cancelling a citizen's booking).
    return access_get(user, Appointment.objects.select_related("slot", "outlet"), write=True, number=number)


def appointment_cancel(*, user: Any, number: str, at: dt.datetime) -> Appointment:
    """Cancel a booking (its owner, up to ``cancel_before_minutes`` before the start); the
    place goes back to the slot. Raises NotFound, Conflict."""
    appt = _owned(user, number)
    if appt.slot.start - dt.timedelta(minutes=booking_policy().cancel_before_minutes) <= at:
        raise Conflict(gettext("距开始时间太近，不能取消"), code="too_late")
    with transaction.atomic():
        changed = Appointment.objects.filter(pk=appt.pk, status=AppointmentStatus.BOOKED).update(
            status=AppointmentStatus.CANCELLED, cancelled_at=at
        )
        if changed != 1:
            raise Conflict(gettext("该预约不能取消"), code="not_booked")
        _give_back(appt.slot_id)
        audit_record(action="appointment.cancel", object_type="appointment", object_id=number, at=at, actor=user)
    # What the conditional UPDATE stored, without reading the row back.
    appt.status, appt.cancelled_at = AppointmentStatus.CANCELLED, at
    return appt


def appointment_reschedule(*, user: Any, number: str, slot_id: int, at: dt.datetime) -> Appointment:
    """Move a booking to another slot (same item; any outlet that handles it) in one
    transaction: the new place is taken before the old is given back. Raises NotFound,
    Invalid, Conflict, TooMany."""
    _rate_limit(user, at)
    appt = _owned(user, number)
    if appt.status != AppointmentStatus.BOOKED:
        raise Conflict(gettext("该预约不能改约"), code="not_booked")
    if appt.slot.start - dt.timedelta(minutes=booking_policy().cancel_before_minutes) <= at:
        raise Conflict(gettext("距开始时间太近，不能改约"), code="too_late")
    if slot_id == appt.slot_id:
        return appt
    new = _slot_checked(slot_orm(slot_id=slot_id, item_code=appt.item_code), appt.item_code, at)
    if new.session_id is not None:
        session_check(session_id=new.session_id, user=user, at=at)
    old_slot = appt.slot_id
    with transaction.atomic():
        _take_place(new.pk)
        if (
            Appointment.objects.filter(pk=appt.pk, status=AppointmentStatus.BOOKED, slot_id=old_slot).update(
                slot_id=new.pk, outlet_id=new.outlet_id, reminded_at=None
            )
            != 1
        ):
            raise Conflict(gettext("该预约已变化，请刷新"), code="not_booked")
        _give_back(old_slot)
        audit_record(
            action="appointment.reschedule",
            object_type="appointment",
            object_id=number,
            at=at,
            actor=user,
            data={"from": old_slot, "to": new.pk},
        )
        transaction.on_commit(lambda: _queue_reminder(number, new.start, at))
    appt.slot, appt.outlet, appt.reminded_at = new, new.outlet, None  # as stored, not read back
    return appt


# --- at the outlet ------------------------------------------------------------------------------


def appointment_check_in(*, clerk: Any, number: str, at: dt.datetime) -> Appointment:
    """The clerk checks the citizen in at the outlet: the booking becomes a queue ticket for
    the workbench. Only at the booked outlet, from ``check_in_early_minutes`` before the start
    to ``check_in_late_minutes`` after the end. Raises NotFound (other outlet), Conflict."""
    if getattr(clerk, "role", None) != Role.CLERK:
        raise Forbidden(gettext("只有窗口受理员可以签到"), code="not_clerk")
    appt = access_get(clerk, Appointment.objects.select_related("slot"), number=number)
    # each refusal says what the clerk at the desk does next
    if appt.status == AppointmentStatus.CHECKED_IN:
        raise Conflict(gettext("该预约已签到，排队号 %(ticket)s") % {"ticket": appt.ticket}, code="not_booked")
    if appt.status != AppointmentStatus.BOOKED:
        raise Conflict(
            gettext("该预约%(status)s，不能签到。请群众重新预约，或直接在窗口工作台受理。")
            % {"status": appt.get_status_display()},
            code="not_booked",
        )
    policy = booking_policy()
    if not (
        appt.slot.start - dt.timedelta(minutes=policy.check_in_early_minutes)
        <= at
        <= appt.slot.end + dt.timedelta(minutes=policy.check_in_late_minutes)
    ):
        start, end = appt.slot.start.astimezone(SHANGHAI), appt.slot.end.astimezone(SHANGHAI)
        raise Conflict(
            gettext(
                "不在签到时间内：该预约时段为 %(day)s %(start)s–%(end)s，可在开始前 %(early)s 分钟至结束后 "
                "%(late)s 分钟内签到。已错过的，请群众改约，或直接在窗口工作台受理。"
            )
            % {
                "day": start.date().isoformat(),
                "start": start.strftime("%H:%M"),
                "end": end.strftime("%H:%M"),
                "early": policy.check_in_early_minutes,
                "late": policy.check_in_late_minutes,
            },
            code="check_in_window",
        )
    day = at.astimezone(SHANGHAI).date()
    with transaction.atomic():
        QueueCounter.objects.get_or_create(outlet_id=appt.outlet_id, day=day)
        QueueCounter.objects.filter(outlet_id=appt.outlet_id, day=day).update(last=F("last") + 1)
        n = QueueCounter.objects.get(outlet_id=appt.outlet_id, day=day).last
        ticket = f"{_GROUP_LETTER.get(appt.slot.group, 'X')}{n:03d}"
        if (
            Appointment.objects.filter(pk=appt.pk, status=AppointmentStatus.BOOKED).update(
                status=AppointmentStatus.CHECKED_IN, checked_in_at=at, ticket=ticket
            )
            != 1
        ):
            raise Conflict(gettext("该预约不能签到"), code="not_booked")
        audit_record(
            action="appointment.check_in",
            object_type="appointment",
            object_id=number,
            at=at,
            actor=clerk,
            data={"ticket": ticket},
        )
    appt.status, appt.checked_in_at, appt.ticket = AppointmentStatus.CHECKED_IN, at, ticket  # as stored
    return appt


def appointments_mark_no_shows(*, at: dt.datetime) -> int:
    """Bookings still unchecked ``no_show_grace_minutes`` after their slot ended become
    no-shows (they keep their place in the slot's count). Returns how many."""
    cutoff = at - dt.timedelta(minutes=booking_policy().no_show_grace_minutes)
    with transaction.atomic():
        numbers = list(
            Appointment.objects.filter(status=AppointmentStatus.BOOKED, slot__end__lte=cutoff).values_list(
                "number", flat=True
            )
        )
        n = Appointment.objects.filter(number__in=numbers, status=AppointmentStatus.BOOKED).update(
            status=AppointmentStatus.NO_SHOW
        )
        if n:
            audit_record(
                action="appointment.no_show", object_type="appointment", object_id="batch", at=at, data={"count": n}
            )
    return n
