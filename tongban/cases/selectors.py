"""Case reads: item specs, what the registry and photo library supply, lists with countdowns.

Lists fetch everything a page shows in a fixed number of queries (no per-row queries) and compute
the SLA countdown in Python from the cached working-day calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Q

from tongban.cases.machine import CLOCK_RUNS, QUEUE, TERMINAL, targets_from
from tongban.cases.models import Case, CaseMaterial, MaterialState, Status
from tongban.cases.schemas import MaterialView
from tongban.cases.sql import ROW_FIELDS, mine_rows, queue_rows
from tongban.common.access import access_get, access_lookups, access_q
from tongban.common.clock import SHANGHAI
from tongban.common.roles import Role
from tongban.workdays.calendar import CalendarMissing, Countdown, Urgency, WorkCalendar, countdown
from tongban.workdays.selectors import calendar_get

PAGE_SIZE = 20


def item_spec(*, code: str, version: int | None = None) -> Any:
    """The catalog's ItemSpec (current version, or the version a case was filed under). Raises NotFound."""
    from tongban.catalog.selectors import item_get, item_version_get

    return item_get(code=code) if version is None else item_version_get(code=code, version=version)


def photo_api() -> tuple[Callable[..., Any] | None, Callable[..., Any] | None]:
    """``photo_latest_valid`` and ``photo_use_record`` from the photos module, or None each when
    that module does not provide them (then a photo material is simply "needed")."""
    try:
        from tongban.photos import services as photos
    except ImportError:
        return None, None
    return getattr(photos, "photo_latest_valid", None), getattr(photos, "photo_use_record", None)


def _provenance(label: str, at: dt.datetime) -> str:
    # stored with the case, in Chinese; pages show it in the reader's language (cases_tags.provenance)
    return f"来自{label}，读取于 {at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


def materials_resolve(
    *,
    item: Any,
    id_number: str,
    at: dt.datetime,
    presented: set[str] | None = None,
    supplied: dict[str, Any] | None = None,
) -> list[MaterialView]:
    """Each material of ``item`` for this person: supplied by a registry source (一证通办, with
    provenance), a valid photo from the photo library, presented at the window, or missing.
    ``supplied``: what the registry sources already answered (``registry_supply_many``, covering
    the materials' sources); without it the sources are asked here, together."""
    presented = presented or set()
    latest, _record = photo_api()
    on_file = supplied
    if on_file is None:
        from tongban.registry.selectors import registry_supply_many

        on_file = registry_supply_many(
            sources=[m.source for m in item.materials if m.source], id_number=id_number, at=at
        )
    out: list[MaterialView] = []
    for m in item.materials:
        base = {"code": m.code, "name_zh": m.name_zh, "name_en": m.name_en, "required": m.required}
        if m.source:
            sup = on_file[m.source]
            if sup is not None:
                out.append(
                    MaterialView(
                        **base,
                        state=MaterialState.SUPPLIED,
                        source=m.source,
                        provenance=_provenance(sup.label, sup.fetched_at),
                        fetched_at=sup.fetched_at,
                        reference=sup.reference,
                        facts=_jsonable(sup.facts),
                    )
                )
                continue
        if m.photo_standard and latest is not None:
            offer = latest(id_number=id_number, standard=m.photo_standard, at=at)
            if offer is not None:
                taken = getattr(offer, "taken_at", None)
                out.append(
                    MaterialView(
                        **base,
                        state=MaterialState.PHOTO,
                        source="photo",
                        provenance="照片库标准照片"
                        + (f"，拍摄于 {taken.astimezone(SHANGHAI):%Y-%m-%d}" if taken else ""),
                        fetched_at=at,
                        reference=str(offer.derivative_id),
                    )
                )
                continue
        state = MaterialState.PRESENTED if m.code in presented else MaterialState.MISSING
        out.append(MaterialView(**base, state=state, source=m.source or ("photo" if m.photo_standard else "")))
    return out


def _jsonable(facts: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(facts, default=str))


# --- countdowns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowCountdown:
    """A row's SLA state for display: urgency plus working days/seconds left."""

    urgency: str
    days_left: int | None = None
    seconds_left: int | None = None


