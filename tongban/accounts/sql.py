"""The plain SQL of the account reads (the one place for it in this module; HANDBOOK-dev.md says
when plain SQL is allowed): the user behind a bearer token, and the session's user with the two
answers every page asks about them.

Measured gain: the session's user with its two answers in one statement against the ORM's three
queries (User.objects.get, django_otp's user_has_device, the unread count), in process:
``.venv/bin/python bench/micro_user_load.py`` gave 7.9x on PostgreSQL (230 against 29 loads/s,
N=2000, on the shared 2-core machine under load) and 20x on SQLite (1,804 against 89/s). The
session's user is loaded on every signed-in request (the queue and citizen list floors), the
bearer-token user on every machine API call (the submit floor).
Tests: accounts/tests/test_sql.py runs these statements against the ORM's answers on SQLite
(make test) and PostgreSQL (CI).
"""

from __future__ import annotations

from django.db import connection

from tongban.accounts.models import ApiToken, User
from tongban.common.rows import RowLoader

USER = RowLoader(User)


def token_user_sql() -> str:
    qn = connection.ops.quote_name
    users, tokens = qn(User._meta.db_table), qn(ApiToken._meta.db_table)
    return (
        f"SELECT {USER.columns('u')} FROM {users} u "  # noqa: S608  (names from the models)
        f"JOIN {tokens} t ON t.{qn('user_id')} = u.{qn('id')} "
        f"WHERE t.{qn('key_hash')} = %s AND t.{qn('revoked_at')} IS NULL AND t.{qn('expires_at')} > %s "
        f"AND u.{qn('is_active')}"
    )


def devices_exist_sql(user_column: str) -> str:
    """SQL true when the user in ``user_column`` has a confirmed second-factor device of any
    installed django_otp device class. Built from the fields every django_otp ``Device`` has
    (``user``, ``confirmed``: what ``devices_for_user(user, confirmed=True)`` filters on)."""
    from django_otp import device_classes

    qn = connection.ops.quote_name
    exists = []
    for model in device_classes():
        table = qn(model._meta.db_table)
        user_id = qn(model._meta.get_field("user").column)
        confirmed = qn(model._meta.get_field("confirmed").column)
        exists.append(f"EXISTS(SELECT 1 FROM {table} d WHERE d.{user_id} = {user_column} AND d.{confirmed})")  # noqa: S608
    return " OR ".join(exists) or "FALSE"


def user_sql() -> str:
    """The user row by primary key, then two columns: whether they have a confirmed
    second-factor device (the second-factor check asks that on every staff page) and how many
    unread messages they have (the page header shows it). In the same statement neither costs a
    round trip of its own."""
    from tongban.notifications.selectors import unread_count_sql

    qn = connection.ops.quote_name
    devices = devices_exist_sql(f"u.{qn('id')}")
    unread = unread_count_sql(user_id_column=f"u.{qn('id')}")
    return (
        f"SELECT {USER.columns('u')}, {devices}, {unread} "  # noqa: S608  (names from the models)
        f"FROM {qn(User._meta.db_table)} u WHERE u.{qn('id')} = %s"
    )
