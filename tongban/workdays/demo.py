"""Demo calendar: the years the demo clock needs (this year and next).

A year chinesecalendar knows is loaded from it. A year it does not know yet (the State Council
publishes each schedule late in the year before) is loaded, in the embedded demo ONLY, as plain
Monday–Friday with a source that says so — production never gets this (there a missing year
stays an error until an administrator loads the published schedule).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from tongban.common.errors import DomainError
from tongban.workdays.models import CalendarYear
from tongban.workdays.services import calendar_year_load, schedule_from_chinesecalendar

DEMO_SOURCE = "演示用：仅周一至周五，非国务院安排"


def demo_load(*, now: dt.datetime, stdout: Any) -> None:
    """Make sure this year and next are in the calendar (idempotent)."""
    for year in (now.year, now.year + 1):
        if CalendarYear.objects.filter(year=year).exists():
            continue
        try:
            calendar_year_load(
                year=year, rules=schedule_from_chinesecalendar(year=year), source="chinesecalendar", now=now
            )
            stdout.write(f"workdays: {year} loaded from chinesecalendar")
        except DomainError:
            if settings.PRODUCTION:
                stdout.write(
                    f"workdays: no schedule for {year}; load it with `tongban calendar-load --year {year} --file ...`"
                )
                continue
            calendar_year_load(year=year, rules=[], source=DEMO_SOURCE, now=now)
            stdout.write(f"workdays: {year} loaded as Mon-Fri for the demo only (no published schedule)")
