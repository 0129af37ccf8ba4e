"""The plain SQL of the outlets module (HANDBOOK-dev.md: the one place for it here): a condition
that another module's one-statement read embeds (appointments.sql, whose measured gain it shares).
Its ORM twin is ``outlets.selectors.outlet_accepts``; tongban/appointments/tests/test_sql.py checks
that the two answer alike on SQLite and PostgreSQL."""

from __future__ import annotations

from tongban.outlets.models import Outlet, OutletItem


def outlet_accepts_sql(*, outlet_column: str) -> str:
    """An SQL condition (PostgreSQL and SQLite) that holds when the outlet whose id is in
    ``outlet_column`` is active and accepts an item. Takes two parameters: True, then the item code."""
    outlet = Outlet._meta.db_table
    item = OutletItem._meta.db_table
    return (
        f"EXISTS (SELECT 1 FROM {outlet} o JOIN {item} i ON i.outlet_id = o.id"  # noqa: S608  (names, not values)
        f" WHERE o.id = {outlet_column} AND o.active = %s AND i.item_code = %s)"
    )