def row_countdown(
    *,
    status: str,
    deadline_at: dt.datetime | None,
    limit_unit: str,
    clock_remaining: int | None,
    now: dt.datetime,
    cal: WorkCalendar | None = None,
) -> RowCountdown:
    """The countdown of a case (given by its columns) at ``now``; ``stopped`` while a supplement
    is awaited."""
    if status == Status.SUPPLEMENT_REQUESTED:
        unit_days = limit_unit == "working_days"
        return RowCountdown("stopped", clock_remaining if unit_days else None, None if unit_days else clock_remaining)
    if status not in CLOCK_RUNS or deadline_at is None:
        return RowCountdown("none")
    try:
        c: Countdown = countdown(cal or calendar_get(), now=now, deadline=deadline_at, unit=limit_unit)
    except CalendarMissing:
        return RowCountdown(Urgency.OVERDUE if now >= deadline_at else "ok")
    return RowCountdown(c.urgency.value, c.days_left, c.seconds_left)


def case_countdown(case: Any, *, now: dt.datetime, cal: WorkCalendar | None = None) -> RowCountdown:
    """The countdown of one case (a Case or a CaseRow) at ``now``."""
    return row_countdown(
        status=case.status,
        deadline_at=case.deadline_at,
        limit_unit=case.limit_unit,
        clock_remaining=case.clock_remaining,
        now=now,
        cal=cal,
    )


# --- lists and details ------------------------------------------------------------------------------


class CaseRow(NamedTuple):
    """One row of a case list: only the columns a list page or the API shows (no model instance:
    building 21 of those costs more than the query). In the order of cases.sql.ROW_FIELDS."""

    pk: int
    number: str
    item_code: str
    item_name: str
    department: str
    status: str
    channel: str
    applicant_name: str
    submitted_at: dt.datetime
    limit_unit: str
    deadline_at: dt.datetime | None
    clock_remaining: int | None
    expedited: bool


@dataclass
class Page:
    """One page of rows (no COUNT(*): ``has_next`` comes from fetching one row more)."""

    rows: list[dict[str, Any]]
    page: int
    has_next: bool


def _page(raw: list[list[Any]], *, page: int, now: dt.datetime, per_page: int) -> Page:
    cal = calendar_get()
    rows = []
    for values in raw[:per_page]:
        c = CaseRow._make(values)
        rows.append({"case": c, "countdown": case_countdown(c, now=now, cal=cal)})
    return Page(rows, page, len(raw) > per_page)


