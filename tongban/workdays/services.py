"""Loading a year's State Council schedule into the calendar (one transaction, one audit row)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext

from tongban.audit.services import audit_record
from tongban.common.access import Viewer
from tongban.common.errors import Invalid
from tongban.workdays.models import CalendarDay, CalendarYear, DayKind
from tongban.workdays.selectors import calendar_clear_cache


@dataclass(frozen=True)
class DayRule:
    """An exception to the weekday rule: a holiday on a weekday or a 调休 working weekend."""

    date: dt.date
    workday: bool
    name: str = ""


def schedule_parse(*, text: str, year: int) -> list[DayRule]:
    """Parse the simple schedule file: one ``YYYY-MM-DD holiday|workday [name]`` per line.

    ``#`` starts a comment. Only exceptions are listed; every other date follows the weekday rule.
    Raises Invalid naming the line for a bad date, a date outside ``year``, an unknown kind or a
    date listed twice.
    """
    rules: dict[dt.date, DayRule] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if len(parts) < 2:
            raise Invalid((gettext("第 %(n)s 行格式错误") % {"n": n}), line=n)
        try:
            day = dt.date.fromisoformat(parts[0])
        except ValueError:
            raise Invalid((gettext("第 %(n)s 行日期无效") % {"n": n}), line=n) from None
        if day.year != year:
            raise Invalid((gettext("第 %(n)s 行日期不属于 %(year)s 年") % {"n": n, "year": year}), line=n)
        kind = parts[1].lower()
        if kind not in {"holiday", "workday"}:
            raise Invalid((gettext("第 %(n)s 行类型应为 holiday 或 workday") % {"n": n}), line=n)
        if day in rules:
            raise Invalid((gettext("第 %(n)s 行日期重复") % {"n": n}), line=n)
        rules[day] = DayRule(day, kind == "workday", parts[2].strip() if len(parts) > 2 else "")
    return sorted(rules.values(), key=lambda r: r.date)


def schedule_from_chinesecalendar(*, year: int) -> list[DayRule]:
    """The exceptions of ``year`` from the ``chinesecalendar`` package.

    Raises Invalid when the package has no data for that year.
    """
    import chinese_calendar

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    try:
        holidays = chinese_calendar.get_holidays(start, end, include_weekends=False)
        makeup = [d for d in chinese_calendar.get_workdays(start, end) if d.weekday() >= 5]
    except NotImplementedError:
        raise Invalid(
            (gettext("chinesecalendar 没有 %(year)s 年的数据，请导入国务院办公厅通知") % {"year": year}),
            code="calendar_missing",
        ) from None
    rules = [DayRule(d, False, _holiday_name(d)) for d in holidays]
    rules += [DayRule(d, True, _holiday_name(d)) for d in makeup]
    return sorted(rules, key=lambda r: r.date)


def _holiday_name(day: dt.date) -> str:
    import chinese_calendar

    _on, name = chinese_calendar.get_holiday_detail(day)
    return str(name or "")


def calendar_year_load(
    *, year: int, rules: list[DayRule], source: str, now: dt.datetime, actor: Viewer | None = None
) -> CalendarYear:
    """Replace the calendar of ``year``: every date follows the weekday rule except ``rules``.

    Raises Invalid when a rule's date is not in ``year``.
    """
    exceptions = {r.date: r for r in rules}
    if any(d.year != year for d in exceptions):
        raise Invalid(gettext("规则日期不属于 %(year)s 年") % {"year": year})
    days = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        rule = exceptions.get(day)
        weekend = day.weekday() >= 5
        if rule is None:
            days.append((day, not weekend, DayKind.WEEKEND if weekend else DayKind.WORKDAY, ""))
        elif rule.workday:
            days.append((day, True, DayKind.MAKEUP if weekend else DayKind.WORKDAY, rule.name))
        else:
            days.append((day, False, DayKind.HOLIDAY, rule.name))
        day += dt.timedelta(days=1)
    with transaction.atomic():
        cy, _ = CalendarYear.objects.update_or_create(year=year, defaults={"source": source[:120], "loaded_at": now})
        CalendarDay.objects.filter(year=cy).delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(date=d, year=cy, workday=w, kind=k, name=nm) for d, w, k, nm in days
        )
        audit_record(
            action="calendar.load",
            object_type="calendar_year",
            object_id=str(year),
            at=now,
            actor=actor,
            data={"source": source[:120], "workdays": sum(1 for d in days if d[1]), "exceptions": len(exceptions)},
        )
        transaction.on_commit(calendar_clear_cache)
    return cy
