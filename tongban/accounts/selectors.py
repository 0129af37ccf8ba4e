"""Account reads and the access functions every view and endpoint uses."""

from __future__ import annotations

from django.db import connection

from tongban.accounts.models import ApiToken, User
from tongban.common.access import AccessRule, access_filter, access_get, access_q

__all__ = ["AccessRule", "access_filter", "access_get", "access_q", "user_by_api_token"]


def _token_user_sql() -> str:
    qn = connection.ops.quote_name
    users, tokens = qn(User._meta.db_table), qn(ApiToken._meta.db_table)
    return (
        f"SELECT u.* FROM {users} u JOIN {tokens} t ON t.{qn('user_id')} = u.{qn('id')} "  # noqa: S608 model names
        f"WHERE t.{qn('key_hash')} = %s AND u.{qn('is_active')}"
    )


def user_by_api_token(*, raw: str) -> User | None:
    """The active user a bearer token belongs to, or None.

    Every API call of a machine client runs this, so it is one plain query (no ORM compilation);
    the user's outlet, when there is one, loads on first use.
    """
    return next(iter(User.objects.raw(_token_user_sql(), [ApiToken.hash_key(raw)])), None)
