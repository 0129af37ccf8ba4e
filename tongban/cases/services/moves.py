"""Every move of a case after it was filed: ``case_transition`` (accept, refuse, review, decide,
withdraw, revoke ...) and a material handed in later.

Each public service is one transaction with one history row and one audit entry per move. The
checks and the in-memory changes of a move (``_move``, ``_acceptance``) are shared with the intake
(``tongban.cases.services.intake``), which makes a clerk's decision in the submission's own
transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import get_language, gettext

from tongban.audit.services import audit_record
from tongban.cases.machine import SYSTEM, TERMINAL, move_for
from tongban.cases.models import Case, CaseEvent, CaseMaterial, MaterialState, Status
from tongban.cases.notices import case_event_notify
from tongban.cases.outcomes import accept_check, approve_check, instant_complete
from tongban.cases.selectors import item_spec, material_names
from tongban.cases.verification import approval_gate
from tongban.common.access import Viewer, access_get
from tongban.common.errors import Conflict, Forbidden, Invalid, NotFound
from tongban.common.masking import mask_text
from tongban.common.roles import Role
from tongban.workdays.calendar import WorkCalendar, add_working_days, clock_remaining, clock_resume, deadline_add
from tongban.workdays.selectors import calendar_get


def _role(actor: Viewer | None) -> str:
    return SYSTEM if actor is None else str(getattr(actor, "role", ""))


def _label(actor: Viewer | None) -> str:
    return "system" if actor is None else mask_text(str(actor))[:80]


def _label_of(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status


def _locked(*, number: str, actor: Viewer | None) -> Case:
    qs = Case.objects.select_for_update()
    if actor is None:
        try:
            return qs.get(number=number)
        except Case.DoesNotExist:
            raise NotFound(gettext("未找到该办件")) from None
    return access_get(actor, qs, number=number)


def _move(
    case: Case,
    *,
    target: str,
    actor: Viewer | None,
    now: dt.datetime,
    reason: str = "",
    data: dict[str, Any] | None = None,
    cal: WorkCalendar | None = None,
) -> tuple[CaseEvent, list[str]]:
    """Check the move against the table and the actor's role and make it on ``case`` in memory.

    Returns the history row (not saved) and the case fields the move changed; the caller writes
    both (``_apply`` for a stored case, the intake for a new one).
    """
    role = _role(actor)
    source = case.status
    move = move_for(source, target)
    if move is None:
        raise Conflict(
            (
                gettext("办件 %(number)s 当前为「%(label_of)s」，不能变为「%(label_of2)s」")
                % {"number": case.number, "label_of": _label_of(source), "label_of2": _label_of(target)}
            ),
            code="illegal_transition",
            status_from=source,
            status_to=target,
        )
    if role not in move.roles and not (actor is not None and getattr(actor, "role", "") == Role.ADMIN):
        raise Forbidden((gettext("角色 %(role)s 不能执行此操作") % {"role": role}), code="role_not_allowed")
    if case.pk is not None:
        approval_gate(case, target)  # an upload standing in for a registry record is verified first
    reason = reason.strip()
    if move.reason and not reason:
        raise Invalid(gettext("请填写理由"), code="reason_required", field="reason")
    if target == Status.REVOKED and not case.under_commitment:
        raise Conflict(
            gettext("只有告知承诺受理的办件可因承诺不实撤销"),
            code="not_under_commitment",
        )
    update = ["status", "updated_at", "reason"]
    if target == Status.SUPPLEMENT_REQUESTED and case.deadline_at is not None:
        cal = cal or calendar_get()
        case.clock_remaining = clock_remaining(cal, now, case.deadline_at, case.limit_unit)
        case.clock_stopped_at, case.deadline_at = now, None
        update += ["clock_remaining", "clock_stopped_at", "deadline_at"]
    elif source == Status.SUPPLEMENT_REQUESTED and case.clock_remaining is not None and target == Status.RESUBMITTED:
        cal = cal or calendar_get()
        case.deadline_at = clock_resume(cal, now, case.clock_remaining, case.limit_unit)
        case.clock_remaining, case.clock_stopped_at = None, None
        update += ["clock_remaining", "clock_stopped_at", "deadline_at"]
    if target in (Status.APPROVED, Status.DENIED):
        case.decided_at = now
        update.append("decided_at")
    if target in TERMINAL:
        case.closed_at = now
        update.append("closed_at")
    if target == Status.ACCEPTED:
        case.accepted_at = now
        update.append("accepted_at")
    case.status, case.updated_at, case.reason = target, now, reason
    event = CaseEvent(
        case=case,
        from_status=source,
        to_status=target,
        actor_id=None if actor is None else actor.pk,
        actor_label=_label(actor),
        role=role,
        outlet=getattr(actor, "outlet", None) if actor is not None else None,
        at=now,
        reason=reason,
        data=data or {},
    )
    return event, update


def _apply(
    case: Case,
    *,
    target: str,
    actor: Viewer | None,
    now: dt.datetime,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Make a move on a stored case (the caller holds its lock): the row and its history row."""
    event, update = _move(case, target=target, actor=actor, now=now, reason=reason, data=data)
    case.save(update_fields=update)
    event.save()
    if target == Status.APPROVED:
        number = case.number
        transaction.on_commit(lambda: _enqueue_result(number))
    case_event_notify(case, event)  # tells the applicant when the move concerns them
    return event


