"""房屋隐患 writes: an officer records a hazard (pushed to the landlord with a deadline in working
days), the landlord reports rectification, the officer closes or reopens it; overdue hazards
are reminded once per deadline (or every few days, as the limits say).

Each public service is one transaction with one audit row; time is a parameter (``now``).
"""

from __future__ import annotations

import datetime as dt
import io

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.common.access import Viewer, access_get
from tongban.common.clock import SHANGHAI, local_today
from tongban.common.errors import Conflict, Forbidden, Invalid
from tongban.common.roles import Role
from tongban.notifications.services import notify
from tongban.rentals.limits import rental_limits
from tongban.rentals.models import Hazard, HazardKind, HazardState, PropertyState
from tongban.rentals.services import both, property_for_officer
from tongban.workdays.calendar import add_working_days
from tongban.workdays.selectors import calendar_get

PHOTO_MAX_BYTES = 2 * 1024 * 1024
NOTE_MAX = 300


def _photo(data: bytes | None) -> bytes | None:
    """A JPEG or PNG of at most 2 MB, or None. Raises Invalid otherwise."""
    if not data:
        return None
    if len(data) > PHOTO_MAX_BYTES:
        raise Invalid(_("照片不能超过 2 MB"), code="photo", field="photo")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, ValueError):
        raise Invalid(_("照片须为 JPEG 或 PNG 图片"), code="photo", field="photo") from None
    if fmt not in ("JPEG", "PNG"):
        raise Invalid(_("照片须为 JPEG 或 PNG 图片"), code="photo", field="photo")
    return data


def _days_check(working_days: int) -> None:
    most = rental_limits().hazard_max_days
    if not 1 <= working_days <= most:
        raise Invalid(_("整改期限须为 1 至 %(n)d 个工作日") % {"n": most}, code="working_days", field="working_days")


def _deadline(now: dt.datetime, days: int) -> dt.datetime:
    """The last second of the ``days``-th working day after ``now`` (add_working_days answers the
    midnight that ends it, which would print as the next day)."""
    return add_working_days(calendar_get(), now, days) - dt.timedelta(seconds=1)


def _due(hazard: Hazard) -> dict[str, str]:
    return {"date": hazard.due_at.astimezone(SHANGHAI).date().isoformat()}


def hazard_record(
    *,
    number: str,
    actor: Viewer,
    kind: str,
    note: str,
    working_days: int,
    photo: bytes | None = None,
    now: dt.datetime,
) -> Hazard:
    """An officer records a hazard found at an approved property; the landlord is told at once.
    The deadline is ``working_days`` working days from now (1 to the limits' hazard_max_days). Raises Forbidden (not a
    治安 officer), NotFound, Conflict (property not approved), Invalid (kind, note, days, photo)."""
    if kind not in HazardKind.values:
        raise Invalid(_("请选择隐患类型"), code="kind", field="kind")
    note = (note or "").strip()
    if not note or len(note) > NOTE_MAX:
        raise Invalid(_("请描述隐患（不超过 300 字）"), code="note", field="note")
    _days_check(working_days)
    picture = _photo(photo)
    with transaction.atomic():
        prop = property_for_officer(user=actor, number=number)
        if prop.state != PropertyState.APPROVED:
            raise Conflict(_("只能对已通过审核的出租房屋登记隐患"), code="not_approved")
        hazard = Hazard.objects.create(
            property=prop,
            kind=kind,
            note=note,
            photo=picture,
            recorded_at=now,
            recorded_by_id=actor.pk,
            working_days=working_days,
            due_at=_deadline(now, working_days),
        )
        notify(
            recipient=prop.landlord,
            kind="hazard_pushed",
            key=f"hazard_pushed:{hazard.pk}",
            params={"number": prop.number, "kind": both(HazardKind(kind).label), "note": note, "due": _due(hazard)},
            at=now,
        )
        audit_record(
            action="hazard.record",
            object_type="hazard",
            object_id=str(hazard.pk),
            at=now,
            actor=actor,
            data={"property": prop.number, "kind": kind, "days": working_days},
        )
    return hazard


def hazard_rectify(*, pk: int, actor: Viewer, note: str, photo: bytes | None = None, now: dt.datetime) -> Hazard:
    """The landlord reports the hazard rectified, with a note and optionally a photo. Raises
    NotFound (not theirs), Forbidden (not a citizen), Conflict (not open), Invalid."""
    if getattr(actor, "role", "") != Role.CITIZEN:
        raise Forbidden(_("只有房东可以上报整改"), code="not_landlord")
    note = (note or "").strip()
    if not note or len(note) > NOTE_MAX:
        raise Invalid(_("请说明整改情况（不超过 300 字）"), code="note", field="note")
    picture = _photo(photo)
    with transaction.atomic():
        hazard = access_get(actor, Hazard.objects.select_for_update(), write=True, pk=pk)
        if hazard.state != HazardState.OPEN:
            raise Conflict(_("该隐患不在待整改状态"), code="not_open")
        hazard.state, hazard.rectified_at = HazardState.RECTIFIED, now
        hazard.rectification_note, hazard.rectification_photo = note, picture
        hazard.save(update_fields=["state", "rectified_at", "rectification_note", "rectification_photo"])
        audit_record(action="hazard.rectify", object_type="hazard", object_id=str(pk), at=now, actor=actor)
    return hazard


