"""Opening hours as data: a weekly schedule, dated exceptions, and a pluggable day calendar.

The calendar is a callback ``(date) -> DayKind`` so the bureau's working-day calendar (public
holidays and 调休 make-up working weekends) decides what kind of day it is; this module only
maps a kind of day to hours:

- an exception for the date wins (closed, or special hours);
- HOLIDAY → ``holiday_hours`` (closed by default; kiosks may be 24 h);
- WORKDAY on a Saturday/Sunday (调休) → ``makeup_hours`` (default: Monday's hours);
- otherwise the weekly hours of that weekday (weekend hours for extended-hours outlets).

Times are local wall-clock times in ``tz``; intervals are half-open [open, close).
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from tongban.common.clock import SHANGHAI


class DayKind(enum.Enum):
    WORKDAY = "workday"
    REST = "rest"  # an ordinary weekend
    HOLIDAY = "holiday"  # a statutory holiday (including the rest days around it)


DayCalendar = Callable[[dt.date], DayKind]


def weekend_calendar(day: dt.date) -> DayKind:
    """The calendar with no holidays at all: Monday–Friday work, weekends rest."""
    return DayKind.WORKDAY if day.weekday() < 5 else DayKind.REST


def calendar_from_working_days(
    is_working_day: Callable[[dt.date], bool],
    is_holiday: Callable[[dt.date], bool] | None = None,
) -> DayCalendar:
    """Adapt a working-day predicate (the project's statutory calendar) into a DayCalendar.

    Without ``is_holiday``, a non-working Monday–Friday counts as a holiday and a non-working
    weekend day as an ordinary rest day (a weekend inside a holiday then keeps weekend hours;
    pass ``is_holiday`` to close those too).
    """

    def kind(day: dt.date) -> DayKind:
        if is_working_day(day):
            return DayKind.WORKDAY
        if is_holiday is not None:
            return DayKind.HOLIDAY if is_holiday(day) else DayKind.REST
        return DayKind.HOLIDAY if day.weekday() < 5 else DayKind.REST

    return kind


Interval = tuple[dt.time, dt.time]
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def _parse_intervals(value: str | Sequence[str]) -> tuple[Interval, ...]:
    parts = value.split(",") if isinstance(value, str) else list(value)
    out: list[Interval] = []
    for raw in parts:
        text = raw.strip()
        if not text:
            continue
        m = _HHMM.match(text)
        if not m:
            raise ValueError(f"bad opening interval {text!r}: expected HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        start = dt.time(h1, m1)
        end = dt.time.max if (h2, m2) == (24, 0) else dt.time(h2, m2)
        if end <= start:
            raise ValueError(f"bad opening interval {text!r}: closes before it opens")
        out.append((start, end))
    out.sort()
    for (_, e1), (s2, _) in itertools.pairwise(out):
        if s2 < e1:
            raise ValueError("opening intervals overlap")
    return tuple(out)


def _fmt(intervals: Sequence[Interval]) -> str:
    def t(x: dt.time) -> str:
        return "24:00" if x == dt.time.max else x.strftime("%H:%M")

    return ",".join(f"{t(a)}-{t(b)}" for a, b in intervals)


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class OpeningHours:
    """A weekly schedule plus exceptions. Build from JSON-able data with ``from_data``."""

    weekly: tuple[tuple[Interval, ...], ...]  # 7 entries, Monday first
    holiday_hours: tuple[Interval, ...] = ()
    makeup_hours: tuple[Interval, ...] | None = None
    exceptions: Mapping[dt.date, tuple[Interval, ...]] = field(default_factory=dict)
    tz: ZoneInfo = SHANGHAI

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly must have 7 days, Monday first")

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> OpeningHours:
        """From e.g. ``{"mon": "09:00-12:00,13:30-17:00", ..., "holiday": "",
        "makeup": "09:00-17:00", "exceptions": {"2026-02-10": ""}}``; missing days are closed.
        Raises ValueError on malformed intervals or dates."""
        weekly = tuple(_parse_intervals(data.get(d, "")) for d in _DAYS)
        makeup = data.get("makeup")
        exceptions = {dt.date.fromisoformat(k): _parse_intervals(v) for k, v in (data.get("exceptions") or {}).items()}
        return cls(
            weekly=weekly,
            holiday_hours=_parse_intervals(data.get("holiday", "")),
            makeup_hours=None if makeup is None else _parse_intervals(makeup),
            exceptions=exceptions,
        )

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {d: _fmt(self.weekly[i]) for i, d in enumerate(_DAYS)}
        data["holiday"] = _fmt(self.holiday_hours)
        if self.makeup_hours is not None:
            data["makeup"] = _fmt(self.makeup_hours)
        if self.exceptions:
            data["exceptions"] = {k.isoformat(): _fmt(v) for k, v in self.exceptions.items()}
        return data

    def hours_on(self, day: dt.date, calendar: DayCalendar) -> tuple[Interval, ...]:
        """The wall-clock intervals the outlet is open on ``day``."""
        if day in self.exceptions:
            return self.exceptions[day]
        kind = calendar(day)
        if kind is DayKind.HOLIDAY:
            return self.holiday_hours
        if kind is DayKind.WORKDAY and day.weekday() >= 5:
            return self.makeup_hours if self.makeup_hours is not None else self.weekly[0]
        return self.weekly[day.weekday()]

    def periods_on(self, day: dt.date, calendar: DayCalendar) -> list[tuple[dt.datetime, dt.datetime]]:
        """Aware half-open [start, end) periods on ``day``."""
        out = []
        for a, b in self.hours_on(day, calendar):
            start = dt.datetime.combine(day, a, self.tz)
            end = (
                dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), self.tz)
                if b == dt.time.max
                else dt.datetime.combine(day, b, self.tz)
            )
            out.append((start, end))
        return out

    def _periods_from(
        self, at: dt.datetime, calendar: DayCalendar, days: int
    ) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        start_day = at.astimezone(self.tz).date() - dt.timedelta(days=1)
        for offset in range(days + 1):
            yield from self.periods_on(start_day + dt.timedelta(days=offset), calendar)

    def is_open(self, at: dt.datetime, calendar: DayCalendar) -> bool:
        """Whether the outlet is open at the aware instant ``at``. Raises ValueError if naive."""
        _require_aware(at)
        return any(s <= at < e for s, e in self._periods_from(at, calendar, 1))

    def next_opening(
        self, at: dt.datetime, calendar: DayCalendar, *, horizon_days: int = 30
    ) -> tuple[dt.datetime, dt.datetime] | None:
        """The period that is open at ``at`` or the next one to open, within ``horizon_days``;
        None if the outlet stays closed that long. Raises ValueError if ``at`` is naive."""
        _require_aware(at)
        for s, e in self._periods_from(at, calendar, horizon_days):
            if e > at:
                return s, e
        return None


def _require_aware(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
