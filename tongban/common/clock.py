"""The one place the interface layer reads the clock; domain code takes ``now`` as a parameter."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return dt.datetime.now(dt.UTC)


def local_today(at: dt.datetime | None = None) -> dt.date:
    """The calendar date in Asia/Shanghai at ``at`` (default: now)."""
    return (at or now()).astimezone(SHANGHAI).date()
