"""Rating endpoints: rate a finished case (the applicant), hand a case over to the window tablet
(a clerk), rate on a handed-over page (no login: the signed token), my ratings; the follow-up
work list, its steps and appeals (heads)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema
from pydantic import Field, StringConstraints

from tongban.common.clock import now
from tongban.common.params import RowId
from tongban.common.request import viewer
from tongban.feedback.followups import appeal_decide, appeal_file, followup_step
from tongban.feedback.models import Appeal, FollowUp, Rating
from tongban.feedback.selectors import followups_list, ratings_mine, scheme_get
from tongban.feedback.services import handover_issue, rating_submit, rating_submit_handed

router = Router(tags=["feedback 好差评"])

# One indicator's score: its code and a level 1..5.
Scores = dict[Annotated[str, StringConstraints(max_length=32)], Annotated[int, Field(ge=1, le=5)]]


class RatingIn(Schema):
    case_number: str = Field(max_length=32)
    level: int = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    scores: Scores = Field(default_factory=dict, max_length=16, description="indicator code → 1..5 (the channel's set)")
    comment: str = Field(default="", max_length=500)
    channel: str = Field(default="online", pattern=r"^(online|phone)$")


class HandedIn(Schema):
    token: str = Field(max_length=400)
    level: int = Field(ge=1, le=5)
    scores: Scores = Field(default_factory=dict, max_length=16)
    comment: str = Field(default="", max_length=500)


class RatingOut(Schema):
    id: int
    case_number: str
    occasion: str
    channel: str
    level: int
    bad: bool
    scores: dict[str, int]
    comment: str
    rated_at: dt.datetime
    voided: bool
    followup_state: str | None = None
    answer: str | None = None


def _rating(r: Rating) -> dict[str, Any]:
    f: FollowUp | None = getattr(r, "followup", None)
    return {
        "id": r.pk,
        "case_number": r.case_number,
        "occasion": r.occasion,
        "channel": r.channel,
        "level": r.level,
        "bad": r.bad,
        "scores": r.scores,
        "comment": r.comment,
        "rated_at": r.rated_at,
        "voided": r.voided_at is not None,
        "followup_state": f.state if f else None,
        "answer": (f.answer or None) if f else None,
    }


@router.post("/ratings", response={201: RatingOut}, summary="Rate my finished case (一事一评)")
def rate(request: HttpRequest, payload: RatingIn) -> tuple[int, dict[str, Any]]:
    r = rating_submit(
        case_number=payload.case_number,
        rater=request.user,
        level=payload.level,
        scores=payload.scores,
        comment=payload.comment,
        channel=payload.channel,
        now=now(),
    )
    return 201, _rating(r)


@router.get("/ratings/mine", response=list[RatingOut], summary="My ratings and the answers to my 差评")
def mine(request: HttpRequest) -> list[dict[str, Any]]:
    return [_rating(r) for r in ratings_mine(user=request.user)]


class HandoverIn(Schema):
    case_number: str = Field(max_length=32)


class HandoverOut(Schema):
    url: str
    expires_in_seconds: int


@router.post("/handover", response={201: HandoverOut}, summary="Hand the window tablet over for one case (一次一评)")
def handover(request: HttpRequest, payload: HandoverIn) -> tuple[int, dict[str, Any]]:
    token = handover_issue(case_number=payload.case_number, actor=viewer(request), now=now())
    return 201, {
        "url": reverse("feedback:tablet", kwargs={"token": token}),
        "expires_in_seconds": scheme_get().handover_minutes * 60,
    }


@router.post("/handed", response={201: RatingOut}, auth=None, summary="Rate on a handed-over page (token)")
def handed(request: HttpRequest, payload: HandedIn) -> tuple[int, dict[str, Any]]:
    r = rating_submit_handed(
        token=payload.token, level=payload.level, scores=payload.scores, comment=payload.comment, now=now()
    )
    return 201, _rating(r)


class FollowUpOut(Schema):
    id: int
    case_number: str
    item_code: str
    level: int
    state: str
    due_at: dt.datetime
    overdue: bool
    appeal: str


@router.get("/followups", response=list[FollowUpOut], summary="差评 follow-ups in my scope (heads)")
def followups(request: HttpRequest, state: str = "", overdue: bool = False) -> list[dict[str, Any]]:
    return [
        {
            "id": row.followup.pk,
            "case_number": row.followup.rating.case_number,
            "item_code": row.followup.rating.item_code,
            "level": row.followup.rating.level,
            "state": row.followup.state,
            "due_at": row.followup.due_at,
            "overdue": row.overdue,
            "appeal": row.appeal,
        }
        for row in followups_list(user=request.user, now=now(), state=state[:12], overdue_only=overdue)
    ]


class StepIn(Schema):
    step: str = Field(pattern=r"^(contact|verify|rectify|answer)$")
    note: str = Field(max_length=2000)
    founded: bool | None = None


class StateOut(Schema):
    id: int
    state: str


@router.post("/followups/{pk}/steps", response=StateOut, summary="回访 / 核实 / 整改 / 反馈")
def step(request: HttpRequest, pk: RowId, payload: StepIn) -> dict[str, Any]:
    f = followup_step(
        pk=pk, step=payload.step, actor=viewer(request), note=payload.note, founded=payload.founded, now=now()
    )
    return {"id": f.pk, "state": f.state}


class AppealIn(Schema):
    reason: str = Field(max_length=2000)


class DecisionIn(Schema):
    uphold: bool
    note: str = Field(max_length=2000)


class AppealOut(Schema):
    rating_id: int
    state: str


def _appeal(a: Appeal) -> dict[str, Any]:
    return {"rating_id": a.rating_id, "state": a.state}


@router.post("/ratings/{rating_id}/appeal", response={201: AppealOut}, summary="申诉: appeal a 差评")
def appeal(request: HttpRequest, rating_id: RowId, payload: AppealIn) -> tuple[int, dict[str, Any]]:
    return 201, _appeal(appeal_file(rating_id=rating_id, actor=viewer(request), reason=payload.reason, now=now()))


@router.post("/ratings/{rating_id}/appeal/decision", response=AppealOut, summary="复核: uphold or dismiss")
def decide(request: HttpRequest, rating_id: RowId, payload: DecisionIn) -> dict[str, Any]:
    return _appeal(
        appeal_decide(rating_id=rating_id, actor=viewer(request), uphold=payload.uphold, note=payload.note, now=now())
    )
