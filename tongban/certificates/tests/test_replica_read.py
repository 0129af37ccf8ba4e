"""Public verification reads the certificate through the replica router (tongban.common.dbrouter)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import router

from tongban.certificates import services
from tongban.common.dbrouter import replica_reads


@pytest.fixture
def with_replica(settings: Any) -> None:
    settings.DATABASES = {**settings.DATABASES, "replica": {**settings.DATABASES["default"]}}
    settings.DATABASE_ROUTERS = ["tongban.common.dbrouter.ReplicaRouter"]


def test_verification_reads_through_the_router(with_replica: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The verification hot path asks the router which database to read, and reads the primary
    when the replica has no such row yet (a certificate issued a moment ago)."""

    asked: list[str] = []
    monkeypatch.setattr(services, "_verify_row_on", lambda alias, number: asked.append(alias))
    with replica_reads():
        assert router.db_for_read(services.Certificate) == "replica"
        assert services._verify_row("RP-2026-00000001") is None
    assert asked == ["replica", "default"]
