"""The cases API (/api/v1/cases/): submit (idempotent), accept, move, hand in materials, read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Header, Query, Router, Status

from tongban.audit.reads import audit_staff_read
from tongban.cases.machine import targets_from
from tongban.cases.schemas import (
    AcceptIn,
    BulkIn,
    BulkOut,
    CaseOut,
    CasePageOut,
    FlagCountOut,
    MaterialIn,
    PreviewIn,
    PreviewOut,
    SubmitIn,
    TransitionIn,
)
from tongban.cases.selectors import (
    Page,
    case_countdown,
    case_detail,
    case_flag_counts,
    case_get,
    case_queue,
    cases_mine,
    item_spec,
    materials_resolve,
)
from tongban.cases.services import Decision, case_accept, case_material_provide, case_submit, case_transition
from tongban.common.clock import now
from tongban.common.errors import DomainError, Forbidden, Invalid
from tongban.common.masking import mask_id_number
from tongban.common.params import PageNumber
from tongban.common.request import viewer
from tongban.common.roles import Role

router = Router(tags=["cases"])

_STAFF = (Role.CLERK, Role.APPROVER, Role.ADMIN, Role.AUDITOR)


def _row(row: dict[str, Any]) -> dict[str, Any]:
    c, cd = row["case"], row["countdown"]
    return {
        "number": c.number,
        "item_code": c.item_code,
        "item_name": c.item_name,
        "department": c.department,
        "status": c.status,
        "channel": c.channel,
        "applicant_name": c.applicant_name,
        "submitted_at": c.submitted_at,
        "deadline_at": c.deadline_at,
        "countdown": {"urgency": cd.urgency, "days_left": cd.days_left, "seconds_left": cd.seconds_left},
        "expedited": c.expedited,
    }


def _page(p: Page) -> dict[str, Any]:
    return {"items": [_row(r) for r in p.rows], "page": p.page, "has_next": p.has_next}


def _material(m: Any) -> dict[str, Any]:
    return {
        "code": m.code,
        "name_zh": m.name_zh,
        "required": m.required,
        "state": m.state,
        "source": m.source,
        "provenance": m.provenance,
        "fetched_at": m.fetched_at,
        "reference": m.reference,
    }


def _case(request: HttpRequest, number: str, *, written: Any = None) -> dict[str, Any]:
    """A case as the API shows it; ``written`` (a fresh submission) is shown without re-reading."""
    user = request.user
    if written is not None:
        case = written.case
        d = {
            "materials": written.materials,
            "events": written.events,
            "countdown": case_countdown(case, now=now()),
            "allowed": targets_from(case.status, getattr(user, "role", "")),
        }
    else:
        case = case_get(user=user, number=number)
        d = case_detail(user=user, case=case, now=now())
    own = getattr(user, "person_id", None) is not None and user.person_id == case.person_id  # type: ignore[union-attr]
    cd = d["countdown"]
    return {
        **_row({"case": case, "countdown": cd}),
        "item_version": case.item_version,
        "applicant_id_number": case.applicant_id_number if own else mask_id_number(case.applicant_id_number),
        "accepting_outlet": case.accepting_outlet.name if case.accepting_outlet else None,
        "handling_outlet": case.handling_outlet.name if case.handling_outlet else None,
        "handling_region": case.handling_region,
        "accepted_at": case.accepted_at,
        "decided_at": case.decided_at,
        "closed_at": case.closed_at,
        "limit_value": case.limit_value,
        "limit_unit": case.limit_unit,
        "elder_help": case.elder_help,
        "under_commitment": case.under_commitment,
        "commitment_due_at": case.commitment_due_at,
        "verification_flagged": case.verification_flagged_at is not None,
        "overdue_flagged": case.overdue_flagged_at is not None,
        "reason": case.reason,
        "result_reference": case.result_reference,
        "form": case.form_data,
        "materials": [_material(m) for m in d["materials"]],
        "events": [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor_label": e.actor_label,
                "role": e.role,
                "outlet": e.outlet.name if e.outlet else None,
                "at": e.at,
                "reason": e.reason,
            }
            for e in d["events"]
        ],
        "allowed": d["allowed"],
    }


@router.post("/", response={200: CaseOut, 201: CaseOut}, summary="Submit an application (idempotent)")
def submit(
    request: HttpRequest,
    payload: SubmitIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key", max_length=80),
) -> Status:
    """File a case; staff may decide on it at once (``decision``: accept, accept under 告知承诺 or
    refuse, in the same transaction). With an ``Idempotency-Key`` a retry returns the first case
    (200) and the same key with a different body is refused (409)."""
    at = now()
    result = case_submit(
        actor=viewer(request),
        item_code=payload.item_code,
        form=payload.form,
        channel=payload.channel,
        id_number=payload.id_number,
        presented=payload.presented,
        idempotency_key=idempotency_key,
        now=at,
        decision=Decision(payload.decision, payload.reason) if payload.decision else None,
        expedited=payload.expedited,
        elder_help=payload.elder_help,
        rate_limited=True,
    )
    if result.created:
        return Status(201, _case(request, result.case.number, written=result))
    return Status(200, _case(request, result.case.number))


@router.get("/", response=CasePageOut, summary="My cases (citizens) or the cases in my scope (staff)")
def mine(request: HttpRequest, page: PageNumber = 1) -> dict[str, Any]:
    return _page(cases_mine(user=request.user, now=now(), page=page))


@router.get("/queue", response=CasePageOut, summary="The approver's department queue, most urgent first")
def queue(request: HttpRequest, page: PageNumber = 1, status: str = Query("", max_length=32)) -> dict[str, Any]:
    if getattr(request.user, "role", None) not in _STAFF:
        raise Forbidden(gettext("只有工作人员可以查看队列"))
    return _page(case_queue(user=request.user, now=now(), page=page, status=status))


def _preview(request: HttpRequest, item_code: str, id_number: str) -> dict[str, Any]:
    from tongban.registry.selectors import person_get

    user = request.user
    if getattr(user, "role", None) in (Role.CITIZEN, Role.ENTERPRISE):
        idn = getattr(user, "id_number", None) or ""
        if not idn:
            raise Invalid(gettext("账号未实名"), code="no_person")
    else:
        if getattr(user, "role", None) not in _STAFF:
            raise Forbidden(gettext("无权查看"))
        person = person_get(user=user, id_number=id_number)
        audit_staff_read(
            actor=viewer(request), object_type="person", object_id=person.pk, at=now(), channel="api", what="preview"
        )
        idn = person.id_number
    item = item_spec(code=item_code)
    mats = materials_resolve(item=item, id_number=idn, at=now())
    return {"item_code": item.code, "item_version": item.version, "materials": [_material(m) for m in mats]}


@router.get("/preview", response=PreviewOut, summary="What the registry and photo library hold for me")
def preview(request: HttpRequest, item_code: str = Query(..., max_length=48)) -> dict[str, Any]:
    """The materials checklist of an item for the caller: on file (with provenance) or needed.
    Staff ask about a person with ``POST`` (the ID number stays out of URLs and logs)."""
    return _preview(request, item_code, "")


@router.post("/preview", response=PreviewOut, summary="What the registry and photo library hold for a person")
def preview_for(request: HttpRequest, payload: PreviewIn) -> dict[str, Any]:
    """The materials checklist of an item for a person (staff: ``id_number``; citizens: themself)."""
    return _preview(request, payload.item_code, payload.id_number)


@router.post("/bulk", response=BulkOut, summary="Start review of / approve many cases (approvers)")
def bulk(request: HttpRequest, payload: BulkIn) -> dict[str, Any]:
    """Each case is its own transaction: one refused case does not undo the others."""
    if getattr(request.user, "role", None) != Role.APPROVER:
        raise Forbidden(gettext("只有审批民警可以批量操作"))
    done: list[str] = []
    refused: dict[str, str] = {}
    at = now()
    for number in dict.fromkeys(payload.numbers):
        try:
            case_transition(number=number, to=payload.to, actor=viewer(request), now=at)
        except DomainError as exc:
            refused[number] = exc.message
        else:
            done.append(number)
    return {"done": done, "refused": refused}


@router.get("/flags", response=list[FlagCountOut], summary="加急 and 敬老帮办 cases per item in my scope")
def flag_counts(request: HttpRequest, days: int = Query(30, ge=1, le=366)) -> list[dict[str, Any]]:
    """Service flags of the cases submitted in the last ``days`` days in the caller's scope (staff)."""
    if getattr(request.user, "role", None) not in _STAFF:
        raise Forbidden(gettext("只有工作人员可以查看统计"))
    until = now()
    return case_flag_counts(user=request.user, since=until - dt.timedelta(days=days), until=until)


