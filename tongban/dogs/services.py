"""Dog writes: an officer records a violation against a licence; anyone reports a problem dog
(rate limited); an officer closes a report with a note. Each service is one transaction with
one audit row; time is a parameter (``now``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.common.access import Viewer, access_get
from tongban.common.errors import Conflict, Forbidden, Invalid
from tongban.common.ratelimit import rate_limit_hit
from tongban.common.roles import Department, Role
from tongban.dogs.models import Report, ReportState, Violation, ViolationKind
from tongban.dogs.selectors import licence_find

PLACE_MAX = 100
NOTE_MAX = 300
DESCRIPTION_MAX = 500
#: Reports from one client (account, or address when anonymous) per hour.
REPORTS_PER_HOUR = 5


def is_officer(user: Any) -> bool:
    """A 治安 approver (police station officer) or an administrator."""
    role = getattr(user, "role", "")
    return role == Role.ADMIN or (role == Role.APPROVER and getattr(user, "department", "") == Department.ZHIAN)


def _officer(user: Any) -> None:
    if not is_officer(user):
        raise Forbidden(_("只有派出所治安民警可以办理"), code="not_officer")


def _text(value: str | None, *, limit: int, field: str, message: str, required: bool = True) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > limit:
        raise Invalid(message, code=field, field=field)
    return text


def violation_record(*, actor: Viewer, licence: str, kind: str, place: str, note: str, now: dt.datetime) -> Violation:
    """An officer records a violation against the dog licence with this certificate number or
    chip. Raises Forbidden (not a 治安 officer), NotFound (no such licence in force), Invalid."""
    _officer(actor)
    if kind not in ViolationKind.values:
        raise Invalid(_("请选择违规类型"), code="kind", field="kind")
    place = _text(place, limit=PLACE_MAX, field="place", message=_("请填写地点（不超过 100 字）"))
    note = _text(note, limit=NOTE_MAX, field="note", message=_("补充说明不超过 300 字"), required=False)
    cert = licence_find(user=actor, query=licence, at=now)
    with transaction.atomic():
        v = Violation.objects.create(
            certificate=cert,
            chip=str(cert.facts.get("chip") or "")[:20],
            kind=kind,
            place=place,
            note=note,
            recorded_at=now,
            recorded_by_id=actor.pk,
        )
        audit_record(
            action="dog.violation",
            object_type="dog_violation",
            object_id=str(v.pk),
            at=now,
            actor=actor,
            data={"certificate": cert.number, "kind": kind},
        )
    return v


def report_submit(
    *, reporter: Any, client: str, place: str, description: str, contact: str = "", now: dt.datetime
) -> Report:
    """Anyone reports a problem dog (an account, or anonymously): at most REPORTS_PER_HOUR an
    hour per account or client address. Raises TooMany, Invalid."""
    user = reporter if getattr(reporter, "is_authenticated", False) else None
    place = _text(place, limit=PLACE_MAX, field="place", message=_("请填写地点（不超过 100 字）"))
    description = _text(
        description, limit=DESCRIPTION_MAX, field="description", message=_("请描述情况（不超过 500 字）")
    )
    contact = _text(contact, limit=20, field="contact", message=_("联系电话不超过 20 位"), required=False)
    if contact and not contact.replace("-", "").replace(" ", "").isdigit():
        raise Invalid(_("联系电话只能包含数字"), code="contact", field="contact")
    who = f"user:{user.pk}" if user is not None else f"addr:{client}"
    rate_limit_hit(scope="dog_report", who=who, limit=REPORTS_PER_HOUR, window_seconds=3600, at=now)
    with transaction.atomic():
        r = Report.objects.create(place=place, description=description, contact=contact, reporter=user, created_at=now)
        audit_record(action="dog.report", object_type="dog_report", object_id=str(r.pk), at=now, actor=user, data={})
    return r


def report_close(*, pk: int, actor: Viewer, note: str, now: dt.datetime) -> Report:
    """An officer closes an open report with what was done. Raises Forbidden, NotFound,
    Conflict (already closed), Invalid (no note)."""
    _officer(actor)
    note = _text(note, limit=NOTE_MAX, field="note", message=_("请填写处理结果（不超过 300 字）"))
    with transaction.atomic():
        r = access_get(actor, Report.objects.select_for_update(), write=True, pk=pk)
        if r.state != ReportState.OPEN:
            raise Conflict(_("该举报已办结"), code="closed")
        r.state, r.closed_at, r.closed_by_id, r.close_note = ReportState.CLOSED, now, actor.pk, note
        r.save(update_fields=["state", "closed_at", "closed_by", "close_note"])
        audit_record(action="dog.report_close", object_type="dog_report", object_id=str(pk), at=now, actor=actor)
    return r
