"""Case reads for other modules' figures and follow-ups: the facts of each case for the rollups,
the moves after a point in the history, short case briefs (tongban.insights, tongban.feedback).

Split from ``tongban.cases.selectors`` (the pages' and the API's reads), which re-exports nothing of
this: import from here.
"""

import datetime as dt
from typing import Any, NamedTuple

from django.db.models import Q, QuerySet

from tongban.cases.models import Case, CaseMaterial, MaterialState, Status
from tongban.common.clock import SHANGHAI


class CaseFactSource(NamedTuple):
    """What the figures need to know of one case: its columns, how many materials it has and how
    many of the required ones the applicant had to bring (neither a registry source nor the photo
    library supplied them), and when and where a clerk moved it (the applicant at a window)."""

    id: int
    number: str
    item_code: str
    department: str
    channel: str
    status: str
    applicant_id: int | None
    accepting_outlet_id: int | None
    handling_outlet_id: int | None
    handling_region: str
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    decided_at: dt.datetime | None
    closed_at: dt.datetime | None
    deadline_at: dt.datetime | None
    materials: int
    brought: int
    window_moves: tuple[tuple[dt.datetime, int | None], ...]


_FACT_COLUMNS = (
    "id",
    "number",
    "item_code",
    "department",
    "channel",
    "status",
    "applicant_id",
    "accepting_outlet_id",
    "handling_outlet_id",
    "handling_region",
    "submitted_at",
    "accepted_at",
    "decided_at",
    "closed_at",
    "deadline_at",
)


def case_fact_sources(*, ids: list[int] | None = None, id_range: tuple[int, int] | None = None) -> list[CaseFactSource]:
    """The fact rows of the cases with these primary keys (or keys in ``[first, last)``), in
    three queries: the cases, their materials counted, their clerks' moves."""
    from django.db.models import Count

    from tongban.cases.models import CaseEvent

    if ids is not None:
        where: dict[str, Any] = {"pk__in": ids}
        by_case: dict[str, Any] = {"case_id__in": ids}
    elif id_range is not None:
        where = {"pk__gte": id_range[0], "pk__lt": id_range[1]}
        by_case = {"case_id__gte": id_range[0], "case_id__lt": id_range[1]}
    else:
        raise ValueError("give ids or id_range")
    cases = list(Case.objects.filter(**where).order_by().values_list(*_FACT_COLUMNS))
    if not cases:
        return []
    supplied = [MaterialState.SUPPLIED, MaterialState.PHOTO]
    counts = {
        row[0]: row[1:]
        for row in CaseMaterial.objects.filter(**by_case)
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"), brought=Count("pk", filter=Q(required=True) & ~Q(state__in=supplied)))
        .values_list("case_id", "n", "brought")
    }
    moves: dict[int, list[tuple[dt.datetime, int | None]]] = {}
    for case_id, at, outlet_id in list(
        CaseEvent.objects.filter(**by_case, role="clerk").order_by().values_list("case_id", "at", "outlet_id")
    ):
        moves.setdefault(case_id, []).append((at, outlet_id))
    return [
        CaseFactSource._make((*row, *counts.get(row[0], (0, 0)), tuple(sorted(moves.get(row[0], ()))))) for row in cases
    ]


def case_fact_queryset(*, ids: list[int] | None = None, id_range: tuple[int, int] | None = None) -> QuerySet[Case]:
    """These cases (primary keys, or keys in ``[first, last)``), annotated with what only the
    case tables tell: ``materials_none`` (the case has no materials), ``brought_none`` (no
    required material had to be brought: a registry source or the photo library supplied each)
    and ``clerk_days`` (local days a clerk moved the case: the applicant at a window). The
    figures add their own columns and read it as SQL."""
    from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce, TruncDate

    from tongban.cases.models import CaseEvent

    if ids is not None:
        qs = Case.objects.filter(pk__in=ids)
    elif id_range is not None:
        qs = Case.objects.filter(pk__gte=id_range[0], pk__lt=id_range[1])
    else:
        raise ValueError("give ids or id_range")
    materials = CaseMaterial.objects.filter(case=OuterRef("pk"))
    supplied = [MaterialState.SUPPLIED, MaterialState.PHOTO]
    days = (
        CaseEvent.objects.filter(case=OuterRef("pk"), role="clerk")
        .order_by()
        .values("case")
        .annotate(n=Count(TruncDate("at", tzinfo=SHANGHAI), distinct=True))
        .values("n")
    )
    return qs.order_by().annotate(
        materials_none=~Exists(materials),
        brought_none=~Exists(materials.filter(required=True).exclude(state__in=supplied)),
        clerk_days=Coalesce(Subquery(days, output_field=IntegerField()), 0),
    )


