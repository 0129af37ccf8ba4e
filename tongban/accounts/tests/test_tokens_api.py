"""Bearer tokens expire, are issued and revoked through endpoints and a page, listed per user
(issue 16, finding 9: tokens never expired and no endpoint issued them)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongban.accounts.models import ApiToken
from tongban.accounts.selectors import user_by_api_token
from tongban.accounts.services import api_token_create
from tongban.audit.models import AuditEntry
from tongban.common.clock import now

pytestmark = pytest.mark.django_db


def _me(raw: str) -> Any:
    return Client().get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_issue_list_use_and_revoke_through_the_api(personas: Any, api: Any) -> None:
    client = api(personas.citizen)
    made = client.post("/api/v1/accounts/tokens", json.dumps({"name": "家里的电脑", "days": 30}), "application/json")
    assert made.status_code == 201
    body = made.json()
    raw = body["token"]
    assert raw.startswith("tb_") and body["prefix"] == raw[:10] and body["active"] is True
    created, expires = (dt.datetime.fromisoformat(body[k]) for k in ("created_at", "expires_at"))
    assert expires - created == dt.timedelta(days=30)
    assert _me(raw).status_code == 200
    listed = client.get("/api/v1/accounts/tokens").json()
    assert [t["name"] for t in listed] == ["家里的电脑"] and "token" not in listed[0] and raw not in json.dumps(listed)
    assert api(personas.other_citizen).get("/api/v1/accounts/tokens").json() == []
    assert api(personas.other_citizen).delete(f"/api/v1/accounts/tokens/{body['id']}").status_code == 404
    assert client.delete(f"/api/v1/accounts/tokens/{body['id']}").status_code == 204
    assert _me(raw).status_code == 401
    (revoked,) = client.get("/api/v1/accounts/tokens").json()
    assert revoked["active"] is False and revoked["revoked_at"]
    actions = set(AuditEntry.objects.filter(actor_id=personas.citizen.pk).values_list("action", flat=True))
    assert {"account.token_create", "account.token_revoke"} <= actions


def test_tokens_expire(personas: Any) -> None:
    issued = now() - dt.timedelta(days=91)
    token, raw = api_token_create(user=personas.citizen, name="old", at=issued)
    assert token.expires_at == issued + dt.timedelta(days=90)
    assert user_by_api_token(raw=raw, at=issued + dt.timedelta(days=89)) is not None
    assert user_by_api_token(raw=raw, at=issued + dt.timedelta(days=90)) is None
    assert _me(raw).status_code == 401


def test_a_token_cannot_mint_tokens_and_bad_input_is_a_clear_4xx(personas: Any, api: Any) -> None:
    _token, raw = api_token_create(user=personas.citizen, name="app", at=now())
    minted = Client().post(
        "/api/v1/accounts/tokens", json.dumps({"name": "more"}), "application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert minted.status_code == 403 and minted.json()["code"] == "session_required"
    client = api(personas.citizen)
    zero = client.post("/api/v1/accounts/tokens", json.dumps({"name": "x", "days": 0}), "application/json")
    assert zero.status_code == 422
    too_long = client.post("/api/v1/accounts/tokens", json.dumps({"name": "x", "days": 3000}), "application/json")
    assert too_long.status_code == 400 and too_long.json()["code"] == "token_days"
    assert client.delete(f"/api/v1/accounts/tokens/{2**63}").status_code == 422  # past any row id: bad input
    assert client.delete("/api/v1/accounts/tokens/abc").status_code == 422
    assert ApiToken.objects.filter(user=personas.citizen).count() == 1


def test_the_tokens_page_shows_the_value_once_and_asks_before_revoking(personas: Any, api: Any) -> None:
    client = api(personas.citizen)
    page = client.post("/accounts/tokens/", {"name": "单位办件系统", "days": "90"})
    assert page.status_code == 201
    html = page.content.decode()
    token = ApiToken.objects.get(user=personas.citizen)
    raw = html.split('id="raw-token" type="text" readonly value="')[1].split('"')[0]
    assert ApiToken.hash_key(raw) == token.key_hash
    assert raw not in client.get("/accounts/tokens/").content.decode()  # never again
    ask = client.get(f"/accounts/tokens/{token.pk}/revoke/")
    assert ask.status_code == 200 and "确定要撤销令牌" in ask.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # asking revokes nothing
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api(personas.other_citizen).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404


def test_staff_pass_the_second_factor_before_the_tokens_page(personas: Any) -> None:
    """A token skips TOTP (machine clients), so issuing one needs a verified session."""
    TOTPDevice.objects.create(user=personas.clerk, name="phone", confirmed=True)
    client = Client()
    client.force_login(personas.clerk)
    for path in ("/accounts/tokens/", "/accounts/", "/accounts/window/register/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].endswith("/accounts/otp/"), path
    made = client.post("/api/v1/accounts/tokens", json.dumps({"name": "x"}), "application/json")
    assert made.status_code in (401, 403)
    assert not ApiToken.objects.exists()
