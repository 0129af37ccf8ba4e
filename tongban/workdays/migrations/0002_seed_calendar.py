"""Seed 2020–2026 from chinesecalendar and the default working periods (09:00–12:00, 13:00–17:00).

The years are pinned so that a newer chinesecalendar never silently adds a year: later years are
loaded by an administrator (``tongban calendar-load --year Y``), which the audit log records.
"""

import datetime as dt

from django.db import migrations

YEARS = range(2020, 2027)


def seed(apps, schema_editor):
    import chinese_calendar

    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    WorkingPeriod = apps.get_model("workdays", "WorkingPeriod")
    loaded_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for year in YEARS:
        cy = CalendarYear.objects.create(
            year=year, source=f"chinesecalendar {chinese_calendar.__version__}", loaded_at=loaded_at
        )
        rows = []
        day = dt.date(year, 1, 1)
        while day.year == year:
            _on_holiday, name = chinese_calendar.get_holiday_detail(day)
            workday = chinese_calendar.is_workday(day)
            weekend = day.weekday() >= 5
            if workday:
                kind = "makeup" if weekend else "workday"
            elif weekend and not name:
                kind = "weekend"
            else:
                kind = "holiday"
            rows.append(CalendarDay(date=day, year=cy, workday=workday, kind=kind, name=str(name or "")))
            day += dt.timedelta(days=1)
        CalendarDay.objects.bulk_create(rows)
    if not WorkingPeriod.objects.exists():
        WorkingPeriod.objects.bulk_create(
            [WorkingPeriod(start=dt.time(9), end=dt.time(12)), WorkingPeriod(start=dt.time(13), end=dt.time(17))]
        )


def unseed(apps, schema_editor):
    apps.get_model("workdays", "CalendarYear").objects.filter(year__in=list(YEARS)).delete()
    apps.get_model("workdays", "WorkingPeriod").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
