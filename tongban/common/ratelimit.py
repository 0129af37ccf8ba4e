"""Fixed-window counters in the shared cache (Redis in production, files in the embedded demo).

Keys are hashed before they reach the cache, so an ID number or an address used as a key is never
stored or logged in clear.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache


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
