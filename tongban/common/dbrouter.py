"""Reads that tolerate a little lag go to a PostgreSQL streaming replica (DATABASE_REPLICA_URL).

Only requests marked as such read from the replica: GET and HEAD requests under one of
``settings.REPLICA_READ_PATHS`` (public certificate verification, the catalog, outlet look-ups,
dashboards), or code inside ``replica_reads()``. Everything else reads its own writes from the
primary: every write, every read inside a transaction, a person's own pages, and for
``REPLICA_STICKY_SECONDS`` after a browser's last write (POST, PUT, PATCH, DELETE) even the marked
pages, so whoever just changed something sees the change.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
STICKY_COOKIE = "tb_primary"
_replica_ok: ContextVar[bool] = ContextVar("tongban_replica_ok", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block may come from the replica (when one is configured)."""
    token = _replica_ok.set(True)
    try:
        yield
    finally:
        _replica_ok.reset(token)


class ReplicaRouter:
    """Django database router: the replica for marked reads outside a transaction, else default."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _replica_ok.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's WAL, schema included


def _marked(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or request.COOKIES.get(STICKY_COOKIE):
        return False
    return any(request.path.startswith(prefix) for prefix in settings.REPLICA_READ_PATHS)


class ReplicaReadsMiddleware:
    """Marks lag-tolerant requests for the replica; pins a browser to the primary after it writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        if _marked(request):
            with replica_reads():
                return self.get_response(request)
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and settings.REPLICA_STICKY_SECONDS > 0:
            response.set_cookie(
                STICKY_COOKIE,
                "1",
                max_age=settings.REPLICA_STICKY_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
