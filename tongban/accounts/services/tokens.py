"""Bearer tokens for machine clients: issued for a lifetime, listed and revoked by their owner."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tongban.accounts.models import ApiToken, User
from tongban.audit.services import audit_record
from tongban.common.access import access_get
from tongban.common.errors import Invalid, TooMany

MAX_ACTIVE_TOKENS = 20


def api_token_create(*, user: User, name: str, at: dt.datetime, days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a bearer token valid ``days`` (default ``API_TOKEN_DAYS``) and return it with the
    raw value, which is shown once: only its hash is kept.

    Raises Invalid (no name, a lifetime outside 1..API_TOKEN_MAX_DAYS) or TooMany (already
    MAX_ACTIVE_TOKENS live tokens)."""
    name = name.strip()
    days = settings.API_TOKEN_DAYS if days is None else days
    if not name or len(name) > 60:
        raise Invalid(_("请给令牌起一个名称（60 字以内），例如用在哪个程序上。"), code="token_name", field="name")
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise Invalid(
            _("有效期须在 1 到 %(max)s 天之间。") % {"max": settings.API_TOKEN_MAX_DAYS},
            code="token_days",
            field="days",
        )
    raw = "tb_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        live = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True, expires_at__gt=at)
        if len(live) >= MAX_ACTIVE_TOKENS:
            raise TooMany(
                _("有效令牌已达 %(n)s 个，请先撤销不用的令牌。") % {"n": MAX_ACTIVE_TOKENS}, code="token_limit"
            )
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[:10],
            key_hash=ApiToken.hash_key(raw),
            created_at=at,
            expires_at=at + dt.timedelta(days=days),
        )
        audit_record(
            action="account.token_create",
            object_type="api_token",
            object_id=str(token.pk),
            at=at,
            actor=user,
            data={"days": days},
        )
    return token, raw


def api_token_revoke(*, user: Any, token_id: int, at: dt.datetime) -> ApiToken:
    """Revoke one of the user's own tokens (revoking again changes nothing). Raises NotFound."""
    with transaction.atomic():
        # Only the owner: staff who may read accounts still may not revoke what is not theirs.
        token = access_get(user, ApiToken.objects.select_for_update().filter(user_id=user.pk), pk=token_id)
        if token.revoked_at is None:
            token.revoked_at = at
            token.save(update_fields=["revoked_at"])
            audit_record(
                action="account.token_revoke", object_type="api_token", object_id=str(token.pk), at=at, actor=user
            )
    return token
