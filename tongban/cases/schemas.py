"""Typed input and output of the cases API (and the plain data services and selectors return)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from tongban.common.schemas import DictOut, ObjectIn

ChannelCode = Literal["online", "window", "kiosk", "phone"]


@dataclass(frozen=True)
class MaterialView:
    """A material as resolved for a person: on file (registry or photo library), presented, or missing."""

    code: str
    name_zh: str
    name_en: str
    required: bool
    state: str  # MaterialState value
    source: str = ""
    provenance: str = ""
    fetched_at: dt.datetime | None = None
    reference: str = ""
    facts: dict[str, Any] | None = None


class SubmitIn(Schema):
    """A new application. Staff give the applicant's ``id_number``; a citizen applies for themself."""

    item_code: str = Field(max_length=48)
    form: dict[str, Any] = Field(default_factory=dict)
    channel: ChannelCode = "online"
    id_number: str | None = Field(default=None, max_length=24)
    presented: list[str] = Field(default_factory=list, description="codes of materials presented at the window")
    decision: Literal["accept", "commitment", "refuse"] | None = Field(
        default=None,
        description="staff at the window: accept, accept under commitment or refuse in the same transaction",
    )
    reason: str = Field(default="", max_length=2000, description="why the application is refused at intake")
    expedited: bool = Field(default=False, description="加急: run against the item's expedited time limit")
    elder_help: bool = Field(default=False, description="staff at the window: 敬老 one-to-one help was given")


class AcceptIn(ObjectIn):
    """Acceptance (受理); ``commitment`` accepts missing materials under 告知承诺."""

    commitment: bool = False
    presented: list[str] = Field(default_factory=list)


class TransitionIn(Schema):
    """Move a case to ``to`` (see ``allowed`` on the case); some moves need a reason."""

    to: str
    reason: str = Field(default="", max_length=2000)
    materials: list[str] = Field(default_factory=list, description="supplement request: materials to hand in again")


class BulkIn(Schema):
    """The same safe move for many cases (approvers: start review, approve)."""

    numbers: list[str] = Field(min_length=1, max_length=100)
    to: Literal["in_review", "approved"]


class MaterialIn(Schema):
    """A material handed in later (supplement, or a promised material under 告知承诺)."""

    code: str
    note: str = Field(default="", max_length=200)


class MaterialOut(DictOut):
    code: str
    name_zh: str
    required: bool
    state: str
    source: str
    provenance: str
    fetched_at: dt.datetime | None
    reference: str


class EventOut(DictOut):
    from_status: str
    to_status: str
    actor_label: str
    role: str
    outlet: str | None
    at: dt.datetime
    reason: str


class CountdownOut(DictOut):
    urgency: Literal["ok", "warning", "overdue", "stopped", "none"]
    days_left: int | None
    seconds_left: int | None


class CaseRowOut(DictOut):
    number: str
    item_code: str
    item_name: str
    department: str
    status: str
    channel: str
    applicant_name: str
    submitted_at: dt.datetime
    deadline_at: dt.datetime | None
    countdown: CountdownOut
    expedited: bool


class CaseOut(CaseRowOut):
    item_version: int
    applicant_id_number: str
    accepting_outlet: str | None
    handling_outlet: str | None
    handling_region: str
    accepted_at: dt.datetime | None
    decided_at: dt.datetime | None
    closed_at: dt.datetime | None
    limit_value: int
    limit_unit: str
    elder_help: bool
    under_commitment: bool
    commitment_due_at: dt.datetime | None
    verification_flagged: bool
    overdue_flagged: bool
    reason: str
    result_reference: str
    form: dict[str, Any]
    materials: list[MaterialOut]
    events: list[EventOut]
    allowed: list[str]


class CasePageOut(DictOut):
    items: list[CaseRowOut]
    page: int
    has_next: bool


class PreviewIn(Schema):
    """Whose checklist staff ask about: in the body, so the ID number is never in a URL."""

    item_code: str = Field(max_length=48)
    id_number: str = Field(default="", max_length=24)


class PreviewOut(DictOut):
    """What the registry and photo library already supply for this person and item."""

    item_code: str
    item_version: int
    materials: list[MaterialOut]


class BulkOut(DictOut):
    done: list[str]
    refused: dict[str, str]


class SweepOut(Schema):
    verification_flagged: list[str]
    overdue_flagged: list[str]


class FlagCountOut(DictOut):
    item_code: str
    item_name: str
    cases: int
    expedited: int
    elder_help: int
