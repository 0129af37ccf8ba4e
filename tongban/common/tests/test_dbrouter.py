"""The read-replica router: marked, lag-tolerant reads go to the replica; writes, transactions,
a person's own pages and a browser that has just written stay on the primary."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from tongban.common.dbrouter import STICKY_COOKIE, ReplicaReadsMiddleware, ReplicaRouter, replica_reads

# No database access here (pytest-django would wrap each test in a transaction, where every read
# belongs to the primary): the router only decides where a read goes.


@pytest.fixture
def with_replica(settings: Any) -> None:
    settings.DATABASES = {**settings.DATABASES, "replica": {**settings.DATABASES["default"]}}
    settings.DATABASE_ROUTERS = ["tongban.common.dbrouter.ReplicaRouter"]
    settings.REPLICA_STICKY_SECONDS = 15


def test_reads_stay_on_the_primary_unless_marked(with_replica: None) -> None:
    r = ReplicaRouter()
    assert r.db_for_read(object) is None
    with replica_reads():
        assert r.db_for_read(object) == "replica"
    assert r.db_for_read(object) is None
    assert r.db_for_write(object) is None


def test_no_replica_configured_means_the_primary_even_when_marked() -> None:
    with replica_reads():
        assert ReplicaRouter().db_for_read(object) is None


@pytest.mark.django_db
def test_a_read_inside_a_transaction_reads_the_primary(with_replica: None) -> None:
    with replica_reads(), transaction.atomic():
        assert connections[DEFAULT_DB_ALIAS].in_atomic_block
        assert ReplicaRouter().db_for_read(object) is None


def test_only_the_primary_is_migrated() -> None:
    r = ReplicaRouter()
    assert r.allow_migrate("default", "cases") is True
    assert r.allow_migrate("replica", "cases") is False


def _seen(path: str, method: str = "get", cookies: dict[str, str] | None = None) -> tuple[str | None, HttpResponse]:
    """Where a read in the view would go, and the response."""
    seen: list[str | None] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(ReplicaRouter().db_for_read(object))
        return HttpResponse("ok")

    request = getattr(RequestFactory(), method)(path)
    request.COOKIES.update(cookies or {})
    response = ReplicaReadsMiddleware(view)(request)
    return seen[0], response


def test_public_verification_catalog_and_outlets_read_the_replica(with_replica: None) -> None:
    assert _seen("/certificates/verify/?t=x")[0] == "replica"
    assert _seen("/api/v1/certificates/verify?t=x")[0] == "replica"
    assert _seen("/catalog/residence_permit/")[0] == "replica"
    assert _seen("/api/v1/outlets/nearest?item=x&lat=30&lng=120")[0] == "replica"


def test_a_persons_own_pages_read_the_primary(with_replica: None) -> None:
    assert _seen("/cases/mine/")[0] is None
    assert _seen("/certificates/mine/")[0] is None
    assert _seen("/api/v1/cases/")[0] is None


def test_after_a_write_the_browser_reads_its_own_writes_from_the_primary(with_replica: None) -> None:
    where, response = _seen("/certificates/RP-1/revoke", method="post")
    assert where is None
    assert response.cookies[STICKY_COOKIE]["max-age"] == 15
    assert _seen("/certificates/verify/?t=x", cookies={STICKY_COOKIE: "1"})[0] is None