def cases_mine(*, user: Any, now: dt.datetime, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """A citizen's own cases (as their registry person or as the account that filed them), or the
    cases in a staff member's scope, newest first (one statement, cases.sql.mine_rows)."""
    page = max(1, page)
    start, stop = (page - 1) * per_page, page * per_page + 1
    raw = mine_rows(scope=access_lookups(user, Case), start=start, stop=stop)
    return _page(raw, page=page, now=now, per_page=per_page)


def case_queue(*, user: Any, now: dt.datetime, page: int = 1, status: str = "", per_page: int = PAGE_SIZE) -> Page:
    """The approver's department queue (or a clerk's outlet cases), most urgent first: the
    earliest running deadline, then cases waiting for acceptance by submission time (one
    statement, cases.sql.queue_rows)."""
    page = max(1, page)
    start, stop = (page - 1) * per_page, page * per_page + 1
    states = (status,) if status in QUEUE else tuple(QUEUE)
    raw = queue_rows(scope=access_lookups(user, Case), states=states, start=start, stop=stop)
    return _page(raw, page=page, now=now, per_page=per_page)


#: What the person card on the clerk's workbench lists: every case not yet finished, results
#: waiting to be handed over (已出证) included.
OPEN = tuple(s.value for s in Status if s not in TERMINAL)


def _orm_page(qs: Any, *, order: tuple[Any, ...], page: int, now: dt.datetime, per_page: int) -> Page:
    """One page of ``qs`` as list rows (one statement: the columns of cases.sql.ROW_FIELDS)."""
    page = max(1, page)
    start, stop = (page - 1) * per_page, page * per_page + 1
    raw = [list(r) for r in qs.order_by(*order).values_list(*ROW_FIELDS)[start:stop]]
    return _page(raw, page=page, now=now, per_page=per_page)


def handover_q(*, outlet_id: int) -> Q:
    """The cases whose result the outlet hands over: the ones accepted there, and the ones filed
    elsewhere than at a window (online, by phone, at a kiosk) and handled there. A case accepted at
    one window and handled at another (代收代办) goes back to the window that accepted it. The
    same rule picks a case's outlet for the figures (tongban.insights, tongban.feedback)."""
    return Q(accepting_outlet_id=outlet_id) | Q(accepting_outlet__isnull=True, handling_outlet_id=outlet_id)


def _handover_qs(user: Any) -> Any:
    """Results issued (已出证) waiting for the hand-over the user may record (write scope), at the
    user's own outlet when they have one (a clerk)."""
    q = access_q(user, Case, write=True)
    qs = Case.objects.filter(status=Status.RESULT_ISSUED)
    qs = qs if q is None else qs.filter(q)
    outlet_id = getattr(user, "outlet_id", None)
    if getattr(user, "role", "") == Role.CLERK and outlet_id is not None:
        qs = qs.filter(handover_q(outlet_id=outlet_id))
    return qs


def cases_handover(*, user: Any, now: dt.datetime, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """待交付结果: the results waiting to be handed over at the user's outlet (``_handover_qs``),
    the longest waiting first (one statement)."""
    order = ("decided_at", "submitted_at", "id")
    return _orm_page(_handover_qs(user), order=order, page=page, now=now, per_page=per_page)


def cases_handover_count(*, user: Any) -> int:
    """How many results wait to be handed over at the user's outlet (one statement)."""
    return int(_handover_qs(user).count())


def cases_of_person(*, user: Any, person_id: int, now: dt.datetime, per_page: int = PAGE_SIZE) -> Page:
    """A person's unfinished cases (``OPEN``) in the user's scope, newest first: what a clerk's
    workbench shows on the person's card (one statement)."""
    q = access_q(user, Case)
    qs = Case.objects.filter(person_id=person_id, status__in=OPEN)
    qs = qs if q is None else qs.filter(q)
    return _orm_page(qs, order=("-submitted_at", "-id"), page=1, now=now, per_page=per_page)


def case_numbers_of(*, person_id: int | None, id_number: str) -> list[str]:
    """The numbers of every case about this person or applied for by them (the auditors'
    查阅记录 looks up staff reads of each), whatever their status."""
    q = Q(applicant_id_number=id_number)
    if person_id is not None:
        q |= Q(person_id=person_id)
    return list(Case.objects.filter(q).order_by().values_list("number", flat=True).distinct())


def case_get(*, user: Any, number: str) -> Case:
    """One case the user may read. Raises NotFound."""
    qs = Case.objects.select_related("accepting_outlet", "handling_outlet")
    return access_get(user, qs, number=number)


def material_names(case: Case, codes: list[str]) -> str:
    """The names of these materials of a case, in the reader's language, for a message."""
    from django.utils.translation import get_language

    english = (get_language() or "").lower().startswith("en")
    names = dict(case.materials.filter(code__in=codes).values_list("code", "name_zh"))
    if english:
        from tongban.common.errors import DomainError

        try:
            spec = item_spec(code=case.item_code, version=case.item_version)
        except DomainError:  # a withdrawn item: the Chinese names recorded
            spec = None
        if spec is not None:
            names.update({m.code: m.name_en for m in spec.materials if m.code in names and m.name_en})
    return (", " if english else "、").join(names.get(c, c) for c in codes)


def case_detail(*, user: Any, case: Case, now: dt.datetime) -> dict[str, Any]:
    """Everything a case page or the API shows, already fetched."""
    events = list(case.events.select_related("outlet").order_by("at", "pk"))
    materials = list(CaseMaterial.objects.filter(case=case).order_by("pk"))
    role = getattr(user, "role", "")
    return {
        "case": case,
        "events": events,
        "materials": materials,
        "countdown": case_countdown(case, now=now),
        "allowed": targets_from(case.status, role),
        "missing": [m for m in materials if m.state in (MaterialState.MISSING, MaterialState.PROMISED)],
    }


# --- for the figures and ratings (tongban.insights, tongban.feedback) ---------------------------
# Plain rows, no access check: the callers are system tasks (the figures' refresh, the rating
# invitations) or check access themselves (a rating is given by the case's applicant, or on a
# page a clerk in scope handed over).


def case_flag_counts(*, user: Any, since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
    """The service flags in the user's scope per item, for cases submitted in [since, until):
    cases, 加急 (expedited) cases and cases with 敬老 one-to-one help at the window; items with
    cases only, most cases first."""
    from django.db.models import Count, Max

    q = access_q(user, Case)
    qs = Case.objects.filter(submitted_at__gte=since, submitted_at__lt=until)
    qs = qs if q is None else qs.filter(q)
    rows = (
        qs.values("item_code")
        .annotate(
            item_name=Max("item_name"),
            cases=Count("pk"),
            expedited=Count("pk", filter=Q(expedited=True)),
            elder_help=Count("pk", filter=Q(elder_help=True)),
        )
        .order_by("-cases", "item_code")
    )
    return [dict(r) for r in rows]