def _officer_hazard(actor: Viewer, pk: int) -> Hazard:
    hazard = Hazard.objects.select_related("property").filter(pk=pk).first()
    number = hazard.property.number if hazard is not None else ""
    property_for_officer(user=actor, number=number)  # Forbidden / NotFound as for the property
    return Hazard.objects.select_for_update().select_related("property").get(pk=pk)


def hazard_close(*, pk: int, actor: Viewer, now: dt.datetime) -> Hazard:
    """The officer accepts the rectification: the hazard is closed (销号). Raises Forbidden,
    NotFound, Conflict (not reported rectified)."""
    with transaction.atomic():
        hazard = _officer_hazard(actor, pk)
        if hazard.state != HazardState.RECTIFIED:
            raise Conflict(_("房东上报整改后才能销号"), code="not_rectified")
        hazard.state, hazard.closed_at = HazardState.CLOSED, now
        hazard.save(update_fields=["state", "closed_at"])
        audit_record(action="hazard.close", object_type="hazard", object_id=str(pk), at=now, actor=actor)
    return hazard


def hazard_reopen(*, pk: int, actor: Viewer, note: str, working_days: int, now: dt.datetime) -> Hazard:
    """The officer finds the rectification wanting: the hazard is open again with a new deadline
    and the landlord is told why. Raises Forbidden, NotFound, Conflict (not reported
    rectified), Invalid (no reason, days)."""
    note = (note or "").strip()
    if not note or len(note) > NOTE_MAX:
        raise Invalid(_("请说明退回整改的理由"), code="note", field="note")
    _days_check(working_days)
    with transaction.atomic():
        hazard = _officer_hazard(actor, pk)
        if hazard.state != HazardState.RECTIFIED:
            raise Conflict(_("房东上报整改后才能退回"), code="not_rectified")
        hazard.state, hazard.reopened = HazardState.OPEN, hazard.reopened + 1
        hazard.due_at, hazard.working_days = _deadline(now, working_days), working_days
        hazard.reminded_at = None
        hazard.save(update_fields=["state", "reopened", "due_at", "working_days", "reminded_at"])
        notify(
            recipient=hazard.property.landlord,
            kind="hazard_reopened",
            key=f"hazard_reopened:{pk}:{hazard.reopened}",
            params={
                "number": hazard.property.number,
                "kind": both(HazardKind(hazard.kind).label),
                "note": note,
                "due": _due(hazard),
            },
            at=now,
        )
        audit_record(
            action="hazard.reopen", object_type="hazard", object_id=str(pk), at=now, actor=actor, data={"note": note}
        )
    return hazard


def _reminder_day(hazard: Hazard, now: dt.datetime, every: int) -> str:
    # Once per deadline: the first reminder's key; repeated reminders: one key per reminder day.
    return local_today(now).isoformat() if every and hazard.reminded_at is not None else "first"


def hazards_remind_overdue(*, now: dt.datetime) -> int:
    """Remind the landlord of every open hazard past its deadline: once per deadline, or again
    every ``overdue_remind_every_days`` days while it stays open when that limit is set; the
    number reminded. (Run daily by ``tongban rentals-daily``; one audit row for the batch.)"""
    every = rental_limits().overdue_remind_every_days
    not_yet = Q(reminded_at__isnull=True)
    if every:
        not_yet |= Q(reminded_at__lte=now - dt.timedelta(days=every))
    with transaction.atomic():
        due = list(
            Hazard.objects.select_for_update(skip_locked=True)
            .select_related("property__landlord")
            .filter(not_yet, state=HazardState.OPEN, due_at__lt=now)
            .order_by("pk")[:500]
        )
        for hazard in due:
            notify(
                recipient=hazard.property.landlord,
                kind="hazard_overdue",
                key=f"hazard_overdue:{hazard.pk}:{hazard.reopened}:{_reminder_day(hazard, now, every)}",
                params={
                    "number": hazard.property.number,
                    "kind": both(HazardKind(hazard.kind).label),
                    "due": _due(hazard),
                },
                at=now,
            )
        Hazard.objects.filter(pk__in=[h.pk for h in due]).update(reminded_at=now)
        if due:
            audit_record(
                action="hazard.remind_overdue",
                object_type="hazard",
                object_id="batch",
                at=now,
                data={"hazards": [h.pk for h in due]},
            )
    return len(due)