@router.get("/{number}", response=CaseOut, summary="One case with its materials and history")
def detail(request: HttpRequest, number: str) -> dict[str, Any]:
    answer = _case(request, number)
    audit_staff_read(actor=viewer(request), object_type="case", object_id=number, at=now(), channel="api")
    return answer


@router.post("/{number}/accept", response=CaseOut, summary="Accept (受理), optionally under 告知承诺")
def accept(request: HttpRequest, number: str, payload: AcceptIn) -> dict[str, Any]:
    case_accept(
        number=number, actor=viewer(request), now=now(), commitment=payload.commitment, presented=payload.presented
    )
    return _case(request, number)


@router.post("/{number}/transitions", response=CaseOut, summary="Move the case (see `allowed`)")
def transition(request: HttpRequest, number: str, payload: TransitionIn) -> dict[str, Any]:
    case_transition(
        number=number,
        to=payload.to,
        actor=viewer(request),
        now=now(),
        reason=payload.reason,
        materials=payload.materials,
    )
    return _case(request, number)


@router.post("/{number}/materials", response=CaseOut, summary="Hand in a missing or promised material")
def material(request: HttpRequest, number: str, payload: MaterialIn) -> dict[str, Any]:
    case_material_provide(number=number, code=payload.code, actor=viewer(request), now=now())
    return _case(request, number)
