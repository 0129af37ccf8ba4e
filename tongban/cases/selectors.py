"""Case reads: item specs, what the registry and photo library supply, lists with countdowns.

Lists fetch everything a page shows in a fixed number of queries (no per-row queries) and compute
the SLA countdown in Python from the cached working-day calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet

from tongban.cases.machine import CLOCK_RUNS, QUEUE, targets_from
from tongban.cases.models import Case, CaseMaterial, MaterialState, Status
from tongban.cases.schemas import MaterialView
from tongban.common.access import access_filter, access_get
from tongban.workdays.calendar import SHANGHAI, CalendarMissing, Countdown, Urgency, WorkCalendar, countdown
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
    return (
        f"来自{label}，读取于 {at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} / from {label} records at {at:%Y-%m-%dT%H:%MZ}"
    )


def materials_resolve(
    *, item: Any, id_number: str, at: dt.datetime, presented: set[str] | None = None
) -> list[MaterialView]:
    """Each material of ``item`` for this person: supplied by a registry source (一证通办, with
    provenance), a valid photo from the photo library, presented at the window, or missing."""
    from tongban.registry.selectors import registry_supply

    presented = presented or set()
    latest, _record = photo_api()
    out: list[MaterialView] = []
    for m in item.materials:
        base = {"code": m.code, "name_zh": m.name_zh, "name_en": m.name_en, "required": m.required}
        if m.source:
            sup = registry_supply(source=m.source, id_number=id_number, at=at)
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
                        provenance=f"照片库 {m.photo_standard} 标准照片"
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


def case_countdown(case: Case, *, now: dt.datetime, cal: WorkCalendar | None = None) -> RowCountdown:
    """The countdown of one case at ``now`` (``stopped`` while a supplement is awaited)."""
    if case.status == Status.SUPPLEMENT_REQUESTED:
        unit_days = case.limit_unit == "working_days"
        return RowCountdown(
            "stopped", case.clock_remaining if unit_days else None, None if unit_days else case.clock_remaining
        )
    if case.status not in CLOCK_RUNS or case.deadline_at is None:
        return RowCountdown("none")
    try:
        c: Countdown = countdown(cal or calendar_get(), now=now, deadline=case.deadline_at, unit=case.limit_unit)
    except CalendarMissing:
        return RowCountdown(Urgency.OVERDUE if now >= case.deadline_at else "ok")
    return RowCountdown(c.urgency.value, c.days_left, c.seconds_left)


# --- lists and details ------------------------------------------------------------------------------

_ROW_FIELDS = (
    "number",
    "item_code",
    "item_name",
    "department",
    "status",
    "channel",
    "applicant_name",
    "submitted_at",
    "deadline_at",
    "limit_unit",
    "clock_remaining",
    "person_id",
    "applicant_id",
)


@dataclass
class Page:
    """One page of rows (no COUNT(*): ``has_next`` comes from fetching one row more)."""

    rows: list[dict[str, Any]]
    page: int
    has_next: bool
    rows_html: str = ""  # filled by the page view


def _page(qs: QuerySet[Case], *, page: int, now: dt.datetime, per_page: int = PAGE_SIZE) -> Page:
    page = max(1, page)
    start = (page - 1) * per_page
    cases = list(qs.only(*_ROW_FIELDS)[start : start + per_page + 1])
    cal = calendar_get()
    rows = [{"case": c, "countdown": case_countdown(c, now=now, cal=cal)} for c in cases[:per_page]]
    return Page(rows, page, len(cases) > per_page)


def cases_mine(*, user: Any, now: dt.datetime, page: int = 1) -> Page:
    """A citizen's own cases, newest first."""
    qs = access_filter(user, Case.objects.all())
    return _page(qs.order_by("-submitted_at", "-pk"), page=page, now=now)


def case_queue(*, user: Any, now: dt.datetime, page: int = 1, status: str = "") -> Page:
    """The approver's department queue (or a clerk's outlet cases), most urgent first: the
    earliest running deadline, then cases waiting for acceptance by submission time."""
    states = [status] if status in QUEUE else list(QUEUE)
    qs = access_filter(user, Case.objects.filter(status__in=states))
    return _page(qs.order_by(F("deadline_at").asc(nulls_last=True), "submitted_at", "pk"), page=page, now=now)


def case_get(*, user: Any, number: str) -> Case:
    """One case the user may read. Raises NotFound."""
    qs = Case.objects.select_related("accepting_outlet", "handling_outlet")
    return access_get(user, qs, number=number)


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
