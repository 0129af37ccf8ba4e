"""The authentication backend: Django's ModelBackend, with a cheaper user load per request.

Every signed-in page loads the session's user (``AuthenticationMiddleware`` → ``get_user``).
ModelBackend does it with ``User.objects.get(pk=...)``, and compiling that query was close to
half the CPU of a signed-in list page. Here the same row is read by a statement built once and
loaded as the ORM loads it (tongban.common.rows); the checks are ModelBackend's own
(``user_can_authenticate``: inactive users get no session user). Passwords, permissions and
``authenticate`` are ModelBackend's, unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from tongban.accounts.models import User
from tongban.common.rows import RowLoader

_USER = RowLoader(User)
_SQL: dict[str, str] = {}  # database vendor → statement


def _user_sql() -> str:
    sql = _SQL.get(connection.vendor)
    if sql is None:
        qn = connection.ops.quote_name
        sql = _SQL[connection.vendor] = (
            f"SELECT {_USER.columns('u')} FROM {qn(User._meta.db_table)} u WHERE u.{qn('id')} = %s"  # noqa: S608
        )
    return sql


class UserBackend(ModelBackend):
    """ModelBackend whose ``get_user`` is one prepared plain query."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:  # a malformed session value: nobody, as with ModelBackend
            return None
        with connection.cursor() as cursor:
            cursor.execute(_user_sql(), [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        user = _USER.load(row)
        return user if self.user_can_authenticate(user) else None
