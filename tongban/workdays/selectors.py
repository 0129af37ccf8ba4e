"""Reading the calendar: one cached WorkCalendar per process, refreshed after a load."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db.models import Count, Q

from tongban.workdays.calendar import WorkCalendar
from tongban.workdays.models import CalendarDay, CalendarYear, DayKind, WorkingPeriod

_TTL_SECONDS = 300.0  # another process's load is seen within this time
_lock = threading.Lock()
_cached: tuple[float, WorkCalendar] | None = None


def calendar_get() -> WorkCalendar:
    """The working-day calendar from the database (cached per process for a few minutes)."""
    global _cached
    hit = _cached
    if hit is not None and time.monotonic() - hit[0] < _TTL_SECONDS:
        return hit[1]
    with _lock:
        years = list(CalendarYear.objects.values_list("year", flat=True))
        workdays = list(CalendarDay.objects.filter(workday=True).values_list("date", flat=True))
        periods = [(p.start, p.end) for p in WorkingPeriod.objects.all()]
        cal = WorkCalendar.build(years=years, workdays=workdays, periods=periods or None)
        _cached = (time.monotonic(), cal)
    return cal


def calendar_clear_cache() -> None:
    """Forget the cached calendar (after a load, and between tests)."""
    global _cached
    _cached = None


def working_days_between(start: str, end: str) -> Any:
    """An ORM expression: the working days after the date ``start`` up to and including the date
    ``end`` (names of date columns or annotations of the outer query), as the law counts them;
    NULL when either date is missing or lies in a year the calendar does not hold."""
    from django.db.models import Case, Exists, F, Func, IntegerField, OuterRef, Subquery, When

    counted = (
        CalendarDay.objects.filter(workday=True, date__gt=OuterRef(start), date__lte=OuterRef(end))
        .order_by()
        .values(n=Func(F("pk"), function="COUNT"))
    )
    covered = Exists(CalendarDay.objects.filter(date=OuterRef(start))) & Exists(
        CalendarDay.objects.filter(date=OuterRef(end))
    )
    return Case(
        When(covered, then=Subquery(counted, output_field=IntegerField())), default=None, output_field=IntegerField()
    )


def calendar_years() -> list[dict[str, Any]]:
    """The loaded years, newest first: source, when loaded, and how many holidays and make-up
    working days each has."""
    rows = CalendarYear.objects.annotate(
        holidays=Count("days", filter=Q(days__kind=DayKind.HOLIDAY)),
        makeups=Count("days", filter=Q(days__kind=DayKind.MAKEUP)),
    ).order_by("-year")
    return [
        {"year": r.year, "source": r.source, "loaded_at": r.loaded_at, "holidays": r.holidays, "makeups": r.makeups}
        for r in rows
    ]
