"""Account endpoints: who am I, and my bearer tokens (list, issue, revoke)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from tongban.accounts.models import ApiToken
from tongban.accounts.schemas import MeOut, TokenCreatedOut, TokenCreateIn, TokenOut
from tongban.accounts.selectors import api_tokens_mine
from tongban.accounts.services import api_token_create, api_token_revoke
from tongban.common.clock import now
from tongban.common.errors import Forbidden
from tongban.common.masking import mask_id_number, mask_phone
from tongban.common.params import RowId

router = Router(tags=["accounts 账户"])


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, object]:
    """The caller's own account; ID and phone are shown masked even to their owner on the wire."""
    user = request.user
    return {
        "username": mask_id_number(user.username) if user.id_number else user.username,  # type: ignore[union-attr]
        "role": user.role,  # type: ignore[union-attr]
        "real_name": user.real_name,  # type: ignore[union-attr]
        "id_number": mask_id_number(user.id_number),  # type: ignore[union-attr]
        "phone": mask_phone(user.phone),  # type: ignore[union-attr]
        "outlet": user.outlet.name if user.outlet_id else None,  # type: ignore[union-attr]
        "department": user.department,  # type: ignore[union-attr]
    }


def _token(token: ApiToken, at: dt.datetime) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
        "active": token.revoked_at is None and token.expires_at > at,
    }


@router.get("/tokens", response=list[TokenOut])
def tokens(request: HttpRequest) -> list[dict[str, Any]]:
    """My bearer tokens, newest first (the raw values are never shown again)."""
    at = now()
    return [_token(t, at) for t in api_tokens_mine(user=request.user)]


@router.post("/tokens", response={201: TokenCreatedOut})
def token_create(request: HttpRequest, body: TokenCreateIn) -> Status:
    """Issue a bearer token for myself; the answer carries the raw value, this once. Only a
    signed-in browser session may do this: a token cannot mint tokens (it would outlive itself)."""
    if getattr(request, "token_authenticated", False):
        raise Forbidden(_("请在网页登录后创建令牌，不能用令牌创建令牌。"), code="session_required")
    at = now()
    token, raw = api_token_create(user=request.user, name=body.name, days=body.days, at=at)  # type: ignore[arg-type]
    return Status(201, {**_token(token, at), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None})
def token_revoke(request: HttpRequest, token_id: RowId) -> Status:
    """Revoke one of my tokens (it stops working at once)."""
    api_token_revoke(user=request.user, token_id=token_id, at=now())
    return Status(204, None)
