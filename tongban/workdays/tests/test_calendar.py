"""Working-day arithmetic against the 2026 State Council schedule (as seeded from chinesecalendar).

Expected values were worked out by hand from the 2026 schedule (国办发明电〔2025〕…): Spring
Festival 2026-02-15..23 off with 02-14 (Sat) and 02-28 (Sat) worked; National Day and
Mid-Autumn 2026-10-01..07 off with 09-20 (Sun) and 10-10 (Sat) worked; each is also checked
against the calendar rows so the test fails if the data changes.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tongban.workdays.calendar import (
    SHANGHAI,
    CalendarMissing,
    Urgency,
    WorkCalendar,
    add_working_days,
    add_working_hours,
    clock_remaining,
    clock_resume,
    countdown,
    deadline_add,
    working_days_left,
    working_seconds_between,
)
from tongban.workdays.selectors import calendar_get

pytestmark = pytest.mark.django_db


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


def end_of(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, tzinfo=SHANGHAI) + dt.timedelta(days=1)


@pytest.fixture
def cal() -> WorkCalendar:
    return calendar_get()


def test_2026_schedule_rows(cal: WorkCalendar) -> None:
    assert not cal.is_workday(dt.date(2026, 2, 16))  # 春节
    assert cal.is_workday(dt.date(2026, 2, 14))  # Saturday, 调休 worked
    assert cal.is_workday(dt.date(2026, 2, 28))
    assert not cal.is_workday(dt.date(2026, 10, 5))
    assert cal.is_workday(dt.date(2026, 9, 20))  # Sunday, 调休 worked
    assert cal.is_workday(dt.date(2026, 10, 10))
    assert not cal.is_workday(dt.date(2026, 3, 7))  # ordinary Saturday


def test_spring_festival(cal: WorkCalendar) -> None:
    # Accepted Fri 2026-02-13: working days after it are 02-14 (Sat, 调休), 02-24, 02-25, 02-26, 02-27.
    assert add_working_days(cal, at(2026, 2, 13), 1) == end_of(2026, 2, 14)
    assert add_working_days(cal, at(2026, 2, 13), 2) == end_of(2026, 2, 24)
    assert add_working_days(cal, at(2026, 2, 13), 5) == end_of(2026, 2, 27)
    assert add_working_days(cal, at(2026, 2, 13), 6) == end_of(2026, 2, 28)  # Saturday 调休
    assert add_working_days(cal, at(2026, 2, 13), 7) == end_of(2026, 3, 2)
    # Accepted during the holiday: counting starts after it.
    assert add_working_days(cal, at(2026, 2, 18), 1) == end_of(2026, 2, 24)


def test_national_day(cal: WorkCalendar) -> None:
    # Accepted Fri 2026-09-18: 09-20 (Sun) is worked, then 09-21..24, 09-25 is Mid-Autumn.
    assert add_working_days(cal, at(2026, 9, 18), 1) == end_of(2026, 9, 20)
    assert add_working_days(cal, at(2026, 9, 18), 5) == end_of(2026, 9, 24)
    assert add_working_days(cal, at(2026, 9, 18), 6) == end_of(2026, 9, 28)
    # Accepted Wed 2026-09-30: the holiday runs to 10-07, 10-08 and 10-09 are worked, 10-10 (Sat) too.
    assert add_working_days(cal, at(2026, 9, 30), 1) == end_of(2026, 10, 8)
    assert add_working_days(cal, at(2026, 9, 30), 3) == end_of(2026, 10, 10)
    assert add_working_days(cal, at(2026, 9, 30), 4) == end_of(2026, 10, 12)


def test_makeup_weekend_of_new_year(cal: WorkCalendar) -> None:
    # 2026-01-01..03 off, Sunday 01-04 worked.
    assert add_working_days(cal, at(2025, 12, 31), 1) == end_of(2026, 1, 4)


def test_twenty_working_days_across_spring_festival(cal: WorkCalendar) -> None:
    start = at(2026, 2, 2)
    deadline = add_working_days(cal, start, 20)
    counted = [
        d
        for d in (dt.date(2026, 2, 3) + dt.timedelta(days=i) for i in range(60))
        if d < deadline.date() and cal.is_workday(d)
    ]
    assert len(counted) == 20
    # 02-03..06, 09..13, 14 (Sat), 24..27, 28 (Sat), 03-02..06: the 20th is Fri 03-06.
    assert deadline == end_of(2026, 3, 6)


def test_zero_days_is_end_of_today(cal: WorkCalendar) -> None:
    assert add_working_days(cal, at(2026, 3, 10, 15), 0) == end_of(2026, 3, 10)


def test_hours_respect_working_periods(cal: WorkCalendar) -> None:
    # 4 working hours from Tue 10:00: 10-12 (2 h), lunch, 13-15 (2 h).
    assert add_working_hours(cal, at(2026, 3, 10, 10), 4) == at(2026, 3, 10, 15)
    # From Fri 16:00: 1 h on Friday, then Monday 09:00-12:00.
    assert add_working_hours(cal, at(2026, 3, 13, 16), 4) == at(2026, 3, 16, 12)
    # Before the Spring Festival: Fri 02-13 16:00 → 1 h, Sat 02-14 (调休) 09:00-12:00.
    assert add_working_hours(cal, at(2026, 2, 13, 16), 4) == at(2026, 2, 14, 12)
    # Starting at lunch or at night counts from the next period; ending exactly at a period end.
    assert add_working_hours(cal, at(2026, 3, 10, 12, 30), 1) == at(2026, 3, 10, 14)
    assert add_working_hours(cal, at(2026, 3, 10, 22), 3) == at(2026, 3, 11, 12)
    assert working_seconds_between(cal, at(2026, 3, 10, 11), at(2026, 3, 11, 10)) == (1 + 4 + 1) * 3600


def test_year_without_data_is_an_error(cal: WorkCalendar) -> None:
    with pytest.raises(CalendarMissing) as exc:
        add_working_days(cal, at(2026, 12, 30), 5)
    assert exc.value.year == 2027
    with pytest.raises(CalendarMissing):
        add_working_hours(cal, at(2026, 12, 31, 16), 2)
    with pytest.raises(CalendarMissing):
        deadline_add(cal, at(2027, 3, 1), 1, "working_days")


def test_supplement_pause_and_resume(cal: WorkCalendar) -> None:
    # Accepted Tue 03-10 with 5 working days: deadline end of Tue 03-17.
    deadline = add_working_days(cal, at(2026, 3, 10), 5)
    assert deadline == end_of(2026, 3, 17)
    # Supplement requested Thu 03-12: 03-13, 16, 17 remain (3 days).
    left = clock_remaining(cal, at(2026, 3, 12, 11), deadline, "working_days")
    assert left == 3
    # Resubmitted across the Qingming holiday (04-04..06) on Fri 04-03: 04-07, 08, 09.
    assert clock_resume(cal, at(2026, 4, 3, 9), left, "working_days") == end_of(2026, 4, 9)
    # Hours: 4 h from Tue 10:00 ends 15:00; stopped at 11:00 with 3 h left; resumed Wed 16:00.
    hdl = add_working_hours(cal, at(2026, 3, 10, 10), 4)
    rem = clock_remaining(cal, at(2026, 3, 10, 11), hdl, "working_hours")
    assert rem == 3 * 3600
    assert clock_resume(cal, at(2026, 3, 11, 16), rem, "working_hours") == at(2026, 3, 12, 11)


def test_countdown_warning_and_overdue(cal: WorkCalendar) -> None:
    deadline = end_of(2026, 3, 17)  # Tuesday
    assert countdown(cal, now=at(2026, 3, 12), deadline=deadline, unit="working_days").urgency == Urgency.OK
    c = countdown(cal, now=at(2026, 3, 16), deadline=deadline, unit="working_days")
    assert (c.urgency, c.days_left) == (Urgency.WARNING, 1)
    assert countdown(cal, now=at(2026, 3, 17, 23, 59), deadline=deadline, unit="working_days").days_left == 0
    # Half-open: at the deadline instant it is overdue.
    assert countdown(cal, now=deadline, deadline=deadline, unit="working_days").urgency == Urgency.OVERDUE
    # Days left skip the weekend: Fri 03-13 → Mon 16, Tue 17.
    assert working_days_left(cal, at(2026, 3, 13), deadline) == 2
    hc = countdown(cal, now=at(2026, 3, 10, 13), deadline=at(2026, 3, 10, 15), unit="working_hours")
    assert (hc.urgency, hc.seconds_left) == (Urgency.WARNING, 7200)


def test_naive_datetime_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(cal, dt.datetime(2026, 3, 10, 10), 1)
