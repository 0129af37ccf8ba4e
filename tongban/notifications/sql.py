"""The plain SQL of the notifications module (HANDBOOK-dev.md: the one place for it here): the
unread count as a fragment that the session's user load embeds in its one statement
(accounts/sql.py, whose measured gain it shares: 7.9x on PostgreSQL for the user with both of its
answers). Its ORM twin is ``notifications.selectors.unread_count``; tongban/accounts/tests/test_sql.py
checks that the two answer alike on SQLite and PostgreSQL."""

from __future__ import annotations

from django.db import connection

from tongban.notifications.models import Message

UNREAD_CAP = 99  # the header shows "99+" beyond this: the count stops there


def unread_count_sql(*, user_id_column: str) -> str:
    """A scalar subquery counting (up to UNREAD_CAP + 1) the unread inbox messages of the user
    whose id is ``user_id_column``: the session's user load reads it in its own statement, so the
    header's count costs no round trip (accounts.selectors.user_by_pk)."""
    qn = connection.ops.quote_name
    table = qn(Message._meta.db_table)
    inbox = "TRUE" if connection.vendor == "postgresql" else "1"
    return (
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {table} m WHERE m.{qn('recipient_id')} = {user_id_column} "  # noqa: S608
        f"AND m.{qn('read_at')} IS NULL AND m.{qn('inbox')} = {inbox} LIMIT {UNREAD_CAP + 1}) unread)"
    )