def _enqueue_result(number: str) -> None:
    from tongban.cases.tasks import case_result_task

    case_result_task.enqueue(number)


def _acceptance(
    case: Case,
    materials: Sequence[CaseMaterial],
    *,
    item: Any,
    presented: Iterable[str],
    commitment: bool,
    now: dt.datetime,
    cal: WorkCalendar,
) -> tuple[dict[str, Any], list[CaseMaterial], list[str]]:
    """受理 in memory: mark ``presented`` materials handed in, then with required materials still
    missing accept only under 告知承诺 (``commitment``, if the item allows it: they become promised,
    due ``supplement_days`` working days later), and start the deadline.

    Returns the history data, the materials changed and the case fields changed. Raises Conflict
    (materials missing, commitment not allowed).
    """
    codes = {str(c) for c in presented}
    changed = []
    for m in materials:
        if m.code in codes and m.state in (MaterialState.MISSING, MaterialState.PROMISED):
            m.state, m.updated_at = MaterialState.PRESENTED, now
            changed.append(m)
    missing = [m for m in materials if m.state == MaterialState.MISSING and m.required]
    data: dict[str, Any] = {}
    if missing:
        codes_missing = [m.code for m in missing]
        if not commitment:
            names = "、".join(m.name_zh for m in missing)
            if (get_language() or "").lower().startswith("en"):
                english = {m.code: m.name_en for m in item.materials if m.name_en}
                names = ", ".join(english.get(m.code, m.name_zh) for m in missing)
            raise Conflict(
                gettext("材料不齐，不能受理，缺少：%(names)s") % {"names": names},
                code="materials_missing",
                missing=codes_missing,
            )
        if not item.commitment.allowed or not item.commitment.supplement_days:
            raise Conflict(
                gettext("该事项不适用告知承诺"),
                code="commitment_not_allowed",
            )
        case.under_commitment = True
        case.commitment_due_at = add_working_days(cal, now, item.commitment.supplement_days)
        for m in missing:
            m.state, m.updated_at = MaterialState.PROMISED, now
            changed.append(m)
        data = {"commitment": True, "promised": codes_missing, "due": case.commitment_due_at.isoformat()}
    case.deadline_at = deadline_add(cal, now, case.limit_value, case.limit_unit)
    return data, changed, ["under_commitment", "commitment_due_at", "deadline_at"]


