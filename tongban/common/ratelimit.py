"""A fixed-window rate limit counted in the cache (Redis in production, shared by every worker).

Used where an account could otherwise script a write: case submission (issue 16 finding 9).
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache

from tongban.common.errors import TooMany


def rate_limit_hit(*, scope: str, who: object, limit: int, window_seconds: int, at: dt.datetime) -> None:
    """Count one attempt of ``who`` in ``scope`` for the window holding ``at``.

    ``limit`` 0 turns the limit off. Raises TooMany (429, with ``retry_after`` seconds) when this
    attempt is past ``limit`` within the window."""
    if limit <= 0:
        return
    window = int(at.timestamp()) // window_seconds
    key = f"rate:{scope}:{who}:{window}"
    cache.add(key, 0, timeout=window_seconds * 2)
    try:
        count = int(cache.incr(key))
    except ValueError:  # evicted between add and incr: count this attempt as the first
        cache.set(key, 1, timeout=window_seconds * 2)
        count = 1
    if count > limit:
        retry = window_seconds - int(at.timestamp()) % window_seconds
        raise TooMany(
            "提交过于频繁，请稍后再试 / Too many submissions, try again later",
            code="rate_limited",
            retry_after=retry,
        )


def submit_rate_limit(*, who: object, at: dt.datetime) -> None:
    """One case submission by account ``who`` (API and pages share the count): at most
    ``SUBMIT_RATE_PER_HOUR`` an hour. Raises TooMany."""
    from django.conf import settings

    rate_limit_hit(scope="submit", who=who, limit=settings.SUBMIT_RATE_PER_HOUR, window_seconds=3600, at=at)
