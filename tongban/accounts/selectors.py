"""Account reads and the access functions every view and endpoint uses."""

from __future__ import annotations

from django.db import connection

from tongban.accounts.models import ApiToken, User
from tongban.common.access import AccessRule, access_filter, access_get, access_q
from tongban.common.rows import RowLoader

__all__ = ["AccessRule", "access_filter", "access_get", "access_q", "user_by_api_token"]


_TOKEN_USER = RowLoader(User)
_TOKEN_SQL: dict[str, str] = {}  # database vendor → statement


def _token_user_sql() -> str:
    sql = _TOKEN_SQL.get(connection.vendor)
    if sql is None:
        qn = connection.ops.quote_name
        users, tokens = qn(User._meta.db_table), qn(ApiToken._meta.db_table)
        sql = _TOKEN_SQL[connection.vendor] = (
            f"SELECT {_TOKEN_USER.columns('u')} FROM {users} u "  # noqa: S608  (names from the models)
            f"JOIN {tokens} t ON t.{qn('user_id')} = u.{qn('id')} "
            f"WHERE t.{qn('key_hash')} = %s AND u.{qn('is_active')}"
        )
    return sql


def user_by_api_token(*, raw: str) -> User | None:
    """The active user a bearer token belongs to, or None.

    Every API call of a machine client runs this, so it is one plain query whose statement is
    built once, loaded as the ORM loads a row (tongban.common.rows); the user's outlet, when
    there is one, loads on first use.
    """
    with connection.cursor() as cursor:
        cursor.execute(_token_user_sql(), [ApiToken.hash_key(raw)])
        row = cursor.fetchone()
    return None if row is None else _TOKEN_USER.load(row)
