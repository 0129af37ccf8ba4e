"""G2: the object-level access matrix, every endpoint × every role (issue 16 acceptance).

Endpoints come from the URL configuration (page URL names) and the API's OpenAPI document
(operation ids); ``matrix_expected.EXPECTED`` holds the status each role gets. An endpoint
without an entry fails ``test_every_endpoint_has_a_matrix_entry`` — adding a URL means deciding
who may reach it. Each request runs in a transaction that is rolled back, so the answers do not
depend on the order. Every answer is also checked for:

- foreign data: citizen A's ID number, name and phone never reach citizen B or an anonymous
  caller (and B's never reach A); no refused answer (4xx) carries either citizen's;
- the security headers (``test_headers.assert_security_headers``).

``TONGBAN_MATRIX_PRINT=1 pytest tests/security/test_access_matrix.py -s`` prints the observed
matrix in the data file's format, for reviewing a change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security.figures import save_figures
from tests.security.matrix_calls import API, PAGES, Call
from tests.security.matrix_expected import EXPECTED
from tests.security.test_headers import assert_security_headers
from tests.security.world import ROLES, World, plant

API_EXTRA = {"openapi-json", "openapi-view", "api-root"}  # ninja's own routes, not operations
# Endpoints that serve public keys and revocation lists: cacheable by anyone, by design.
PUBLIC_CACHE = {
    "tongban_certificates_api_keys",
    "tongban_certificates_api_revocations",
    "certificates:keys",
    "well_known_keys",
}


def _walk(resolver: URLResolver, prefix: str = "", ns: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            out += _walk(p, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            out.append((f"{ns}:{p.name}" if ns and p.name else (p.name or ""), prefix + str(p.pattern)))
    return out


def endpoint_keys() -> set[str]:
    """Every endpoint the URL configuration and the API serve, as matrix keys."""
    from tongban.config.api import api

    doc = api.get_openapi_schema()
    api_paths = {re.sub(r"\{(\w+)\}", r"<\1>", p) for p in doc["paths"]}
    keys = {op["operationId"] for ops in doc["paths"].values() for op in ops.values()}
    for name, route in _walk(get_resolver()):
        if name.startswith("admin:") or route.startswith("admin/"):
            keys.add("admin:*")
        elif route.startswith("api/v1/") and name.removeprefix("api:") not in API_EXTRA:
            bare = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", "/" + route)
            assert bare in api_paths, f"{route} is routed but not in the OpenAPI document"
        else:
            keys.add(name or route)
    return keys


def test_every_endpoint_has_a_matrix_entry() -> None:
    keys = endpoint_keys()
    calls = set(API) | set(PAGES)
    assert sorted(keys - calls) == [], "new endpoints: add a Call in matrix_calls.py and a row in matrix_expected.py"
    assert sorted(calls - keys) == [], "matrix_calls.py names endpoints that no longer exist"
    assert sorted(set(EXPECTED) ^ calls) == [], "matrix_expected.py and matrix_calls.py must list the same endpoints"
    for key, row in EXPECTED.items():
        assert len(row.split()) == len(ROLES), key


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _send(client: Client, call: Call, ids: dict[str, str]) -> Any:
    path = _fill(call.path, ids)
    if call.json is not None:
        body = _fill(call.json, ids)
        if isinstance(body, dict) and "slot_id" in body:
            body["slot_id"] = int(body["slot_id"])
        return client.generic(call.method, path, json.dumps(body), content_type="application/json")
    if call.method == "GET":
        return client.get(path)
    if call.method != "POST":
        return client.generic(call.method, path)
    return client.post(path, _fill(call.form, ids))


def _admin_paths() -> list[str]:
    from django.contrib import admin

    return ["/admin/"] + [f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry]


def _leaks(role: str, status: int, body: str, world: World) -> list[str]:
    """Canaries that must not be in this answer."""
    forbidden: list[str] = []
    for owner, secrets in world.canaries.items():
        if (role in ("anon", "citizen_a", "citizen_b") and role != owner) or status in (401, 404):
            forbidden += secrets
    return [s for s in forbidden if s and s in body]


@pytest.fixture
def world(personas: Any, now: dt.datetime, settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> World:
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "keys"
    # Verifications audited at once, in the request's transaction: the batching thread would
    # commit audit rows outside the test's rollback (and PostgreSQL's audit heads only move on).
    settings.CERTIFICATE_VERIFY_AUDIT = "sync"
    settings.SUBMIT_RATE_PER_HOUR = 0
    for module in ("tongban.common.clock", "tongban.appointments.api", "tongban.appointments.views"):
        monkeypatch.setattr(f"{module}.now", lambda: now)
    return plant(personas, now)


def test_access_matrix(world: World) -> None:
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        if world.users[role] is not None:
            clients[role].force_login(world.users[role])
    observed: dict[str, list[str]] = {}
    problems: list[str] = []
    requests = 0
    for key, call in {**API, **PAGES}.items():
        calls = [Call("GET", p) for p in _admin_paths()] if key == "admin:*" else [call]
        row: list[str] = []
        for role in ROLES:
            statuses = set()
            for c in calls:
                cache.clear()
                client = clients[role]
                # Logging out (or ending one's sessions) ends the shared client's session.
                if key in ("accounts:logout", "accounts:sessions_end"):
                    client = Client()
                    if world.users[role] is not None:
                        client.force_login(world.users[role])
                with transaction.atomic():
                    r = _send(client, c, world.ids)
                    transaction.set_rollback(True)
                requests += 1
                statuses.add(r.status_code)
                body = b"" if getattr(r, "streaming", False) else r.content
                leaked = _leaks(role, r.status_code, body.decode("utf-8", "replace"), world)
                if leaked:
                    problems.append(f"{key} as {role}: {r.status_code} leaks {leaked}")
                try:
                    assert_security_headers(r, personal=key not in PUBLIC_CACHE and (role != "anon" or key in API))
                except AssertionError as exc:
                    problems.append(f"{key} as {role}: headers: {str(exc).splitlines()[0]}")
            status = statuses.pop() if len(statuses) == 1 else "mixed"
            row.append(str(status))
        observed[key] = row
        if not os.environ.get("TONGBAN_MATRIX_PRINT"):
            expected = EXPECTED[key].split()
            for role, want, got in zip(ROLES, expected, row, strict=True):
                if want != got:
                    problems.append(f"{key} as {role}: expected {want}, got {got}")
    if os.environ.get("TONGBAN_MATRIX_PRINT"):
        for key, row in observed.items():
            print(f'    "{key}": "{" ".join(row)}",')
        print("\n".join(problems))
    save_figures(
        "access_matrix",
        {"requests": requests, "endpoints": len(observed), "roles": len(ROLES), "failures": len(problems)},
    )
    assert problems == []