def _accepted_entry(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    """The audit data of an acceptance."""
    assert case.deadline_at is not None  # set by _acceptance
    return {"deadline": case.deadline_at.isoformat(), **data}


def case_transition(
    *,
    number: str,
    to: str,
    actor: Viewer | None,
    now: dt.datetime,
    reason: str = "",
    data: dict[str, Any] | None = None,
    materials: Iterable[str] = (),
    commitment: bool = False,
    presented: Iterable[str] = (),
) -> Case:
    """Move a case along the state machine (locks the row; one history row and one audit entry per move).

    ``actor`` None is the system. Acceptance (``to`` accepted) marks the ``presented`` materials
    handed in and starts the deadline; with required materials missing it needs ``commitment``
    (告知承诺). With a supplement request, ``materials`` names the materials to hand in again
    (they become missing, and the applicant's resubmission needs them). Raises NotFound (no such
    case or out of the actor's scope), Conflict (illegal move, stale state, materials missing,
    commitment not allowed), Forbidden (role), Invalid (missing reason, unknown material),
    CalendarMissing.
    """
    if to == Status.ACCEPTED:
        with transaction.atomic():
            case = _locked(number=number, actor=actor)
            case = _accept_stored(case, actor=actor, now=now, commitment=commitment, presented=presented)
        # A 即办件 whose checks all pass goes on to its result at once (tongban.cases.outcomes).
        return instant_complete(case=case, item=item_spec(code=case.item_code, version=case.item_version), now=now)
    with transaction.atomic():
        case = _locked(number=number, actor=actor)
        source = case.status
        if to == Status.APPROVED:
            approve_check(
                case=case, item=item_spec(code=case.item_code, version=case.item_version), actor=actor, now=now
            )
        if (
            _role(actor) == Role.APPROVER
            and to in (Status.APPROVED, Status.DENIED, Status.SUPPLEMENT_REQUESTED)
            and (source in (Status.ACCEPTED, Status.RESUBMITTED))
        ):
            # An approver deciding straight from the queue opens the review first: two moves, two rows.
            _apply(case, target=Status.IN_REVIEW, actor=actor, now=now)
        if to == Status.RESUBMITTED:
            missing = list(
                case.materials.filter(state=MaterialState.MISSING, required=True).values_list("code", flat=True)
            )
            if missing:
                raise Conflict(
                    gettext("仍缺少材料：%(names)s") % {"names": material_names(case, missing)},
                    code="materials_missing",
                    missing=missing,
                )
        _apply(case, target=to, actor=actor, now=now, reason=reason, data=data)
        wanted = sorted({str(c) for c in materials})
        if wanted:
            if to != Status.SUPPLEMENT_REQUESTED:
                raise Invalid(gettext("只有补正可以指定材料"), code="materials")
            known = set(case.materials.filter(code__in=wanted).values_list("code", flat=True))
            if known != set(wanted):
                unknown = ", ".join(sorted(set(wanted) - known))
                raise Invalid((gettext("该办件没有材料 %(unknown)s") % {"unknown": unknown}), code="materials")
            case.materials.filter(code__in=wanted).update(state=MaterialState.MISSING, file="", updated_at=now)
        audit_record(
            action=f"case.{to}",
            object_type="case",
            object_id=case.number,
            at=now,
            actor=actor,
            data={
                "from": source,
                "to": to,
                "reason": reason.strip()[:500],
                **({"materials": wanted} if wanted else {}),
            },
        )
    return case


def _accept_stored(
    case: Case, *, actor: Viewer | None, now: dt.datetime, commitment: bool, presented: Iterable[str]
) -> Case:
    """受理 of a stored, locked case (inside ``case_transition``'s transaction)."""
    event, update = _move(case, target=Status.ACCEPTED, actor=actor, now=now)  # checks state and role first
    item = item_spec(code=case.item_code, version=case.item_version)
    accept_check(item=item, actor=actor)
    materials = list(case.materials.all())
    cal = calendar_get()
    data, changed, more = _acceptance(
        case, materials, item=item, presented=presented, commitment=commitment, now=now, cal=cal
    )
    event.data = data
    case.save(update_fields=update + more)
    event.save()
    case_event_notify(case, event)
    if changed:
        CaseMaterial.objects.bulk_update(changed, ["state", "updated_at"])
    audit_record(
        action="case.accepted",
        object_type="case",
        object_id=case.number,
        at=now,
        actor=actor,
        data=_accepted_entry(case, data),
    )
    return case


def case_accept(
    *, number: str, actor: Viewer | None, now: dt.datetime, commitment: bool = False, presented: Iterable[str] = ()
) -> Case:
    """受理 a submitted case: ``case_transition`` to accepted (see there)."""
    return case_transition(
        number=number, to=Status.ACCEPTED, actor=actor, now=now, commitment=commitment, presented=presented
    )


def case_refuse(*, number: str, actor: Viewer | None, now: dt.datetime, reason: str) -> Case:
    """不予受理 with a reason. Raises as ``case_transition``."""
    return case_transition(number=number, to=Status.REFUSED_AT_INTAKE, actor=actor, now=now, reason=reason)


def case_material_provide(*, number: str, code: str, actor: Viewer | None, now: dt.datetime, file: str = "") -> Case:
    """A material handed in later: answering a supplement request or keeping a 告知承诺 promise.

    When the last promised material arrives the commitment counts as fulfilled. Raises NotFound,
    Conflict (case closed, material already on file).
    """
    with transaction.atomic():
        case = _locked(number=number, actor=actor)
        if case.status in TERMINAL:
            raise Conflict(gettext("办件已结束"), code="case_closed")
        material = case.materials.filter(code=code).first()
        if material is None:
            raise NotFound(gettext("该办件没有材料 %(code)s") % {"code": code})
        if material.state not in (MaterialState.MISSING, MaterialState.PROMISED):
            raise Conflict(gettext("该材料已齐"), code="material_on_file")
        was = material.state
        material.state, material.file, material.updated_at = MaterialState.PRESENTED, file[:200], now
        material.save(update_fields=["state", "file", "updated_at"])
        update = ["updated_at"]
        if case.under_commitment and not case.materials.filter(state=MaterialState.PROMISED).exists():
            case.commitment_fulfilled_at = now
            update.append("commitment_fulfilled_at")
        case.updated_at = now
        case.save(update_fields=update)
        audit_record(
            action="case.material",
            object_type="case",
            object_id=case.number,
            at=now,
            actor=actor,
            data={"material": code, "was": was, "fulfilled": bool(case.commitment_fulfilled_at)},
        )
    return case
