"""Account reads and the access functions every view and endpoint uses."""

from __future__ import annotations

from tongban.accounts.models import ApiToken, User
from tongban.common.access import AccessRule, access_filter, access_get, access_q

__all__ = ["AccessRule", "access_filter", "access_get", "access_q", "user_by_api_token"]


def user_by_api_token(*, raw: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    token = ApiToken.objects.select_related("user", "user__outlet").filter(key_hash=ApiToken.hash_key(raw)).first()
    if token is None or not token.user.is_active:
        return None
    return token.user
