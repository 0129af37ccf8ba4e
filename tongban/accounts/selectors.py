"""Account reads and the access functions every view and endpoint uses."""

from __future__ import annotations

from typing import Any

from django.db import connection

from tongban.accounts.models import ApiToken, User
from tongban.common.access import AccessRule, access_filter, access_get, access_q
from tongban.common.rows import RowLoader

__all__ = [
    "AccessRule",
    "access_filter",
    "access_get",
    "access_q",
    "has_confirmed_device",
    "user_by_api_token",
    "user_by_pk",
]


_USER = RowLoader(User)


def _token_user_sql() -> str:
    qn = connection.ops.quote_name
    users, tokens = qn(User._meta.db_table), qn(ApiToken._meta.db_table)
    return (
        f"SELECT {_USER.columns('u')} FROM {users} u "  # noqa: S608  (names from the models)
        f"JOIN {tokens} t ON t.{qn('user_id')} = u.{qn('id')} "
        f"WHERE t.{qn('key_hash')} = %s AND u.{qn('is_active')}"
    )


def _user_sql() -> str:
    qn = connection.ops.quote_name
    return f"SELECT {_USER.columns('u')} FROM {qn(User._meta.db_table)} u WHERE u.{qn('id')} = %s"  # noqa: S608


def _one_user(sql: str, param: Any) -> User | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, [param])
        row = cursor.fetchone()
    return None if row is None else _USER.load(row)


def user_by_api_token(*, raw: str) -> User | None:
    """The active user a bearer token belongs to, or None.

    Every API call of a machine client runs this, so it is one plain query whose statement is
    built once, loaded as the ORM loads a row (tongban.common.rows); the user's outlet, when
    there is one, loads on first use.
    """
    return _one_user(_USER.statement("token", _token_user_sql), ApiToken.hash_key(raw))


def user_by_pk(*, pk: int) -> User | None:
    """The user with this primary key, active or not (the session's user on every signed-in
    request: see accounts.backends), by the same kind of once-built plain query."""
    return _one_user(_USER.statement("pk", _user_sql), pk)


_DEVICE_SQL: dict[str, list[str]] = {}  # database alias → one "first confirmed device" query per device model


def has_confirmed_device(user: User) -> bool:
    """``django_otp.user_has_device(user)`` (confirmed devices), asked on every staff request by
    the second-factor check: django_otp scans every installed model for device classes and builds
    their querysets each time, which cost more CPU than the queries. Here the device models are
    found and their queries compiled once, then asked in turn as django_otp does; a device model
    whose query is not of the expected one-parameter shape is asked through django_otp."""
    from django_otp import device_classes, user_has_device

    sqls = _DEVICE_SQL.get(connection.alias)
    if sqls is None:
        sqls = []
        for model in device_classes():
            qs = model.objects.devices_for_user(user, confirmed=True).values_list("pk")[:1]
            sql, params = qs.query.get_compiler(connection.alias).as_sql()
            if list(params) != [user.pk]:
                return bool(user_has_device(user))
            sqls.append(sql)
        _DEVICE_SQL[connection.alias] = sqls
    with connection.cursor() as cursor:
        for sql in sqls:
            cursor.execute(sql, [user.pk])
            if cursor.fetchone() is not None:
                return True
    return False
