"""Appointment fixtures: a bookable outlet that accepts a real catalog item, with slots."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

ITEM = "driver_licence_replace"  # 驾驶证补换领, handled by 交管 (jiaoguan)


@pytest.fixture
def catalog(db: None, now: dt.datetime) -> None:
    """The shipped catalog (a transactional test flushes what the migration loaded)."""
    from tongban.catalog.selectors import items_list
    from tongban.catalog.services import catalog_load

    if not items_list():
        catalog_load(at=now)


@pytest.fixture
def station(catalog: None, now: dt.datetime) -> Any:
    """A police station with a 综合窗口 that accepts ITEM, open weekdays 09:00–12:00, 13:30–17:30."""
    from tongban.outlets.services import outlet_upsert

    return outlet_upsert(
        code="T-PS-BOOK",
        name="测试综合窗口",
        kind="police_station",
        region_code="330106",
        lat=30.2862,
        lng=120.1226,
        bookable=True,
        items=[ITEM],
        at=now,
        hours={d: "09:00-12:00,13:30-17:30" for d in ("mon", "tue", "wed", "thu", "fri")},
    )


@pytest.fixture
def workdays() -> Any:
    """A DayCalendar with 2026's Qingming holiday (Mon 6 April) and ordinary weekends."""
    from tongban.outlets.geo import DayKind

    holidays = {dt.date(2026, 4, 4), dt.date(2026, 4, 5), dt.date(2026, 4, 6)}

    def kind(day: dt.date) -> DayKind:
        if day in holidays:
            return DayKind.HOLIDAY
        return DayKind.WORKDAY if day.weekday() < 5 else DayKind.REST

    return kind


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Rate-limit counters are keyed by user and minute; tests reuse both, so start empty."""
    from django.core.cache import cache

    cache.clear()
