"""Fixed-window counters in the shared cache (Redis in production, shared by every worker; files
in the embedded demo).

Keys are hashed before they reach the cache, so an ID number or an address used as a key is never
stored or logged in clear. Used where a client could otherwise script an action: registration,
logins, reveals, case submission (issue 16).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.cache import cache
from django.utils.translation import gettext

from tongban.common.errors import TooMany


def _key(scope: str, subject: str) -> str:
    digest = hashlib.sha256(f"{scope}|{subject}".encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}"


def rate_count(*, scope: str, subject: str) -> int:
    """How many hits ``subject`` has in the current window of ``scope``."""
    return int(cache.get(_key(scope, subject)) or 0)


def rate_hit(*, scope: str, subject: str, window: int) -> int:
    """Count one hit and return the count in the current window (the window opens at the first hit)."""
    key = _key(scope, subject)
    cache.add(key, 0, window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def rate_allow(*, scope: str, subject: str, limit: int, window: int) -> bool:
    """Count one hit; False once ``subject`` has had more than ``limit`` hits in the window."""
    return rate_hit(scope=scope, subject=subject, window=window) <= limit


def rate_clear(*, scope: str, subject: str) -> None:
    """Forget the window of ``subject`` (after a success that should reset it)."""
    cache.delete(_key(scope, subject))


def rate_limit_hit(*, scope: str, who: object, limit: int, window_seconds: int, at: dt.datetime) -> None:
    """Count one attempt of ``who`` in ``scope`` for the clock-aligned window holding ``at``.

    ``limit`` 0 turns the limit off. Raises TooMany (429, with ``retry_after`` seconds) when this
    attempt is past ``limit`` within the window."""
    if limit <= 0:
        return
    window = int(at.timestamp()) // window_seconds
    count = rate_hit(scope=scope, subject=f"{who}|{window}", window=window_seconds * 2)
    if count > limit:
        _too_many(at, window_seconds)


def rate_limit_reached(*, scope: str, who: object, limit: int, window_seconds: int, at: dt.datetime) -> None:
    """Raise TooMany when ``who`` has used all of ``limit`` in the window holding ``at``, without
    counting anything (a look before work that the counted attempt would waste)."""
    if limit <= 0:
        return
    window = int(at.timestamp()) // window_seconds
    if rate_count(scope=scope, subject=f"{who}|{window}") >= limit:
        _too_many(at, window_seconds)


def _too_many(at: dt.datetime, window_seconds: int) -> None:
    raise TooMany(
        gettext("提交过于频繁，请稍后再试"),
        code="rate_limited",
        retry_after=window_seconds - int(at.timestamp()) % window_seconds,
    )


def submit_rate_limit(*, who: object, at: dt.datetime) -> None:
    """Count one case submission by account ``who`` (API and pages share the count): at most
    ``SUBMIT_RATE_PER_HOUR`` an hour. ``case_submit(rate_limited=True)`` calls it once it knows
    the submission is not a replay of an idempotency key. Raises TooMany."""
    from django.conf import settings

    rate_limit_hit(scope="submit", who=who, limit=settings.SUBMIT_RATE_PER_HOUR, window_seconds=3600, at=at)


def submit_rate_reached(*, who: object, at: dt.datetime) -> None:
    """Raise TooMany when account ``who`` has no submission left this hour, counting nothing
    (the citizen's page looks before it stores uploaded files)."""
    from django.conf import settings

    rate_limit_reached(scope="submit", who=who, limit=settings.SUBMIT_RATE_PER_HOUR, window_seconds=3600, at=at)