def case_window_applicants(*, ids: list[int] | None = None, id_range: tuple[int, int] | None = None) -> list[int]:
    """The cases among these that a clerk moved and that have an applicant account (whose
    check-ins may time the visits)."""
    from tongban.cases.models import CaseEvent

    if ids is not None:
        events = CaseEvent.objects.filter(case_id__in=ids)
    elif id_range is not None:
        events = CaseEvent.objects.filter(case_id__gte=id_range[0], case_id__lt=id_range[1])
    else:
        raise ValueError("give ids or id_range")
    return sorted(
        set(
            events.filter(role="clerk", case__applicant__isnull=False)
            .order_by()
            .values_list("case_id", flat=True)
            .distinct()
        )
    )


def case_id_bounds() -> tuple[int, int]:
    """The smallest and one past the largest case primary key ((0, 0) with no cases)."""
    from django.db.models import Max, Min

    got = Case.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    return (0, 0) if got["lo"] is None else (int(got["lo"]), int(got["hi"]) + 1)


class CaseMove(NamedTuple):
    """One row of the case history, as the change feeds read it."""

    id: int
    case_id: int
    to_status: str
    at: dt.datetime


def case_moves_after(*, after_id: int, limit: int, to_status: tuple[str, ...] = ()) -> list[CaseMove]:
    """Up to ``limit`` history rows with a primary key above ``after_id``, in key order
    (optionally only moves to ``to_status``)."""
    from tongban.cases.models import CaseEvent

    qs = CaseEvent.objects.filter(pk__gt=after_id)
    if to_status:
        qs = qs.filter(to_status__in=to_status)
    return [CaseMove(*r) for r in qs.order_by("pk").values_list("pk", "case_id", "to_status", "at")[:limit]]


def case_move_keys_after(*, after_id: int, limit: int) -> list[tuple[int, int]]:
    """(history row key, case key) of up to ``limit`` history rows above ``after_id``, in key
    order: what a feed that only needs to know which cases moved reads (no timestamps to parse,
    a day of 200,000 moves)."""
    from tongban.cases.models import CaseEvent

    return list(CaseEvent.objects.filter(pk__gt=after_id).order_by("pk").values_list("pk", "case_id")[:limit])


class CaseBrief(NamedTuple):
    """A case as a rating sees it: who applied, what, where, and which staff member accepted and
    which one decided it (None when the system or nobody did)."""

    id: int
    number: str
    item_code: str
    item_name: str
    department: str
    status: str
    channel: str
    applicant_id: int | None
    applicant_id_number: str
    applicant_name: str
    person_id: int | None
    accepting_outlet_id: int | None
    handling_outlet_id: int | None
    handling_region: str
    accepted_at: dt.datetime | None
    closed_at: dt.datetime | None
    accepted_by: int | None
    decided_by: int | None


def case_briefs(*, numbers: list[str] | None = None, ids: list[int] | None = None) -> dict[str, CaseBrief]:
    """The briefs of these cases by number (missing ones are left out), in two queries."""
    from tongban.cases.models import CaseEvent

    qs = Case.objects.filter(number__in=numbers) if numbers is not None else Case.objects.filter(pk__in=ids or [])
    rows = list(
        qs.order_by().values_list(
            "id",
            "number",
            "item_code",
            "item_name",
            "department",
            "status",
            "channel",
            "applicant_id",
            "applicant_id_number",
            "applicant_name",
            "person_id",
            "accepting_outlet_id",
            "handling_outlet_id",
            "handling_region",
            "accepted_at",
            "closed_at",
        )
    )
    acted: dict[tuple[int, str], int | None] = {}
    decisions = (Status.ACCEPTED, Status.APPROVED, Status.DENIED, Status.REFUSED_AT_INTAKE)
    for case_id, to, actor in (
        CaseEvent.objects.filter(case_id__in=[r[0] for r in rows], to_status__in=decisions)
        .order_by("at", "pk")
        .values_list("case_id", "to_status", "actor_id")
    ):
        kind = "accepted" if to == Status.ACCEPTED else "decided"
        acted[(case_id, kind)] = actor
    return {r[1]: CaseBrief._make((*r, acted.get((r[0], "accepted")), acted.get((r[0], "decided")))) for r in rows}


def case_move_last_id() -> int:
    """The primary key of the newest history row (0 with none): where a change feed starts."""
    from django.db.models import Max

    from tongban.cases.models import CaseEvent

    return int(CaseEvent.objects.aggregate(m=Max("pk"))["m"] or 0)
