"""The plain SQL the appointments module keeps: what a booking reads before it writes, in one
statement, beside its ORM twin.

Plain SQL is allowed only where it is measured to pay (HANDBOOK-dev.md, docs/adr/0010).
``booking_read`` reads the person's standing (bookings held, recent no-shows) and the slot asked
for, with whether its outlet is active and handles the item, in one statement; ``booking_read_orm``
is the same with the ORM (two queries: an aggregate and the slot with an ``Exists``). Measured on
PostgreSQL in process (CPU time, this shared 2-core machine, 2026-12-07): the statement 124 µs,
the ORM twin about 2,000 µs (1,020 for the aggregate, 990 for the slot: compiling, not the
database). ``bench/booking_timing.py --n 400`` puts a whole booking at 2,350-2,410 µs of CPU with
every booking statement in plain SQL and 4,450-4,580 µs with none (1.9x); this read alone is
about 1,900 µs of that difference (1.7x of the booking), so it stays. The other booking
statements (the person's lock, the conditional UPDATE that takes a place, the INSERT) cost
100-240 µs more each through the ORM (at most 1.1x of the booking; 1.4-1.5x all three together,
runs interleaved under load) and are ORM code (appointments.services). Booking has a floor
(docs/benchmarks.md: >= 300 bookings/s through the API). ``tongban/appointments/tests/test_sql.py``
checks that both give the same answer on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, OuterRef, Q

from tongban.appointments.models import Appointment, AppointmentStatus, Slot
from tongban.appointments.policy import booking_policy
from tongban.common.rows import RowLoader
from tongban.outlets.selectors import outlet_accepts, outlet_accepts_sql


@dataclass(frozen=True)
class Standing:
    """What the per-person rules need to know about someone."""

    active: int  # booked appointments, all items
    active_for_item: int  # ... of them for the item asked for
    no_shows: int  # no-shows within the policy's window
    recent_no_shows: int  # ... of them within the ban period


def _since(at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(start of the no-show window, start of the ban period) at ``at``."""
    policy = booking_policy()
    return at - dt.timedelta(days=policy.no_show_window_days), at - dt.timedelta(days=policy.no_show_ban_days)


_A = Appointment._meta.db_table
_S = Slot._meta.db_table
_O = Slot._meta.get_field("outlet").related_model._meta.db_table  # type: ignore[union-attr]
_SLOT = RowLoader(Slot, ["id", "outlet", "group", "start", "end", "capacity", "booked", "session"])
# Only table names from _meta are interpolated into these statements; values are parameters.
_STANDING_SQL = f"""
SELECT COALESCE(SUM(CASE WHEN a.status = %s THEN 1 ELSE 0 END), 0) AS active,
       COALESCE(SUM(CASE WHEN a.status = %s AND a.item_code = %s THEN 1 ELSE 0 END), 0) AS active_for_item,
       COALESCE(SUM(CASE WHEN a.status = %s THEN 1 ELSE 0 END), 0) AS no_shows,
       COALESCE(SUM(CASE WHEN a.status = %s AND s.start > %s THEN 1 ELSE 0 END), 0) AS recent_no_shows
FROM {_A} a JOIN {_S} s ON s.id = a.slot_id
WHERE a.user_id = %s AND (a.status = %s OR (a.status = %s AND s.start >= %s))
"""  # noqa: S608


def _booking_statement() -> str:
    """The standing (always one row: aggregates) and the slot (its columns NULL when there is no
    such slot), in one round trip."""
    slot = f"""
SELECT {_SLOT.columns("s")}, o.code AS outlet_code, o.name AS outlet_name,
       CASE WHEN {outlet_accepts_sql(outlet_column="s.outlet_id")} THEN 1 ELSE 0 END AS handles
FROM {_S} s JOIN {_O} o ON o.id = s.outlet_id
WHERE s.id = %s
"""  # noqa: S608
    return f"SELECT st.*, sl.* FROM ({_STANDING_SQL}) st LEFT JOIN ({slot}) sl ON 1 = 1"  # noqa: S608


def _with_outlet(slot: Slot, code: str, name: str, handles: Any) -> Slot:
    # The outlet as .only("code", "name") would load it: the booking shows and audits no more.
    outlet_model: Any = Slot._meta.get_field("outlet").related_model
    slot.outlet = outlet_model.from_db(connection.alias, ["id", "code", "name"], [slot.outlet_id, code, name])
    slot.handles = bool(handles)  # type: ignore[attr-defined]
    return slot


def booking_read(*, user_pk: int, item_code: str, slot_id: int, at: dt.datetime) -> tuple[Standing, Slot | None]:
    """The person's standing at ``at`` and the slot (None when there is none) with its outlet's
    code and name and ``handles`` (the outlet is active and accepts ``item_code``): one statement."""
    since, ban_from = (connection.ops.adapt_datetimefield_value(t) for t in _since(at))
    booked, no_show = AppointmentStatus.BOOKED.value, AppointmentStatus.NO_SHOW.value
    params = [booked, booked, item_code, no_show, no_show, ban_from, user_pk, booked, no_show, since]
    with connection.cursor() as cur:
        cur.execute(_SLOT.statement("book", _booking_statement), [*params, True, item_code, slot_id])
        row = cur.fetchone()
    standing = Standing(*(int(x) for x in row[:4]))
    if row[4] is None:
        return standing, None
    rest = row[4:]
    return standing, _with_outlet(_SLOT.load(rest), *rest[-3:])


def standing_orm(*, user_pk: int, item_code: str, at: dt.datetime) -> Standing:
    """``booking_read``'s standing through the ORM (one aggregate query)."""
    since, ban_from = _since(at)
    booked, no_show = AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW
    counts = Appointment.objects.filter(
        Q(status=booked) | Q(status=no_show, slot__start__gte=since), user_id=user_pk
    ).aggregate(
        active=Count("pk", filter=Q(status=booked)),
        active_for_item=Count("pk", filter=Q(status=booked, item_code=item_code)),
        no_shows=Count("pk", filter=Q(status=no_show)),
        recent_no_shows=Count("pk", filter=Q(status=no_show, slot__start__gt=ban_from)),
    )
    return Standing(**counts)


def slot_orm(*, slot_id: int, item_code: str) -> Slot | None:
    """``booking_read``'s slot through the ORM (one query): what a reschedule reads."""
    fields = [f.name for f in Slot._meta.concrete_fields]
    return (
        Slot.objects.select_related("outlet")
        .only("outlet__code", "outlet__name", *fields)
        .annotate(handles=outlet_accepts(outlet_id=OuterRef("outlet_id"), item_code=item_code))
        .filter(pk=slot_id)
        .first()
    )


def booking_read_orm(*, user_pk: int, item_code: str, slot_id: int, at: dt.datetime) -> tuple[Standing, Slot | None]:
    """``booking_read`` through the ORM: the twin its test compares it with."""
    return standing_orm(user_pk=user_pk, item_code=item_code, at=at), slot_orm(slot_id=slot_id, item_code=item_code)
