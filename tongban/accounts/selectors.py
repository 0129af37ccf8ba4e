"""Account reads and the access functions every view and endpoint uses."""

from __future__ import annotations

import datetime as dt
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
    "api_tokens_mine",
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
        f"WHERE t.{qn('key_hash')} = %s AND t.{qn('revoked_at')} IS NULL AND t.{qn('expires_at')} > %s "
        f"AND u.{qn('is_active')}"
    )


_DEVICE_SQL: dict[str, list[str] | None] = {}  # database alias → the device queries (None: ask django_otp)


def _device_sqls() -> list[str] | None:
    """One "first confirmed device of user %s" query per django_otp device model, compiled once
    per database from the model's own ``devices_for_user`` (None when one is not of that
    one-parameter shape: then django_otp is asked)."""
    from django_otp import device_classes

    if connection.alias not in _DEVICE_SQL:
        probe = User(pk=0)
        compiled = []
        for model in device_classes():
            qs = model.objects.devices_for_user(probe, confirmed=True).values_list("pk")[:1]
            compiled.append(qs.query.get_compiler(connection.alias).as_sql())
        shaped = all(list(params) == [0] for _sql, params in compiled)
        _DEVICE_SQL[connection.alias] = [sql for sql, _params in compiled] if shaped else None
    return _DEVICE_SQL[connection.alias]


def _user_sql() -> str:
    """The user row by primary key, then two columns: whether they have a confirmed
    second-factor device (the second-factor check asks that on every staff page; NULL when
    django_otp must be asked instead) and how many unread messages they have (the page header
    shows it). In the same statement neither costs a round trip of its own."""
    from tongban.notifications.selectors import unread_count_sql

    qn = connection.ops.quote_name
    sqls = _device_sqls()
    devices = "NULL" if sqls is None else (" OR ".join(f"EXISTS({sql})" for sql in sqls) or "FALSE")
    unread = unread_count_sql(user_id_column=f"u.{qn('id')}")
    return (
        f"SELECT {_USER.columns('u')}, {devices}, {unread} "  # noqa: S608  (names from the models)
        f"FROM {qn(User._meta.db_table)} u WHERE u.{qn('id')} = %s"
    )


def _one_user(sql: str, params: list[Any]) -> tuple[User, tuple[Any, ...]] | None:
    """The user ``sql`` finds, and the row's columns after the user's own."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return _USER.load(row), tuple(row[len(User._meta.concrete_fields) :])


def user_by_api_token(*, raw: str, at: dt.datetime) -> User | None:
    """The active user a live (unrevoked, unexpired at ``at``) bearer token belongs to, or None.

    Every API call of a machine client runs this, so it is one plain query whose statement is
    built once, loaded as the ORM loads a row (tongban.common.rows); the user's outlet, when
    there is one, loads on first use.
    """
    sql = _USER.statement("token", _token_user_sql)
    found = _one_user(sql, [ApiToken.hash_key(raw), connection.ops.adapt_datetimefield_value(at)])
    return found[0] if found is not None else None


def user_by_pk(*, pk: int) -> User | None:
    """The user with this primary key, active or not (the session's user on every signed-in
    request: see accounts.backends), by the same kind of once-built plain query. The answers to
    "has a second-factor device" and "unread messages" come with it (``has_confirmed_device``,
    notifications.selectors.unread_count)."""
    sql = _USER.statement("pk", _user_sql)
    found = _one_user(sql, [pk] * sql.count("%s"))
    if found is None:
        return None
    user, (device, unread) = found
    if device is not None:
        user._confirmed_device = bool(device)  # type: ignore[attr-defined]
    user._unread_messages = int(unread)  # type: ignore[attr-defined]
    return user


def api_tokens_mine(*, user: Any) -> list[ApiToken]:
    """The user's bearer tokens, newest first (revoked and expired ones too, marked by their dates)."""
    return list(access_filter(user, ApiToken.objects.filter(user_id=user.pk)).order_by("-created_at", "-pk"))


def has_confirmed_device(user: User) -> bool:
    """``django_otp.user_has_device(user)`` (confirmed devices), asked on every staff request by
    the second-factor check.

    A session's user (``user_by_pk``) arrives with the answer, read in the same statement. For
    others, django_otp would scan every installed model for device classes and build their
    querysets each time, which cost more CPU than the queries: here the device models are found
    and their queries compiled once, then asked in turn as django_otp does; a device model whose
    query is not of the expected one-parameter shape is asked through django_otp.
    """
    from django_otp import user_has_device

    known = getattr(user, "_confirmed_device", None)
    if known is not None:
        return bool(known)
    sqls = _device_sqls()
    if sqls is None:
        return bool(user_has_device(user))
    with connection.cursor() as cursor:
        for sql in sqls:
            cursor.execute(sql, [user.pk])
            if cursor.fetchone() is not None:
                return True
    return False
