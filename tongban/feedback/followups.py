"""差评 follow-ups (回访 → 核实 → 整改 → 反馈), the citizen's rating of the answer, appeals
(申诉复核) and the overdue sweep. The steps are data (``STEPS``); each service locks the row, is one
transaction with one history row and one audit row.

Who acts: the head of the case's outlet (网点负责人) or department (部门负责人), or an
administrator (the access funnel, ``write=True``). An appeal is filed by the staff member the
rating concerns or a head in scope, and decided by the department head or an administrator
who did not file it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from tongban.audit.services import audit_record
from tongban.common.access import Viewer, access_get
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound
from tongban.common.roles import Role
from tongban.feedback.models import Appeal, AppealState, FollowUp, FollowUpState, Rating, RatingEvent
from tongban.feedback.selectors import OPEN_FOLLOWUP
from tongban.feedback.services import answer_notify

S = FollowUpState
NOTE_MAX = 2000
STAFF = frozenset({Role.CLERK, Role.APPROVER, Role.ADMIN})


@dataclass(frozen=True)
class Step:
    """One step of the closed loop: from which states, to which, and which field it fills."""

    name: str
    sources: tuple[str, ...]
    target: str
    label: str


STEPS: dict[str, Step] = {
    "contact": Step("contact", (S.OPEN,), S.CONTACTED, "回访"),
    "verify": Step("verify", (S.CONTACTED,), S.VERIFIED, "核实"),
    "rectify": Step("rectify", (S.VERIFIED,), S.RECTIFIED, "整改"),
    "answer": Step("answer", (S.VERIFIED, S.RECTIFIED), S.ANSWERED, "反馈"),
}


def steps_open(followup: FollowUp) -> list[str]:
    """The steps that can be taken next (整改 only when the 差评 was found true, 反馈 only after
    the rectification of a founded one)."""
    out = []
    for step in STEPS.values():
        if followup.state not in step.sources:
            continue
        if step.name == "rectify" and not followup.founded:
            continue
        if step.name == "answer" and followup.state == S.VERIFIED and followup.founded:
            continue
        out.append(step.name)
    return out


def _label(user: Any) -> str:
    return str(getattr(user, "real_name", "") or getattr(user, "username", ""))[:80] if user is not None else ""


def _note(text: str, *, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise Invalid(gettext("请填写情况说明"), code="note_required", field="note")
    if len(text) > NOTE_MAX:
        raise Invalid((gettext("说明不能超过 %(note_max)s 字") % {"note_max": NOTE_MAX}), code="note_too_long")
    return text


def _locked(*, pk: int, actor: Viewer) -> FollowUp:
    if getattr(actor, "role", "") not in STAFF:
        raise Forbidden(gettext("只有网点或部门负责人可以办理差评整改"), code="not_head")
    return access_get(actor, FollowUp.objects.select_for_update().select_related("rating"), write=True, pk=pk)


def followup_step(
    *, pk: int, step: str, actor: Viewer, note: str, now: dt.datetime, founded: bool | None = None
) -> FollowUp:
    """Take one step of a follow-up: ``contact`` (回访), ``verify`` (核实, with ``founded``),
    ``rectify`` (整改), ``answer`` (反馈: the text the citizen reads). An answer after the due time
    marks the follow-up as overdue. Raises NotFound (no such follow-up in the actor's scope),
    Forbidden (not a head), Conflict (not the next step), Invalid (note, finding)."""
    if step not in STEPS:
        raise Invalid((gettext("没有步骤 %(step)s") % {"step": step}), code="step")
    text = _note(note)
    with transaction.atomic():
        f = _locked(pk=pk, actor=actor)
        if step not in steps_open(f):
            raise Conflict(
                (
                    gettext("当前为「%(followupstate)s」，不能%(label)s")
                    % {"followupstate": FollowUpState(f.state).label, "label": STEPS[step].label}
                ),
                code="illegal_step",
            )
        update = ["state"]
        if step == "contact":
            f.contacted_at, f.contact_note = now, text
            update += ["contacted_at", "contact_note"]
        elif step == "verify":
            if founded is None:
                raise Invalid(gettext("请选择核实结论"), code="founded", field="founded")
            f.verified_at, f.founded, f.verify_note = now, founded, text
            update += ["verified_at", "founded", "verify_note"]
        elif step == "rectify":
            f.rectified_at, f.rectify_note = now, text
            update += ["rectified_at", "rectify_note"]
        else:
            f.answered_at, f.answer = now, text
            update += ["answered_at", "answer"]
            if now > f.due_at and f.overdue_flagged_at is None:
                f.overdue_flagged_at = now
                update.append("overdue_flagged_at")
        f.state = STEPS[step].target
        f.save(update_fields=update)
        RatingEvent.objects.create(
            rating_id=f.rating_id, kind=step, at=now, actor_id=actor.pk, actor_label=_label(actor), note=text[:2000]
        )
        audit_record(
            action=f"followup.{step}",
            object_type="case",
            object_id=f.rating.case_number,
            at=now,
            actor=actor,
            data={"followup": f.pk, "state": f.state, **({"founded": founded} if step == "verify" else {})},
        )
        if step == "answer":
            answer_notify(followup=f, now=now)
    return f


def followup_answer_rate(*, pk: int, rater: Any, level: int, now: dt.datetime) -> FollowUp:
    """The citizen rates the answer to their 差评 (once). Raises NotFound (not theirs), Conflict
    (no answer yet, already rated), Invalid (level)."""
    if getattr(rater, "role", "") not in (Role.CITIZEN, Role.ENTERPRISE):
        raise Forbidden(gettext("只有评价人可以评价整改反馈"), code="not_rater")
    if level not in (1, 2, 3, 4, 5):
        raise Invalid(gettext("请选择评价等级"), code="level", field="level")
    with transaction.atomic():
        f = access_get(rater, FollowUp.objects.select_for_update().select_related("rating"), write=True, pk=pk)
        if f.state != S.ANSWERED:
            raise Conflict(gettext("尚未收到整改反馈"), code="not_answered")
        if f.answer_level is not None:
            raise Conflict(gettext("已经评价过整改反馈"), code="already_rated")
        f.answer_level, f.answer_rated_at = level, now
        f.save(update_fields=["answer_level", "answer_rated_at"])
        RatingEvent.objects.create(rating_id=f.rating_id, kind="answer_rated", at=now, actor=rater, note=str(level))
        audit_record(
            action="followup.answer_rated",
            object_type="case",
            object_id=f.rating.case_number,
            at=now,
            actor=rater,
            data={"followup": f.pk, "level": level},
        )
    return f


def appeal_file(*, rating_id: int, actor: Viewer, reason: str, now: dt.datetime) -> Appeal:
    """申诉: staff appeal a 差评 they hold to be false or malicious, with the reason. The staff
    member the rating concerns, or a head whose scope it is in, may file it; one appeal per
    rating. Raises NotFound, Forbidden, Conflict (not a 差评, voided, already appealed), Invalid."""
    text = _note(reason)
    if getattr(actor, "role", "") not in STAFF:
        raise Forbidden(gettext("只有工作人员可以申诉"), code="not_staff")
    with transaction.atomic():
        rating = Rating.objects.select_for_update().filter(pk=rating_id).first()
        if rating is None:
            raise NotFound(gettext("未找到该评价"))
        concerned = rating.staff_id is not None and rating.staff_id == actor.pk
        if not concerned:
            access_get(actor, FollowUp.objects.all(), write=True, rating_id=rating_id)  # a head in scope
        if not rating.bad or rating.voided_at is not None:
            raise Conflict(gettext("只能对有效的差评申诉"), code="not_appealable")
        if Appeal.objects.filter(rating=rating).exists():
            raise Conflict(gettext("该差评已经申诉过"), code="already_appealed")
        appeal = Appeal.objects.create(rating=rating, filed_by_id=actor.pk, filed_at=now, reason=text)
        RatingEvent.objects.create(
            rating=rating, kind="appeal_filed", at=now, actor_id=actor.pk, actor_label=_label(actor), note=text
        )
        audit_record(
            action="rating.appeal",
            object_type="case",
            object_id=rating.case_number,
            at=now,
            actor=actor,
            data={"rating": rating.pk, "level": rating.level},
        )
    return appeal


def may_decide_appeal(*, actor: Viewer, appeal: Appeal) -> bool:
    """A supervisor reviews: an administrator, or the head of the rating's department; never the
    one who filed the appeal."""
    if actor is None or appeal.filed_by_id == actor.pk:
        return False
    role = getattr(actor, "role", "")
    if role == Role.ADMIN:
        return True
    return (
        role == Role.APPROVER
        and bool(getattr(actor, "supervisor", False))
        and getattr(actor, "department", "") == appeal.rating.department
    )


def appeal_decide(*, rating_id: int, actor: Viewer, uphold: bool, note: str, now: dt.datetime) -> Appeal:
    """复核: uphold the appeal (the 差评 is voided: it leaves the satisfaction figures and its
    follow-up ends; the rating, its history and the audit log keep it) or dismiss it (the 差评
    stands). Raises NotFound, Forbidden (not a reviewer, or the filer), Conflict (decided)."""
    text = _note(note)
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("rating").filter(rating_id=rating_id).first()
        if appeal is None:
            raise NotFound(gettext("未找到该申诉"))
        if not may_decide_appeal(actor=actor, appeal=appeal):
            raise Forbidden(
                gettext("申诉须由部门负责人或管理员复核，且不能由申诉人本人复核"),
                code="not_reviewer",
            )
        if appeal.state != AppealState.PENDING:
            raise Conflict(gettext("该申诉已经复核"), code="decided")
        appeal.state = AppealState.UPHELD if uphold else AppealState.DISMISSED
        appeal.decided_by_id, appeal.decided_at, appeal.decision_note = actor.pk, now, text
        appeal.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        rating = appeal.rating
        if uphold:
            Rating.objects.filter(pk=rating.pk).update(voided_at=now)
            FollowUp.objects.filter(rating=rating, state__in=OPEN_FOLLOWUP).update(state=S.VOIDED)
        RatingEvent.objects.create(
            rating=rating,
            kind="appeal_upheld" if uphold else "appeal_dismissed",
            at=now,
            actor_id=actor.pk,
            actor_label=_label(actor),
            note=text,
        )
        audit_record(
            action="rating.appeal_upheld" if uphold else "rating.appeal_dismissed",
            object_type="case",
            object_id=rating.case_number,
            at=now,
            actor=actor,
            data={"rating": rating.pk, "level": rating.level, "bad": rating.bad},
        )
    return appeal


def followups_sweep(*, now: dt.datetime, limit: int = 5000) -> list[int]:
    """Flag open follow-ups past their due time (once each); one history row each and one audit
    row per run that flags any. Returns the flagged follow-ups."""
    with transaction.atomic():
        late = list(
            FollowUp.objects.select_for_update()
            .filter(state__in=OPEN_FOLLOWUP, due_at__lte=now, overdue_flagged_at__isnull=True)
            .values_list("pk", "rating_id")[:limit]
        )
        if not late:
            return []
        FollowUp.objects.filter(pk__in=[pk for pk, _r in late]).update(overdue_flagged_at=now)
        RatingEvent.objects.bulk_create([RatingEvent(rating_id=r, kind="overdue", at=now) for _pk, r in late])
        audit_record(
            action="followup.overdue",
            object_type="followup",
            object_id="sweep",
            at=now,
            actor=None,
            data={"flagged": [pk for pk, _r in late][:200], "count": len(late)},
        )
    return [pk for pk, _r in late]
