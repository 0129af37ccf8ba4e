"""Account reads and the access functions every view and endpoint uses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from tongban.accounts.models import ApiToken, User
from tongban.accounts.sql import USER, token_user_sql, user_sql
from tongban.common.access import AccessRule, access_filter, access_get, access_q

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


def _one_user(sql: str, params: list[Any]) -> tuple[User, tuple[Any, ...]] | None:
    """The user ``sql`` finds, and the row's columns after the user's own."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return USER.load(row), tuple(row[len(User._meta.concrete_fields) :])


def user_by_api_token(*, raw: str, at: dt.datetime) -> User | None:
    """The active user a live (unrevoked, unexpired at ``at``) bearer token belongs to, or None.

    Every API call of a machine client runs this: one plain statement (accounts/sql.py, with its
    measured gain), loaded as the ORM loads a row; the user's outlet loads on first use.
    """
    sql = USER.statement("token", token_user_sql)
    found = _one_user(sql, [ApiToken.hash_key(raw), connection.ops.adapt_datetimefield_value(at)])
    return found[0] if found is not None else None


def user_by_pk(*, pk: int) -> User | None:
    """The user with this primary key, active or not (the session's user on every signed-in
    request: see accounts.backends), by one plain statement (accounts/sql.py). The answers to
    "has a second-factor device" and "unread messages" come with it (``has_confirmed_device``,
    notifications.selectors.unread_count)."""
    sql = USER.statement("pk", user_sql)
    found = _one_user(sql, [pk] * sql.count("%s"))
    if found is None:
        return None
    user, (device, unread) = found
    user._confirmed_device = bool(device)  # type: ignore[attr-defined]
    user._unread_messages = int(unread)  # type: ignore[attr-defined]
    return user


def api_tokens_mine(*, user: Any) -> list[ApiToken]:
    """The user's bearer tokens, newest first (revoked and expired ones too, marked by their dates)."""
    return list(access_filter(user, ApiToken.objects.filter(user_id=user.pk)).order_by("-created_at", "-pk"))


def has_confirmed_device(user: User) -> bool:
    """``django_otp.user_has_device(user)`` (confirmed devices), asked on every staff request by
    the second-factor check.

    A session's user (``user_by_pk``) arrives with the answer, read in the same statement;
    others are asked through django_otp.
    """
    from django_otp import user_has_device

    known = getattr(user, "_confirmed_device", None)
    if known is not None:
        return bool(known)
    return bool(user_has_device(user))
