"""Case facts in the database, set by set: the rules of ``tongban.insights.facts`` as ORM
expressions over the cases (``tongban.cases.facts.case_fact_queryset``), compiled to SQL and
run as one statement per batch, on PostgreSQL and SQLite alike. A Python pass only times the few
window visits that have a check-in (appointments) to time them from.

The new facts go to a temporary table ``fact_new``; the facts that differ from the stored ones
are written (insert or update) and their days, before and after, are the days to rebuild.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Case, DateTimeField, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Substr, TruncDate

from tongban.common.clock import SHANGHAI
from tongban.insights.facts import RUNNING, visit_times
from tongban.insights.models import CaseFact

FACT_FIELDS = [f.attname for f in CaseFact._meta.concrete_fields]
DAYS = ("submitted_day", "accepted_day", "decided_day", "closed_day")
TEMP = "fact_new"


def _expressions() -> dict[str, Any]:
    """Each fact column (as ``x_<column>``) as an expression over a case."""
    from tongban.workdays.selectors import working_days_between

    decided = Q(decided_at__isnull=False)
    return {
        "x_case_id": F("pk"),
        "x_item_code": F("item_code"),
        "x_department": F("department"),
        "x_channel": F("channel"),
        "x_status": F("status"),
        "x_outlet_id": Coalesce("accepting_outlet_id", "handling_outlet_id"),
        "x_district": Substr(
            Coalesce("accepting_outlet__region_code", "handling_outlet__region_code", "handling_region"), 1, 6
        ),
        "x_submitted_day": TruncDate("submitted_at", tzinfo=SHANGHAI),
        "x_accepted_day": TruncDate("accepted_at", tzinfo=SHANGHAI),
        "x_decided_day": TruncDate("decided_at", tzinfo=SHANGHAI),
        "x_closed_day": TruncDate("closed_at", tzinfo=SHANGHAI),
        "x_on_time": Case(
            When(decided & Q(deadline_at__isnull=False) & Q(decided_at__lt=F("deadline_at")), then=Value(True)),
            When(decided & Q(deadline_at__isnull=False), then=Value(False)),
            default=None,
            output_field=BooleanField(null=True),
        ),
        "x_wd_submit": Case(
            When(decided, then=working_days_between("x_submitted_day", "x_decided_day")),
            default=None,
            output_field=IntegerField(),
        ),
        "x_wd_accept": Case(
            When(decided & Q(accepted_at__isnull=False), then=working_days_between("x_accepted_day", "x_decided_day")),
            default=None,
            output_field=IntegerField(),
        ),
        "x_id_card_only": F("brought_none"),
        "x_zero_materials": F("materials_none"),
        "x_visits": F("clerk_days"),
        "x_window_timed": Value(0, output_field=IntegerField()),
        "x_window_seconds": Value(0, output_field=IntegerField()),
        "x_open_deadline": Case(
            When(status__in=RUNNING, then=F("deadline_at")), default=None, output_field=DateTimeField()
        ),
    }


def _query(*, ids: list[int] | None = None, id_range: tuple[int, int] | None = None) -> tuple[str, list[Any]]:
    from tongban.cases.facts import case_fact_queryset

    exprs = _expressions()
    qs = case_fact_queryset(ids=ids, id_range=id_range)
    # Days first: the working-day counts refer to them by name.
    days = {k: exprs.pop(k) for k in ("x_submitted_day", "x_accepted_day", "x_decided_day")}
    qs = qs.annotate(**days).annotate(**exprs).values_list(*(f"x_{c}" for c in FACT_FIELDS))
    sql, params = qs.query.sql_with_params()
    return sql, list(params)


def facts_stage(*, ids: list[int] | None = None, id_range: tuple[int, int] | None = None) -> None:
    """Compute the facts of these cases into the temporary table ``fact_new``."""
    sql, params = _query(ids=ids, id_range=id_range)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP}")
        cursor.execute(f"CREATE TEMP TABLE {TEMP} AS {sql}", params)
    _time_visits(ids=ids, id_range=id_range)


def _time_visits(*, ids: list[int] | None, id_range: tuple[int, int] | None) -> None:
    """Set the window time of the staged cases whose applicant checked in before a visit."""
    from tongban.appointments.selectors import checkins_of
    from tongban.cases.facts import case_fact_sources, case_window_applicants

    cases = case_window_applicants(ids=ids, id_range=id_range)
    if not cases:
        return
    sources = case_fact_sources(ids=cases)
    users = sorted({s.applicant_id for s in sources if s.applicant_id is not None})
    moves = [at for s in sources for at, _o in s.window_moves]
    start = dt.datetime.combine(min(moves).astimezone(SHANGHAI).date(), dt.time(0), SHANGHAI)
    checkins: dict[tuple[int, int, dt.date], list[dt.datetime]] = defaultdict(list)
    for i in range(0, len(users), 5000):
        for user_id, outlet_id, at in checkins_of(user_ids=users[i : i + 5000], start=start, end=max(moves)):
            checkins[(user_id, outlet_id, at.astimezone(SHANGHAI).date())].append(at)
    if not checkins:
        return
    updates = []
    for s in sources:
        _visits, timed, seconds = visit_times(s, checkins)
        if timed:
            updates.append((timed, seconds, s.id))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {TEMP} SET x_window_timed = %s, x_window_seconds = %s WHERE x_case_id = %s",  # noqa: S608
            updates,
        )


def _same(a: str, b: str) -> str:
    op = "IS NOT DISTINCT FROM" if connection.vendor == "postgresql" else "IS"
    return f"{a} {op} {b}"


def _changed_where() -> str:
    qn = connection.ops.quote_name
    same = " AND ".join(_same(f"n.x_{c}", f"o.{qn(c)}") for c in FACT_FIELDS if c != "case_id")
    return f"o.{qn('case_id')} IS NULL OR NOT ({same})"


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def facts_write_changed() -> tuple[int, set[dt.date]]:
    """Write the staged facts that differ from the stored ones; return how many and the days
    they touch (before and after)."""
    qn = connection.ops.quote_name
    table = qn(CaseFact._meta.db_table)
    join = f"FROM {TEMP} n LEFT JOIN {table} o ON o.{qn('case_id')} = n.x_case_id WHERE {_changed_where()}"
    day_cols = ", ".join([*(f"n.x_{d}" for d in DAYS), *(f"o.{qn(d)}" for d in DAYS)])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {day_cols} {join}")
        rows = cursor.fetchall()
        if not rows:
            return 0, set()
        cols = ", ".join(qn(c) for c in FACT_FIELDS)
        sets = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in FACT_FIELDS if c != "case_id")
        cursor.execute(
            f"INSERT INTO {table} ({cols}) SELECT {', '.join(f'n.x_{c}' for c in FACT_FIELDS)} {join} "
            f"ON CONFLICT ({qn('case_id')}) DO UPDATE SET {sets}"
        )
    days = {d for row in rows for v in row if (d := _as_date(v)) is not None}
    return len(rows), days


def facts_insert_staged() -> int:
    """Insert every staged fact (a rebuild: none is stored yet). Returns how many."""
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in FACT_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(CaseFact._meta.db_table)} ({cols}) "  # noqa: S608  (names from the model)
            f"SELECT {', '.join(f'x_{c}' for c in FACT_FIELDS)} FROM {TEMP}"
        )
        return int(cursor.rowcount)


def facts_unstage() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP}")
