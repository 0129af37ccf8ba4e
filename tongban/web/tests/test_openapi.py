"""The committed OpenAPI snapshot (docs/openapi.json) matches the whole API; `make openapi`
(`tongban openapi-snapshot`) regenerates it after an intended change."""

from __future__ import annotations

import json

from tongban.web.management.commands.openapi_snapshot import SNAPSHOT, openapi_text


def test_snapshot_is_current() -> None:
    assert SNAPSHOT.exists(), "docs/openapi.json is missing: run `make openapi`"
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    current = json.loads(openapi_text())
    changed = sorted(set(committed.get("paths", {})) ^ set(current.get("paths", {})))
    assert not changed, f"paths added/removed since the snapshot: {changed}; run `make openapi`"
    assert committed == current, "the API changed since docs/openapi.json was written: run `make openapi`"


def test_snapshot_documents_the_cases_api() -> None:
    doc = json.loads(openapi_text())
    paths = doc["paths"]
    for path in (
        "/api/v1/cases/",
        "/api/v1/cases/{number}",
        "/api/v1/cases/{number}/transitions",
        "/api/v1/cases/{number}/accept",
        "/api/v1/cases/queue",
        "/api/v1/cases/bulk",
    ):
        assert path in paths, path
    params = {p["name"] for p in paths["/api/v1/cases/"]["post"].get("parameters", [])}
    assert "Idempotency-Key" in params
