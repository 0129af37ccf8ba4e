"""Reading the calendar: one cached WorkCalendar per process, refreshed after a load."""

from __future__ import annotations

import threading
import time

from tongban.workdays.calendar import WorkCalendar
from tongban.workdays.models import CalendarDay, CalendarYear, WorkingPeriod

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
