"""Working-day arithmetic on the Chinese statutory calendar: pure functions, no Django, no clock.

Everything takes ``now``/``start`` and a :class:`WorkCalendar`. Periods are half-open
(``[start, end)``); a day-based deadline is the instant the last counted working day ends, i.e.
00:00 Asia/Shanghai of the next calendar day. A date in a year the calendar does not cover is an
error (:class:`CalendarMissing`), never a guess from the weekday.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.utils.translation import gettext

from tongban.common.clock import SHANGHAI
from tongban.common.errors import Conflict

_MAX_DAYS = 3 * 366  # no limit in the catalog is longer; a loop past this is a data error


class Unit(StrEnum):
    """The units a time limit is counted in."""

    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"  # some legal limits (e.g. 15 日) count every day


class CalendarMissing(Conflict):
    """The calendar holds no data for a year the computation reaches (an administrator must load it)."""

    code = "calendar_missing"

    def __init__(self, year: int) -> None:
        super().__init__(
            (gettext("%(year)s 年的节假日安排尚未导入，无法计算期限") % {"year": year}),
            year=year,
        )
        self.year = year


@dataclass(frozen=True)
class WorkCalendar:
    """The statutory calendar for some years plus the daily working periods (local times).

    ``workdays`` holds every working date of the covered ``years`` (weekdays minus holidays plus
    调休 working weekends); ``periods`` are the half-open working periods of a working day,
    e.g. ``((09:00, 12:00), (13:00, 17:00))``.
    """

    years: frozenset[int]
    workdays: frozenset[dt.date]
    periods: tuple[tuple[dt.time, dt.time], ...] = ((dt.time(9), dt.time(12)), (dt.time(13), dt.time(17)))
    tz: ZoneInfo = field(default=SHANGHAI)

    @classmethod
    def build(
        cls,
        *,
        years: Iterable[int],
        workdays: Iterable[dt.date],
        periods: Iterable[tuple[dt.time, dt.time]] | None = None,
    ) -> WorkCalendar:
        """A calendar from plain data; periods are sorted and checked for overlap."""
        ps = tuple(sorted(periods)) if periods is not None else cls.periods
        for (a, b), (c, _d) in itertools.pairwise(ps):
            if not a < b <= c:
                raise ValueError(f"working periods overlap or are empty: {a}-{b}, {c}")
        if ps and not ps[-1][0] < ps[-1][1]:
            raise ValueError("a working period must end after it starts")
        return cls(years=frozenset(years), workdays=frozenset(workdays), periods=ps)

    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day. Raises CalendarMissing outside the covered years."""
        if day.year not in self.years:
            raise CalendarMissing(day.year)
        return day in self.workdays

    def local(self, at: dt.datetime) -> dt.datetime:
        """``at`` in the calendar's zone. Raises ValueError for a naive datetime."""
        if at.tzinfo is None:
            raise ValueError("datetimes must be timezone-aware")
        return at.astimezone(self.tz)

    def day_end(self, day: dt.date) -> dt.datetime:
        """The exclusive end of ``day``: 00:00 local of the next day."""
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=self.tz)

    def working_seconds_per_day(self) -> int:
        """Length of one working day in seconds (sum of the periods)."""
        return sum(_seconds(b) - _seconds(a) for a, b in self.periods)


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def add_working_days(cal: WorkCalendar, start: dt.datetime, days: int) -> dt.datetime:
    """The deadline ``days`` working days after ``start``: the end of the ``days``-th working day
    strictly after start's local date (the day of acceptance is not counted, as the law counts).

    ``days == 0`` means "by the end of the start day". Raises CalendarMissing, ValueError.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    day = cal.local(start).date()
    if days == 0:
        return cal.day_end(day)
    counted = 0
    for _ in range(_MAX_DAYS):
        day += dt.timedelta(days=1)
        if cal.is_workday(day):
            counted += 1
            if counted == days:
                return cal.day_end(day)
    raise ValueError(f"{days} working days do not fit in {_MAX_DAYS} calendar days")


def working_days_left(cal: WorkCalendar, now: dt.datetime, deadline: dt.datetime) -> int:
    """Working days after now's local date up to and including the deadline's last day.

    0 means the deadline falls today (or has passed: see ``is_overdue``). Raises CalendarMissing.
    """
    today = cal.local(now).date()
    last = (cal.local(deadline) - dt.timedelta(microseconds=1)).date()
    n = 0
    day = today + dt.timedelta(days=1)
    while day <= last:
        if cal.is_workday(day):
            n += 1
        day += dt.timedelta(days=1)
    return n


def _periods_on(cal: WorkCalendar, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    if not cal.is_workday(day):
        return []
    return [
        (dt.datetime.combine(day, a, tzinfo=cal.tz), dt.datetime.combine(day, b, tzinfo=cal.tz)) for a, b in cal.periods
    ]


def add_working_seconds(cal: WorkCalendar, start: dt.datetime, seconds: int) -> dt.datetime:
    """The instant when ``seconds`` of working time, counted from ``start``, are used up.

    Time outside the working periods (nights, lunch, weekends, holidays) does not count. A limit
    used up exactly at the end of a period ends there. Raises CalendarMissing, ValueError.
    """
    if seconds < 0:
        raise ValueError("seconds must be >= 0")
    at = cal.local(start)
    left = dt.timedelta(seconds=seconds)
    day = at.date()
    for _ in range(_MAX_DAYS):
        for a, b in _periods_on(cal, day):
            if b <= at:
                continue
            begin = max(a, at)
            if begin + left <= b:
                return begin + left
            left -= b - begin
        day += dt.timedelta(days=1)
    raise ValueError(f"{seconds} working seconds do not fit in {_MAX_DAYS} calendar days")


def add_working_hours(cal: WorkCalendar, start: dt.datetime, hours: int) -> dt.datetime:
    """``add_working_seconds`` for whole hours."""
    return add_working_seconds(cal, start, hours * 3600)


def working_seconds_between(cal: WorkCalendar, start: dt.datetime, end: dt.datetime) -> int:
    """Working time in ``[start, end)`` in seconds (0 if end <= start). Raises CalendarMissing."""
    a0, b0 = cal.local(start), cal.local(end)
    if b0 <= a0:
        return 0
    total = dt.timedelta()
    day = a0.date()
    while day <= b0.date():
        for a, b in _periods_on(cal, day):
            lo, hi = max(a, a0), min(b, b0)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return int(total.total_seconds())


def deadline_add(cal: WorkCalendar, start: dt.datetime, value: int, unit: str) -> dt.datetime:
    """The deadline ``value`` ``unit`` after ``start``. Raises CalendarMissing, ValueError."""
    if unit == Unit.WORKING_DAYS:
        return add_working_days(cal, start, value)
    if unit == Unit.WORKING_HOURS:
        return add_working_hours(cal, start, value)
    if unit == Unit.CALENDAR_DAYS:
        return cal.day_end(cal.local(start).date() + dt.timedelta(days=value))
    raise ValueError(f"unknown time-limit unit {unit!r}")


def clock_remaining(cal: WorkCalendar, now: dt.datetime, deadline: dt.datetime, unit: str) -> int:
    """What is left of a running limit when its clock stops (中止计时), in the limit's own terms:
    working days still to come for day limits, working seconds for hour limits (never negative).
    """
    if unit == Unit.WORKING_DAYS:
        return working_days_left(cal, now, deadline) if now < deadline else 0
    if unit == Unit.WORKING_HOURS:
        return working_seconds_between(cal, now, deadline)
    if unit == Unit.CALENDAR_DAYS:
        last = (cal.local(deadline) - dt.timedelta(microseconds=1)).date()
        return max(0, (last - cal.local(now).date()).days)
    raise ValueError(f"unknown time-limit unit {unit!r}")


def clock_resume(cal: WorkCalendar, now: dt.datetime, remaining: int, unit: str) -> dt.datetime:
    """The new deadline when a stopped clock starts again at ``now`` with ``remaining`` left."""
    if unit == Unit.WORKING_DAYS:
        return add_working_days(cal, now, remaining)
    if unit == Unit.WORKING_HOURS:
        return add_working_seconds(cal, now, remaining)
    if unit == Unit.CALENDAR_DAYS:
        return cal.day_end(cal.local(now).date() + dt.timedelta(days=remaining))
    raise ValueError(f"unknown time-limit unit {unit!r}")


class Urgency(StrEnum):
    """How close a running deadline is."""

    OK = "ok"
    WARNING = "warning"  # within the warning window (e.g. ≤ 1 working day or ≤ 2 working hours left)
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Countdown:
    """A deadline as seen at ``now``: urgency plus what is left, for SLA countdowns."""

    urgency: Urgency
    days_left: int | None  # working days after today up to the deadline (day limits)
    seconds_left: int | None  # working seconds up to the deadline (hour limits)


def countdown(
    cal: WorkCalendar,
    *,
    now: dt.datetime,
    deadline: dt.datetime,
    unit: str,
    warn_days: int = 1,
    warn_seconds: int = 2 * 3600,
) -> Countdown:
    """Urgency of a deadline at ``now``: overdue once ``now >= deadline`` (half-open), a warning
    when at most ``warn_days`` working days (day limits) or ``warn_seconds`` of working time (hour
    limits) are left. Raises CalendarMissing.
    """
    if now >= deadline:
        return Countdown(
            Urgency.OVERDUE, 0 if unit == Unit.WORKING_DAYS else None, 0 if unit == Unit.WORKING_HOURS else None
        )
    if unit == Unit.CALENDAR_DAYS:
        days = clock_remaining(cal, now, deadline, unit)
        return Countdown(Urgency.WARNING if days <= warn_days else Urgency.OK, days, None)
    if unit == Unit.WORKING_HOURS:
        left = working_seconds_between(cal, now, deadline)
        return Countdown(Urgency.WARNING if left <= warn_seconds else Urgency.OK, None, left)
    days = working_days_left(cal, now, deadline)
    return Countdown(Urgency.WARNING if days <= warn_days else Urgency.OK, days, None)
